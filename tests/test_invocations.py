"""Invocations made findable: parent names and params, the answer as description, dataset inputs, `harness runs`,
run-id prefixes (unique, ambiguous, unknown), and the classic view of each suite's experiment."""
from __future__ import annotations

import pytest
from mlflow.tracking import MlflowClient

from harness.cli.main import main
from harness.core.contract import EXPERIMENT_KIND, EXPERIMENT_KIND_TAG, NOTE_TAG
from harness.store.invocations import resolve_run_id
from harness.store.queries import QueryError


def test_parent_is_named_and_carries_its_settings_as_params(tiny_invocation):
    uri, suite, parent = tiny_invocation
    run = MlflowClient(uri).get_run(parent)
    assert run.info.run_name.startswith(f"{suite.name} default 2 seeds cpu ")
    assert {k: run.data.params[k] for k in ("scale", "seeds", "threads", "device", "engine", "workers")} == \
        {"scale": "default", "seeds": "2", "threads": "1", "device": "cpu", "engine": "local", "workers": "1"}
    assert run.data.tags[NOTE_TAG].startswith("ANSWER to ")
    assert "\n- Fewer epochs are needed (epochs-to-target ratio, " in run.data.tags[NOTE_TAG]  # a sentence each
    experiment = MlflowClient(uri).get_experiment_by_name(suite.name)
    assert experiment.tags[EXPERIMENT_KIND_TAG] == EXPERIMENT_KIND
    assert experiment.tags[NOTE_TAG] == f"{suite.claim}\n\nSource: {suite.source}"  # the UI's description


def test_every_child_logs_its_dataset_splits(tiny_invocation):
    uri, suite, parent = tiny_invocation
    client = MlflowClient(uri)
    exp = client.get_experiment_by_name(suite.name)
    children = client.search_runs([exp.experiment_id], f"tags.`mlflow.parentRunId` = '{parent}'")
    assert children
    for child in children:
        inputs = {i.dataset.name: i for i in child.inputs.dataset_inputs}
        assert set(inputs) == {"digits/train", "digits/validation"}
        train = inputs["digits/train"]
        assert '"num_rows": 1438' in train.dataset.profile and len(train.dataset.digest) == 16
        assert {t.key: t.value for t in train.tags} == {"mlflow.data.context": "train"}
    digests = {i.dataset.digest for c in children for i in c.inputs.dataset_inputs if i.dataset.name.endswith("/train")}
    assert len(digests) == 1  # one split for every seed: the split seed is fixed


def test_runs_lists_one_line_per_invocation(registered, capsys):
    uri, suite, parent = registered
    assert main(["runs", suite.name, "--tracking-uri", uri]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split()[:4] == ["id", "started", "suite", "scale"]
    (line,) = [ln for ln in lines if ln.startswith(parent[:8])]
    assert f" {suite.name} " in line and " default " in line and " FINISHED " in line
    assert "undecided" in " ".join(lines)  # the outcomes in words (wrapped to the width where they must)


def test_report_and_compare_take_a_unique_prefix(registered, tmp_path, capsys):
    uri, suite, parent = registered
    assert main(["report", suite.name, "--run", parent[:8], "--out", str(tmp_path), "--tracking-uri", uri]) == 0
    assert parent in capsys.readouterr().err
    assert main(["compare", parent[:8], parent[:10], "--tracking-uri", uri]) == 0


def test_ambiguous_and_unknown_prefixes_are_one_line_exit_2(tracker, capsys):
    ids = [tracker.start_parent("prefixes", f"p{i}", {}) for i in range(2)]
    assert resolve_run_id(tracker.client, ids[0]) == ids[0]
    with pytest.raises(QueryError, match="ambiguous run '': 2 invocations start with it"):
        resolve_run_id(tracker.client, "")
    for argv in (["compare", "zzzz", ids[0]], ["compare", "", ids[0]]):
        assert main([*argv, "--tracking-uri", tracker.uri]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and ("invalid run 'zzzz': no such run" in err or "ambiguous run ''" in err), err


def test_resume_says_what_it_does():
    from harness.store.invocations import resume_message

    assert resume_message(12, 0, 12) == "running 12 runs"
    assert resume_message(12, 8, 4) == "8 of 12 runs already in the store; running 4"
    assert resume_message(12, 12, 0).startswith("all 12 runs already in the store")


@pytest.mark.parametrize("load,threads,workers,warns", [(1.5, 2, 1, True), (0.1, 2, 1, False), (1.9, 1, 1, False),
                                                        (1.2, 1, 2, True)])
def test_threads_beyond_the_free_cores_warn(monkeypatch, load, threads, workers, warns):
    from harness.execute import execution

    monkeypatch.setattr(execution.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(execution.os, "getloadavg", lambda: (load, load, load))
    warning = execution.threads_warning(threads, workers)
    assert (warning is not None) == warns
    if warns:
        assert warning.startswith(f"warning: {threads * workers} threads") and "cores are free" in warning


def test_runs_tallies_checks_apart_from_the_claims_rows(tracker, capsys, monkeypatch):
    """A check of the implementation (an identity) is not evidence: `harness runs` counts it apart."""
    from harness.execute.judging import record
    from harness.judge.verdict import Verdict

    def row(statement, outcome, check=False):
        return Verdict(statement, {"optimizer": "momentum"}, "ratio", 0.5, 0.4, 0.6, 1.0, "<", 6, outcome, "",
                       check=check)

    parent = tracker.start_parent("checks-apart", "p", {})
    record(tracker, parent, [row("a claim", "supported"), row("another claim", "inconclusive"),
                             row("an identity", "supported", check=True), row("an algebra", "refuted", check=True)],
           "header")
    monkeypatch.setenv("COLUMNS", "250")  # one line per invocation, unwrapped
    assert main(["runs", "--tracking-uri", tracker.uri]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "1 supported, 1 undecided; checks: 1 passed, 1 FAILED" in text, text
