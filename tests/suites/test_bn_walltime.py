"""bn-walltime: CI scale (sigmoid with Glorot, relu with PyTorch's default init; 8 epochs, 2 seeds) records
both baselines and censors the ones that never train; synthetic tables (default scale) flip every row kind: the
epoch-time row, the rescue row, the two speed-up rows judged where both arms train, and the tuned row, whose lr is
chosen on held-out seeds only. Two seeds leave every interval open, so no outcome is asserted on the real runs.
"""
from __future__ import annotations

import math

import pytest

from harness.judge.sequential import LookJudge, Looks, decidable, judge_looks
from harness.judge.simulated import censored, outcomes, reached, runs_table
from harness.judge.verdict import select
from harness.stats.proportion import binomial_interval, share_outcome
from suites.bn_walltime import RESCUE, ROWS, SLOWER, SPEED, SUITE, TUNED

UNTUNED = ROWS[:-1]  # every (activation, init) group's rows; the tuned row only where the grid has an lr axis
GROUPS = 7  # 4 recommended-init + 3 default-init baselines


def test_every_run_finished_and_the_untrainable_baselines_are_censored(result):
    runs = result.runs
    assert len(runs) == 8 and not result.failures  # (sigmoid, auto), (relu, default) x 2 norms x 2 seeds
    assert set(zip(runs.activation, runs.init)) == {("sigmoid", "auto"), ("relu", "default")}
    plain = runs[runs.norm == "none"]
    assert (plain.converged == 0).all() and (plain.stop_reason == "max_epochs").all()
    rescue = select(result.verdicts, RESCUE.statement)
    assert len(rescue) == 2  # one per baseline; 2 seeds: the exact interval of a share cannot clear 1/2
    for v in rescue:
        assert v.n == 2 and "only no BN in 0, both in 0" in v.note and v.outcome == "inconclusive", v
    for v in select(result.verdicts, SPEED[1].statement):  # the baseline never trained: no pair to judge a speed-up on
        assert v.n == 0 and "judged where both arms reached the target: 0 of 2 seeds" in v.note, v


def test_each_baseline_gets_the_untuned_rows_in_order(result):
    assert len(result.verdicts) == 2 * len(UNTUNED)  # ci has no lr grid, so no tuned row
    for activation, init, label in (("sigmoid", "auto", "sigmoid, BN vs no BN"),
                                    ("relu", "default", "relu, default init, BN vs no BN")):
        rows = select(result.verdicts, activation=activation, init=init)
        assert [v.statement for v in rows] == UNTUNED and {v.label for v in rows} == {label}


def _both_train(bn_wins: bool, seeds: int = 8):
    """Both arms reach the target at every lr: BN's epochs 1.5x slower; BN needs 4 epochs vs 12 (or 12 vs 4)."""
    def metrics(cfg):
        bn = cfg.norm == "before"
        epoch_s = (0.15 if bn == bn_wins else 0.1) * (1 + 0.01 * cfg.seed)
        return reached(4 if bn == bn_wins else 12, epoch_s)
    return runs_table(SUITE, metrics, seeds=seeds)


@pytest.mark.parametrize("bn_wins, want", [(True, "supported"), (False, "refuted")])
def test_the_epoch_time_and_speed_up_rows_flip_with_the_effect(bn_wins, want):
    verdicts = SUITE.judge(_both_train(bn_wins))
    assert len(verdicts) == GROUPS * len(UNTUNED) + 1  # relu + He also gets the tuned row
    for statement in [SLOWER.statement, *(st.statement for st in SPEED), TUNED.statement]:
        assert set(outcomes(verdicts, statement)) == {want}, statement
    assert set(outcomes(verdicts, RESCUE.statement)) == {"refuted"}  # both arms train in every seed: nothing to rescue


@pytest.mark.parametrize("baseline_trains, want", [(False, "supported"), (True, "refuted")])
def test_the_rescue_row_flips_with_whether_the_baseline_trains(baseline_trains, want):
    table = runs_table(SUITE, lambda cfg: reached(3) if cfg.norm == "before" or baseline_trains else censored(30))
    rows = select(SUITE.verdicts(table), RESCUE.statement)
    assert len(rows) == GROUPS and {v.outcome for v in rows} == {want}
    assert {(v.effect, v.n) for v in rows} == {(0.0 if baseline_trains else 1.0, 6)}


def test_a_baseline_that_never_trains_leaves_the_speed_up_rows_undecided_and_says_why():
    """The old rows read 'supported' here by construction (a censored baseline bounds the ratio); now the rescue row
    answers, and the speed-up rows have no pair to judge: no interval, no label but inconclusive."""
    verdicts = SUITE.verdicts(runs_table(SUITE, lambda cfg: reached(3) if cfg.norm == "before" else censored(30)))
    assert {v.outcome for v in select(verdicts, RESCUE.statement)} == {"supported"}
    for statement in (st.statement for st in SPEED):
        rows = select(verdicts, statement)
        assert len(rows) == GROUPS
        for v in rows:
            assert v.outcome == "inconclusive" and v.n == 0 and math.isnan(v.low), v
            assert "judged where both arms reached the target: 0 of 6 seeds" in v.note, v


