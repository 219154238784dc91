"""default-configs at CI scale (two shallow tasks, every arm at its first lr, 2 seeds), its rows both ways on a
synthetic table, and the report's performance profiles."""
from __future__ import annotations

import dataclasses

import pytest

from harness.report.build import render, write_report
from harness import censored, outcomes, reached, runs_table
from suites.default_configs import (DEFAULTS, LRS, SUITE, TASKS, TUNING_SEEDS, WITHIN, arm_fields, arm_name, named,
                                   profiles)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_every_arm_trains_on_both_ci_tasks_and_each_default_gets_a_row_per_task(result):
    runs = named(result.runs)
    assert len(runs) == 20 and not result.failures  # 2 tasks x 5 arms x 2 seeds
    assert set(runs.name) == set(LRS) and set(runs.task) == {"digits-5", "synthetic-5"}
    assert ((runs.converged == 1) | (runs.stop_reason != "target")).all()
    assert len(result.verdicts) == 6  # 3 defaults x 2 tasks
    for v in result.verdicts:
        assert v.n == 2 and v.metric == "time-to-target ratio" and set(v.group) == {"task"}
        assert v.arms[0]["name"] in DEFAULTS and set(v.tuned[0]) == set(v.tuned[1]) == {"lr"}  # both arms' (untuned) lr


def test_the_tables_if_deep_choices_follow_the_depth():
    assert arm_fields("3rd-ed", 5)["activation"] == "relu" and arm_fields("3rd-ed", 5)["norm"] == "none"
    assert arm_fields("3rd-ed", 20)["activation"] == "silu" and arm_fields("3rd-ed", 20)["norm"] == "before"
    assert arm_fields("2nd-ed", 20)["norm"] == "before" and arm_fields("selu", 20)["norm"] == "none"
    assert arm_fields("selu", 5)["dropout_kind"] == "alpha" and arm_fields("2nd-ed", 5)["weight_decay"] > 0


def _table(defaults_fast: bool, miss: bool = False):
    """Defaults reach the target in 2-2.8 epochs and the alternatives in 3 (or reversed: defaults in 10, or never)."""
    def metrics(cfg):
        name = arm_name(dataclasses.asdict(cfg))
        default = name in DEFAULTS
        if cfg.lr != LRS[name][0]:  # the other grid point never reaches the target: tuning must pick the first
            return censored(10)
        if default == defaults_fast:
            return reached(2 + 0.1 * cfg.seed)
        return censored(10) if miss else reached(10 if default else 3)
    return runs_table(SUITE, metrics)


@pytest.mark.parametrize("defaults_fast, miss, want", [(True, False, "supported"), (False, False, "refuted"),
                                                       (False, True, "refuted")])
def test_every_row_flips_with_the_effect(defaults_fast, miss, want):
    verdicts = SUITE.judge(_table(defaults_fast, miss))
    assert len(verdicts) == 3 * len(TASKS)
    for name in DEFAULTS:
        assert outcomes(verdicts, WITHIN[name].statement) == [want] * len(TASKS)
    assert all(tuned["lr"] == LRS[arm["name"]][0] for v in verdicts for arm, tuned in zip(v.arms, v.tuned))  # tuned lr


def test_profile_scores_the_fast_defaults_one_and_the_alternatives_by_their_ratio(tmp_path):
    section = profiles(_table(True), tmp_path)
    scores = {row[0]: float(row[1]) for row in section.rows[1:]}
    # judged seeds 2-8 (0-1 chose the lrs): defaults' median time 2.5 epochs x 0.1 s = best on every task -> 1;
    # alternatives 3 / 2.5 = 1.2 -> (4 - 1.2)/3
    assert scores == pytest.approx({**{d: 1.0 for d in DEFAULTS}, "sgd-relu": (4 - 3 / 2.5) / 3,
                                    "adam-relu": (4 - 3 / 2.5) / 3}, abs=1e-3)  # rows show 3 decimals
    assert section.rows[0] == ("arm", "score", "score in epochs", *TASKS)
    assert all(row[1] == row[2] for row in section.rows[1:])  # every epoch takes 0.1 s here: the same ratios
    assert (tmp_path / "performance_profiles.png").read_bytes()[:8] == PNG_MAGIC
    missed = profiles(_table(False, miss=True), tmp_path)
    assert {row[0]: float(row[1]) for row in missed.rows[1:]}["2nd-ed"] == 0.0  # missed everywhere: no credit
    assert "missed" in missed.rows[-1][3]


def test_report_shows_the_profiles(suite_run, tmp_path):
    tracker, result = suite_run
    report = write_report(tracker, SUITE, result.parent_run_id, tmp_path / "out")
    assert "performance_profiles.png" in report.plots and "forest.png" in report.plots
    text = render(report, "text")
    assert "PERFORMANCE PROFILES" in text and "score" in text
    assert "## Performance profiles" in render(report, "markdown")
    logged = {a.path for a in tracker.client.list_artifacts(result.parent_run_id, "report")}
    assert "report/performance_profiles.png" in logged


def test_the_judged_seeds_never_choose_the_lr():
    """Seeds 0-1 find only each arm's first lr reaching the target; on seeds 2-8 only the second does. Every row runs
    at the first lr (held out), judged on seeds 2-8 alone, where it missed: censored, so no row can be supported."""
    def metrics(cfg):
        first = cfg.lr == LRS[arm_name(dataclasses.asdict(cfg))][0]
        return reached(2 + 0.1 * cfg.seed) if first == (cfg.seed < TUNING_SEEDS) else censored(10)
    verdicts = SUITE.judge(runs_table(SUITE, metrics))
    assert len(verdicts) == 3 * len(TASKS) and all(v.n == SUITE.seeds - TUNING_SEEDS for v in verdicts)
    assert all(tuned["lr"] == LRS[arm["name"]][0] for v in verdicts for arm, tuned in zip(v.arms, v.tuned))
    assert {v.outcome for v in verdicts} == {"inconclusive"}  # both arms censored in every judged pair
