"""A/A invocations (`harness run SUITE --null`, harness.execute.null): every arm a copy of its baseline on seeds of
its own, interleaved in pairs, judged by the suite's own rules, recorded apart from real invocations."""
from __future__ import annotations

import pandas as pd
import pytest

from harness.cli.main import main
from harness.core.contract import INTERLEAVED_TAG, NULL_TAG, STEP_ORDER_TAG, TIMING_TAG, null_experiment
from harness.execute.null import NULL_SEED_STRIDE, as_arms, null_invocation
from harness.execute.pipeline import Execution, run_suite
from harness.judge.suite import Suite
from harness.store.invocations import invocation_lines
from harness.store.queries import load_runs
from tests.scale_suites import BASE, judge_epochs


def small_suite() -> Suite:
    """BN none (the baseline: first in the grid) vs before, interleaved by seed, 2 seeds of 2 epochs."""
    return Suite(name="aa-suite", claim="BN needs fewer epochs", source="tests", base=BASE.replace(max_epochs=2),
                 grid={"norm": ("none", "before")}, seeds=2, judge=judge_epochs, interleave="norm")


def test_every_arm_becomes_its_baseline_on_seeds_no_real_run_uses():
    suite = small_suite()
    real = suite.configs()
    aa, configs = null_invocation(suite, real)
    assert [(c.norm, c.seed) for c in configs] == [("none", NULL_SEED_STRIDE), ("none", 2 * NULL_SEED_STRIDE),
                                                   ("none", NULL_SEED_STRIDE + 1), ("none", 2 * NULL_SEED_STRIDE + 1)]
    assert all(c.replace(seed=0) == real[0].replace(seed=0) for c in configs)  # the baseline's settings, unchanged
    assert not {c.config_id for c in configs} & {c.config_id for c in real}  # never resumed into each other
    assert (aa.name, aa.interleave) == (null_experiment(suite.name), "seed")
    runs = as_arms(pd.DataFrame({"seed": [c.seed for c in configs], "norm": "none"}), "norm",
                   ["none", "before"])
    assert list(zip(runs["norm"], runs["seed"])) == [("none", 0), ("before", 0), ("none", 1), ("before", 1)]


def test_a_suite_without_an_arm_field_is_refused_in_one_line_before_the_store(tmp_path, capsys):
    db = tmp_path / "mlflow.db"
    assert main(["run", "he-init", "--null", "--scale", "ci", "--tracking-uri", f"sqlite:///{db}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [err] and "invalid --null for suite 'he-init'" in err and "bn-walltime" in err
    assert not db.exists()
    assert main(["run", "bn-walltime", "--null", "--max-seeds", "3", "--tracking-uri", f"sqlite:///{db}"]) == 2
    assert "invalid --max-seeds with --null" in capsys.readouterr().err and not db.exists()


def test_an_aa_invocation_is_recorded_apart_interleaved_in_pairs_and_judged_as_the_suite(tracker, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # one line per invocation
    suite = small_suite()
    aa, configs = null_invocation(suite, suite.configs())
    result = run_suite(aa, tracker, configs, Execution(progress=False, null=True))
    assert not result.failures and len(result.runs) == 4
    client = tracker.client
    assert client.get_experiment_by_name(suite.name) is None  # nothing in the real suite's experiment
    parent = client.get_run(result.parent_run_id)
    assert parent.data.tags[NULL_TAG] == "true" and parent.info.experiment_id == tracker.experiment_id(aa.name)
    runs = load_runs(client, aa.name, result.parent_run_id)
    for run_id in runs["run_id"]:
        tags = client.get_run(run_id).data.tags
        assert tags[NULL_TAG] == "true" and tags[TIMING_TAG] == "interleaved"
        assert tags[INTERLEAVED_TAG] in (f"seed={NULL_SEED_STRIDE},{2 * NULL_SEED_STRIDE}",
                                         f"seed={NULL_SEED_STRIDE + 1},{2 * NULL_SEED_STRIDE + 1}")
    orders = {client.get_run(r).data.tags[STEP_ORDER_TAG] for r in runs["run_id"]}  # rotated by the pair seed
    assert orders == {f"seed={NULL_SEED_STRIDE},{2 * NULL_SEED_STRIDE}",
                      f"seed={2 * NULL_SEED_STRIDE + 1},{NULL_SEED_STRIDE + 1}"}
    assert set(runs["norm"]) == {"none"}  # what trained, as recorded
    (row,) = result.verdicts  # the suite's own row, on the arms as labelled
    assert (dict(row.group), [dict(a) for a in row.arms], row.n) == ({"activation": "relu"}, [{"norm": "before"}, {"norm": "none"}], 2)
    # A real invocation reuses none of the A/A runs, and a second A/A invocation resumes only its own.
    real = run_suite(suite, tracker, suite.configs(), Execution(progress=False))
    assert real.reused == 0 and NULL_TAG not in client.get_run(real.parent_run_id).data.tags
    again = run_suite(aa, tracker, configs, Execution(progress=False, null=True))
    assert again.reused == 4
    lines = invocation_lines(client, suite.name)  # `harness runs SUITE`: the A/A invocations beside the real one
    assert sum(f"{suite.name} (null)" in line for line in lines) == 2 and len(lines) == 5  # a header, its rule, three invocations


@pytest.mark.parametrize("suite_name", ["bn-walltime", "activations"])
def test_the_timed_suites_have_an_arm_field_whose_first_level_is_their_baseline(suite_name):
    from harness.discovery import suites

    suite = suites().get(suite_name)
    _, configs = null_invocation(suite, suite.configs(scale="ci"))
    assert {getattr(c, suite.interleave) for c in configs} == {{"bn-walltime": "none", "activations": "relu"}[suite_name]}