def test_too_few_pairs_where_both_train_read_undecided_never_a_narrow_interval():
    """Relu + He: the baseline trains in 3 of 6 seeds, far slower than BN; 3 pairs cannot bound a 95% interval."""
    def metrics(cfg):
        if cfg.norm == "none" and cfg.seed % 2:
            return censored(30)
        return reached(3 if cfg.norm == "before" else 12)
    rows = select(SUITE.verdicts(runs_table(SUITE, metrics)), SPEED[1].statement, activation="relu", init="auto")
    (v,) = rows
    assert v.outcome == "inconclusive" and v.n == 3 and (v.low, v.high) == (-math.inf, math.inf), v
    assert "3 of 6 seeds" in v.note and "needs >= 6 seeds" in v.note, v


def _tuning(best_lr_on_tuning_seeds: float, best_lr_on_judged_seeds: float):
    """BN's epochs to target by lr: fastest at one lr on seeds 0-1 and at another on the judged seeds; no BN: 10."""
    def metrics(cfg):
        if cfg.norm == "none":
            return reached(10)
        best = best_lr_on_tuning_seeds if cfg.seed < 2 else best_lr_on_judged_seeds
        return reached(2 if cfg.lr == best else 8)
    return runs_table(SUITE, metrics, seeds=8)


def test_the_tuned_row_chooses_each_lr_on_held_out_seeds_only():
    (v,) = select(SUITE.verdicts(_tuning(0.03, 0.01)), TUNED.statement)
    assert v.tuned_label == "lr 0.03 vs lr 0.01" and v.n == 6  # seeds 0, 1 chose; seeds 2-7 judged
    assert v.effect == pytest.approx(0.8)  # the judged seeds take 8 epochs at lr 0.03 (their own best would be 0.01)


def test_tuning_ties_within_one_epoch_go_to_the_smaller_lr():
    def metrics(cfg):  # BN: 5 epochs at lr 0.01, 4 at 0.03 (within 1 epoch of the best): the smaller lr wins
        return reached(10) if cfg.norm == "none" else reached(5 if cfg.lr == 0.01 else 4)
    (v,) = select(SUITE.verdicts(runs_table(SUITE, metrics, seeds=8)), TUNED.statement)
    assert v.tuned_label == "lr 0.01", v.tuned_label  # both arms at 0.01: the label says it once


def test_clopper_pearson_decides_as_the_sign_test_against_one_half():
    assert binomial_interval(6, 6)[0] == pytest.approx(0.025 ** (1 / 6))  # 0.541 > 1/2: supported at 6 of 6
    assert binomial_interval(5, 6)[0] < 0.5 < binomial_interval(5, 6)[1]
    assert binomial_interval(0, 6)[1] == pytest.approx(1 - 0.025 ** (1 / 6))  # 0.459 < 1/2: refuted at 0 of 6
    first_look = Looks.plan(6, 12).levels[0]  # 1 - 2/64: the 6 seeds' order-statistic interval spends it exactly
    assert binomial_interval(6, 6, first_look)[0] == pytest.approx(0.5)  # the end touches 1/2: the tail decides
    assert (share_outcome(6, 6, 0.5, first_look), share_outcome(0, 6, 0.5, first_look)) == ("supported", "refuted")
    assert share_outcome(9, 10, 0.5) == "supported" and share_outcome(8, 10, 0.5) == "inconclusive"  # the sign test


def test_adaptive_seeds_skip_a_row_no_seed_count_up_to_the_cap_could_decide():
    looks = Looks.plan(6, 12)  # seeds 6, 12; the last look's level is stricter than 95%
    no_pairs = select(SUITE.verdicts(runs_table(SUITE, lambda c: reached(3) if c.norm == "before" else censored(30))),
                      SPEED[1].statement)[0]
    assert not decidable(no_pairs, looks, 0)  # 0 pairs + 6 seeds < the 9 a 99.4% interval needs
    tuned_row = select(SUITE.verdicts(_both_train(True, seeds=6)), TUNED.statement)[0]
    assert tuned_row.n == 4 and decidable(tuned_row, looks, 0)  # 4 + 6 = 10 judged pairs at the last look


def test_an_undecidable_row_keeps_the_look_it_became_undecidable_at():
    """Seeds were added to relu + He only: the censored groups' speed-up rows stay at look 1 (0 of 6 seeds), never
    read as if 6 of their 12 pairs were missing at the last look."""
    table = runs_table(SUITE, lambda cfg: reached(3) if cfg.norm == "before" or cfg.activation == "relu" and
                       cfg.init == "auto" else censored(30), seeds=12)
    table = table[(table.seed < 6) | ((table.activation == "relu") & (table.init == "auto"))]
    rows, _, _ = judge_looks(LookJudge(SUITE.verdicts, Looks.plan(6, 12)), table)
    (v,) = select(rows, SPEED[1].statement, activation="sigmoid")
    assert (v.n, v.expected, v.look, v.outcome) == (0, 6, 1, "inconclusive") and "missing" not in v.note, v
