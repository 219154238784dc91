"""Resume: a rerun skips (config, seed) runs already FINISHED for the same config_id and harness version,
reruns failed or killed ones, --force reruns all; the new parent judges the whole grid from the store."""
from __future__ import annotations

import json
from pathlib import Path

from mlflow.tracking import MlflowClient

from harness.execute.pipeline import Execution, run_suite
from harness.store.queries import load_runs
from tests.scale_suites import convergence_suite

SUITE = convergence_suite("resume-suite", activations=("relu",), seeds=2)  # 4 runs


def children_of(client: MlflowClient, parent: str) -> list:
    exp = client.get_experiment_by_name(SUITE.name)
    return client.search_runs([exp.experiment_id], filter_string=f"tags.`mlflow.parentRunId` = '{parent}'")


def judged(client: MlflowClient, parent: str) -> list[str]:
    path = client.download_artifacts(parent, "judged_runs.json")
    return json.loads(Path(path).read_text())


def outcomes(result) -> list[tuple]:
    return [(v.group, v.metric, v.effect, v.outcome) for v in result.verdicts]


def test_rerun_skips_finished_reruns_failed_and_force_reruns_all(tracker):
    client = tracker.client
    configs = [c.resolved() for c in SUITE.configs()]  # as stored: device auto resolved
    first = run_suite(SUITE, tracker, configs, Execution(progress=False))
    assert len(children_of(client, first.parent_run_id)) == 4 and first.reused == 0
    original = {r.data.tags["config_id"]: r.info.run_id for r in children_of(client, first.parent_run_id)}

    # Nothing to do: a new parent with no children, judging the four runs already stored.
    second = run_suite(SUITE, tracker, configs, Execution(progress=False))
    assert second.reused == 4
    assert children_of(client, second.parent_run_id) == []
    assert sorted(judged(client, second.parent_run_id)) == sorted(original.values())
    assert outcomes(second) == outcomes(first)
    assert client.get_run(second.parent_run_id).data.tags["harness.resumed"] == "4"

    # A run that failed (or was killed) does not count: exactly that config runs again.
    lost_config = configs[1].config_id
    client.set_terminated(original[lost_config], status="FAILED")
    third = run_suite(SUITE, tracker, configs, Execution(progress=False))
    rerun = children_of(client, third.parent_run_id)
    assert [r.data.tags["config_id"] for r in rerun] == [lost_config]
    assert third.reused == 3
    assert set(judged(client, third.parent_run_id)) == (set(original.values()) - {original[lost_config]}) | {rerun[0].info.run_id}

    # --force: every config runs again and the verdict uses only this invocation's runs.
    forced = run_suite(SUITE, tracker, configs, Execution(progress=False, force=True))
    assert forced.reused == 0
    assert len(children_of(client, forced.parent_run_id)) == 4
    assert set(forced.runs["parent_run_id"]) == {forced.parent_run_id}
    # Same configs and seeds on the same machine: the same verdict.
    assert outcomes(forced) == outcomes(first)
    # Every finished run is still in the store; none was overwritten or removed.
    assert len(load_runs(client, SUITE.name, statuses=("FINISHED", "FAILED"))) == 4 + 1 + 4


def test_other_harness_version_or_settings_are_not_reused(tracker):
    configs = [c.resolved() for c in SUITE.configs()[:2]]  # one seed: none and before; as stored (device resolved)
    first = run_suite(SUITE, tracker, configs, Execution(progress=False))
    client = tracker.client
    runs = children_of(client, first.parent_run_id)
    client.set_tag(runs[0].info.run_id, "harness_version", "0.0.0-old")
    changed = [c.replace(seed=7) for c in configs]  # a setting changed: a different config_id
    again = run_suite(SUITE, tracker, [*configs, *changed], Execution(progress=False))
    rerun = {r.data.tags["config_id"] for r in children_of(client, again.parent_run_id)}
    assert rerun == {runs[0].data.tags["config_id"], *(c.config_id for c in changed)}
    assert again.reused == 1
