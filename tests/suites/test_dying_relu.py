"""dying-relu: its bookkeeping at CI scale (only the compared points, one remedy, 2 seeds, 3 epochs), and every
main row flipping on a synthetic table at the default grid (6 seeds).

Robust at CI scale: leaky ReLU and ELU never output an exact zero; a diverged remedy run stays in
its pair at the large learning rate (accuracy 0), never dropped. Two seeds leave every interval
open, so no outcome is asserted on the real runs.
"""
from __future__ import annotations

import pytest

from harness.judge.simulated import censored, outcomes, runs_table
from harness.judge.verdict import select
from suites.dying_relu import HIGH_LR, LOW_LR, SUITE


def test_every_run_finished_with_a_final_sample(result):
    runs = result.runs
    assert len(runs) == 14 and not result.failures  # 7 points x 2 seeds
    assert runs["act/dead_frac_init"].between(0, 1).all()
    diverged = runs.stop_reason == "diverged"  # its last sample saw nan weights: no dead or alive units
    assert runs.loc[~diverged, "act/dead_frac"].between(0, 1).all() and runs.loc[diverged, "act/dead_frac"].isna().all()


def test_elu_units_never_output_an_exact_zero(result):
    runs = result.runs
    elu = runs[runs.activation == "elu"]
    assert len(elu) == 4 and (elu["act/dead_frac_init"] == 0).all()
    assert (elu.loc[elu.stop_reason != "diverged", "act/dead_frac"] == 0).all()


def test_a_diverged_remedy_run_stays_in_its_pair(result):
    (v,) = select(result.verdicts, "the remedy trains better at a large learning rate")
    assert v.n == 2 and "without a value" not in v.note, v
    assert len(result.verdicts) == 3 + 2 + 1 and all(v.n == 2 for v in result.verdicts)


def _table(claim_holds: bool):
    """ReLU dies more at a large lr, narrow and deep, and the remedies beat it; or all of it reversed."""
    sign = 1 if claim_holds else -1

    def metrics(cfg):
        jitter = 0.002 * cfg.seed
        if cfg.activation == "relu":
            worse = (cfg.lr == HIGH_LR) or cfg.width == 10 and cfg.depth == 20 or cfg.depth == 50
            dead = 0.2 + sign * (0.15 if worse else -0.15) + jitter
            return {**censored(5), "act/dead_frac": dead, "act/negative_frac": 0.3 + jitter,
                    "final_val_acc": (0.1 if claim_holds else 0.3) + jitter if cfg.lr == HIGH_LR else 0.7 + jitter}
        if cfg.lr == HIGH_LR:  # the remedy diverges (claim reversed) or trains (claim holds)
            return {**censored(5, reason="max_epochs" if claim_holds else "diverged"), "act/dead_frac": 0.0,
                    "act/negative_frac": 0.1, "final_val_acc": 0.5 if claim_holds else 0.05}
        return {**censored(5), "act/dead_frac": 0.0, "act/negative_frac": 0.3 - sign * 0.2 + jitter,
                "final_val_acc": 0.7 + sign * 0.1 + jitter}
    return runs_table(SUITE, metrics)


@pytest.mark.parametrize("claim_holds, want", [(True, "supported"), (False, "refuted")])
def test_main_rows_flip_with_the_effect(claim_holds, want):
    verdicts = SUITE.judge(_table(claim_holds))
    for statement in ("more units die at a large learning rate", "more units die in narrow nets",
                      "more units die in deep nets", "fewer units end up stuck", "the remedy trains better",
                      "the remedy trains better at a large learning rate"):
        assert set(outcomes(verdicts, statement)) == {want}, statement
    assert all(v.n == 6 for v in verdicts)
    assert {v.group["lr"] for v in select(verdicts, "the remedy trains better")} == {LOW_LR}


def test_a_diverged_remedy_ties_a_relu_net_at_chance():
    """ReLU at lr 0.3 dead at 0.086 (a constant prediction on digits), the remedy diverged: both learned nothing, so
    the row is undecided, not refuted (scored 0, a diverged run lost to any failed net)."""
    runs = _table(False)
    runs.loc[(runs.activation == "relu") & (runs.lr == HIGH_LR), "final_val_acc"] = 0.086
    rows = select(SUITE.judge(runs), "the remedy trains better at a large learning rate")
    assert [(v.outcome, v.effect, v.n) for v in rows] == [("inconclusive", 0.0, 6)] * 3  # each remedy
