"""Adaptive seeds end to end: seeds are added only to the configurations behind undecided rows, up to the cap,
and a report replays the looks to the same verdict."""
from __future__ import annotations

import json

import pytest

from harness.cli.main import main
from harness.config.run_config import RunConfig
from harness.execute.judging import judge_stored, verdict_json
from harness.judge.tables import note_of
from harness.judge.measures import column
from harness.execute.pipeline import Execution, run_suite
from harness.store.queries import artifact_text, load_runs, recorded_verdict
from harness.judge.rules import threshold_verdicts
from harness.judge.sequential import Looks
from harness.judge.suite import Suite
from harness.store.tracking import Tracker
from harness.judge.verdict import ThresholdStatement

# Rules on the seed number itself, so which rows decide is known in advance: lr 0.01's row is supported at
# the first look (every seed >= 0); lr 0.02's interval of seeds 0..n-1 always straddles 3, so it never decides.
STATEMENTS = [ThresholdStatement("decides at once", "seed", column("seed"), ">", -1.0, (("lr", 0.01),)),
              ThresholdStatement("never decides", "seed", column("seed"), ">", 3.0, (("lr", 0.02),))]


JUDGED: list[frozenset] = []  # each call of the judge: the (lr, seed) of the runs it was given


def judge(runs):
    JUDGED.append(frozenset(zip(runs["lr"], runs["seed"])))
    return threshold_verdicts(runs, STATEMENTS, ["lr"])


SUITE = Suite(name="adaptive-seeds", claim="a test of the adaptive-seed machinery", source="tests/test_adaptive_seeds.py",
              base=RunConfig(dataset="digits", n_samples=300, depth=1, width=8, optimizer="adam", lr=0.01,
                             max_epochs=1, batch_size=64, threads=1),
              grid={"lr": (0.01, 0.02)}, seeds=6, judge=judge, timing=False)


def test_seeds_are_added_only_behind_undecided_rows_and_the_report_replays_the_looks(store_uri):
    tracker = Tracker(store_uri)
    looks = Looks.plan(6, 9)
    assert looks.seeds == (6, 9)
    JUDGED.clear()
    result = run_suite(SUITE, tracker, SUITE.configs(seeds=6), Execution(progress=False), looks)
    # Judged once per look within the invocation: while adding seeds and when recording, the same rows serve.
    ran = set(zip(result.runs["lr"], result.runs["seed"]))
    look_sets = [frozenset(r for r in ran if r[1] < n) for n in looks.seeds]
    assert [JUDGED.count(s) for s in look_sets] == [1, 1]
    assert len(JUDGED) == len(set(JUDGED)) == 2 + 2  # and the two configurations each left out once at look 1
    seeds = {lr: sorted(g["seed"]) for lr, g in result.runs.groupby("lr")}
    assert seeds == {0.01: list(range(6)), 0.02: list(range(9))}
    once, never = result.verdicts
    assert once.outcome == "supported" and once.n == 6 and (once.look, once.looks) == (1, 2)
    assert "look 1 of 2" in note_of(once) and "look" not in note_of(once, verbose=False)  # said with --verbose only
    assert never.outcome == "inconclusive" and never.n == 9 and "look 2 of 2" in note_of(never)
    assert json.loads(artifact_text(tracker.client, result.parent_run_id, "looks.json"))["seeds"] == [6, 9]
    _, replayed, _, _ = judge_stored(tracker.client, SUITE, result.parent_run_id)
    assert verdict_json(replayed) == recorded_verdict(tracker.client, result.parent_run_id)
    # a second invocation reuses every run (resume) and adds none
    again = run_suite(SUITE, tracker, SUITE.configs(seeds=6), Execution(progress=False), looks)
    assert again.reused == 15 and len(load_runs(tracker.client, SUITE.name)) == 15


@pytest.mark.parametrize("argv, message", [
    (["run", "bn-walltime", "--seeds", "3", "--max-seeds", "9"], "invalid --max-seeds with --seeds"),
    (["run", "bn-walltime", "--max-seeds", "4"], "invalid --max-seeds 4; must be >= 6"),
])
def test_bad_seed_options_get_one_line(argv, message, capsys, store_uri):
    assert main([*argv, "--tracking-uri", store_uri]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err
