"""Adaptive seeds end to end: seeds are added only to the configurations behind undecided rows, up to the cap,
and a report replays the looks to the same verdict."""
from __future__ import annotations

import json

import pytest

from harness.cli.main import main
from harness.config.run_config import ConfigError, RunConfig
from harness.execute.judging import judge_stored, verdict_json
from harness.judge.tables import note_of
from harness.judge.measures import column
from harness.execute.pipeline import Execution, run_suite
from harness.store.queries import artifact_text, load_runs, recorded_verdict
from harness.judge.rules import threshold_verdicts
from harness.judge.sequential import Looks
from harness.stats.median import order_rank
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
    looks = Looks.plan(6, 12)
    assert looks.seeds == (6, 12)  # 9 dropped: its [min, max] could not be tighter than 6 seeds' (Looks.plan)
    JUDGED.clear()
    result = run_suite(SUITE, tracker, SUITE.configs(seeds=6), Execution(progress=False), looks)
    # Judged once per look within the invocation: while adding seeds and when recording, the same rows serve.
    ran = set(zip(result.runs["lr"], result.runs["seed"]))
    look_sets = [frozenset(r for r in ran if r[1] < n) for n in looks.seeds]
    assert [JUDGED.count(s) for s in look_sets] == [1, 1]
    assert len(JUDGED) == len(set(JUDGED)) == 2 + 2  # and the two configurations each left out once at look 1
    seeds = {lr: sorted(g["seed"]) for lr, g in result.runs.groupby("lr")}
    assert seeds == {0.01: list(range(6)), 0.02: list(range(12))}
    once, never = result.verdicts
    assert once.outcome == "supported" and once.n == 6 and (once.look, once.looks) == (1, 2)
    assert "look 1 of 2" in note_of(once) and "look" not in note_of(once, verbose=False)  # said with --verbose only
    assert never.outcome == "inconclusive" and never.n == 12 and "look 2 of 2" in note_of(never)
    assert json.loads(artifact_text(tracker.client, result.parent_run_id, "looks.json"))["seeds"] == [6, 12]
    _, replayed, _, _ = judge_stored(tracker.client, SUITE, result.parent_run_id)
    assert verdict_json(replayed) == recorded_verdict(tracker.client, result.parent_run_id)
    # a second invocation reuses every run (resume) and adds none
    again = run_suite(SUITE, tracker, SUITE.configs(seeds=6), Execution(progress=False), looks)
    assert again.reused == 18 and len(load_runs(tracker.client, SUITE.name)) == 18


@pytest.mark.parametrize("argv, message", [
    (["run", "bn-walltime", "--seeds", "3", "--max-seeds", "9"], "invalid --max-seeds with --seeds"),
    (["run", "bn-walltime", "--max-seeds", "4"], "invalid --max-seeds 4; must be >= 6"),
])
def test_bad_seed_options_get_one_line(argv, message, capsys, store_uri):
    assert main([*argv, "--tracking-uri", store_uri]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err


@pytest.mark.parametrize("first, cap", [(6, 9), (6, 12), (6, 16), (6, 24), (8, 24), (4, 12), (10, 30)])
def test_every_look_after_the_first_can_be_tighter_than_the_one_before(first, cap):
    """Issue 23: a look at the same order-statistic rank as the look before ([min, max] after [min, max]) can only
    widen the interval, so it could never decide a row left undecided: the plan has none, and stays within alpha."""
    looks = Looks.plan(first, cap)
    ranks = [order_rank(n, level) for n, level in zip(looks.seeds, looks.levels)]
    assert all(b > a for a, b in zip(ranks, ranks[1:])), (looks, ranks)
    assert looks.seeds[0] == first and sum(1 - v for v in looks.levels) <= 0.05 + 1e-12
    if (first, cap) == (6, 9):
        assert looks.seeds == (6,)  # 9 seeds at any level left would still be [min, max]: no second look
    if (first, cap) == (6, 12):
        assert looks.seeds == (6, 12) and ranks == [1, 2]


def test_every_shipped_suite_has_a_seed_plan_at_every_scale():
    """A suite's own cap is set for its default seeds; a scale with more seeds (nightly: 12) makes one look at them
    instead of refusing (five suites' nightly runs were refused: 'invalid --max-seeds 9; must be >= 12')."""
    from harness.discovery import suites

    registry = suites()
    for name in registry.names():
        suite = registry.get(name)
        for scale in ("default", *suite.scales):
            first, cap = suite.seed_plan(scale)
            assert first <= cap, (name, scale)
    with pytest.raises(ConfigError, match="invalid --max-seeds 6; must be >= 12"):
        registry.get("momentum").seed_plan("nightly", max_seeds=6)  # asked for on the command line: still refused
