"""mc-dropout: CI scale (T = 10, 12 epochs, 3 seeds) records both passes' NLL, ECE, accuracy and clocks; every row
flips between supported and refuted on a synthetic table at the default scale (T = 10 and 30, 6 seeds)."""
from __future__ import annotations

import pytest

from harness.core.contract import MC_METRICS
from harness.judge.subject import Subject
from harness import outcomes, runs_table
from suites.mc_dropout import SUITE, T_LARGE


def test_both_passes_are_measured_on_every_run(result):
    runs = result.runs
    assert len(runs) == 3 and not result.failures and (runs.mc_samples == 10).all()
    assert (runs.stop_reason == "max_epochs").all() and (runs.epochs_run == 12).all()
    for name in MC_METRICS:
        assert runs[name].notna().all(), name
    assert ((runs["val/mc_acc"] > 0.2) & (runs["val/mc_acc"] <= 1)).all()  # above chance (0.1): a trained net
    assert ((runs["val/ece"] >= 0) & (runs["val/mc_ece"] >= 0)).all()
    # T passes cost more than one: the MC clock is apart from the deterministic one, both outside training epochs
    assert (runs["val/mc_time_s"] > runs["val/forward_time_s"]).all()
    assert (runs["mc/latency_ratio"] > 0).all() and (runs["mc/seconds_per_pass"] > 0).all()


def test_rows_are_per_t_and_paired_within_runs(result):
    assert {v.group for v in result.verdicts} == {Subject(mc_samples=10)} and all(v.n == 3 for v in result.verdicts)
    assert "MC cost is linear in T" not in {v.statement for v in result.verdicts}  # one T: no pair to compare


def _table(mc_helps: bool):
    def metrics(cfg):
        sign = -1 if mc_helps else 1
        return {"stop_reason": "max_epochs", "final_val_loss": 1.0 + 0.01 * cfg.seed,
                "val/mc_nll": 1.0 + 0.01 * cfg.seed + sign * 0.05, "val/ece": 0.1, "val/mc_ece": 0.1 + sign * 0.03,
                "final_val_acc": 0.6, "val/mc_acc": 0.6 + (0.002 if mc_helps else 0.05),
                "mc/latency_ratio": 1.2 if mc_helps else 4.0,
                "mc/seconds_per_pass": 1e-3 * (1.0 if mc_helps else cfg.mc_samples / 10)}
    return runs_table(SUITE, metrics)


@pytest.mark.parametrize("helps, want", [(True, "supported"), (False, "refuted")])
def test_every_row_flips_with_the_effect(helps, want):
    verdicts = SUITE.judge(_table(helps))
    for statement in ("MC dropout lowers the NLL", "MC dropout improves calibration", "accuracy stays about the same",
                      "latency grows as T"):
        assert outcomes(verdicts, statement) == [want, want], statement
    assert outcomes(verdicts, "MC cost is linear in T", mc_samples=T_LARGE) == [want]
