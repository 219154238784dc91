"""bn-input-scaling: what CI scale (every arm, 10 epochs, 2 seeds) shows — raw distorted inputs diverge at once,
standardized inputs and BN as the first layer both reach the target — and the main rows flipping on a
synthetic table at the default scale (9 seeds). Two seeds leave every interval open."""
from __future__ import annotations

import pytest

from harness.verdict import select
from harness.synthetic import censored, outcomes, reached, runs_table
from suites.bn_input_scaling import SUITE, arm

STATEMENT = "BN first makes standardizing unnecessary"


def test_raw_inputs_diverge_and_the_normalized_arms_train(result):
    runs = result.runs.assign(inputs=result.runs.apply(arm, axis=1))
    assert len(runs) == 8 and not result.failures  # 4 arms x 2 seeds
    assert (runs.feature_scale_decades == 2.0).all() and (runs.feature_offset == 10.0).all()
    raw = runs[runs.inputs == "raw"]
    assert (raw.stop_reason == "diverged").all() and (raw.converged == 0).all()
    assert (runs[runs.inputs != "raw"].converged == 1).all(), runs[["inputs", "seed", "final_val_acc"]]


def test_rows_state_their_margins_and_count_the_diverged_raw_arm(result):
    (epochs,) = select(result.verdicts, STATEMENT, metric="epochs-to-target ratio")
    assert (epochs.direction, epochs.threshold, epochs.n) == ("<", 1.25, 2)
    (acc,) = select(result.verdicts, STATEMENT, metric="final val acc difference")
    assert (acc.direction, acc.threshold, acc.n) == (">", -0.01, 2)
    (premise,) = select(result.verdicts, "premise: raw inputs fail at this recipe")
    assert premise.n == 2 and "treatment (inputs=raw) censored in 2 of 2 seeds" in premise.note, premise
    assert len(result.verdicts) == 3  # no row judges BN-first against the diverged raw arm


def _table(bn_first_as_good: bool):
    """BN-first trains as fast and as well as standardizing, or needs twice the epochs and loses 5 points."""
    def metrics(cfg):
        name = arm({"standardize": cfg.standardize, "input_norm": cfg.input_norm})
        if name == "raw":
            return {**censored(1, reason="diverged"), "final_val_acc": 0.1}
        slow = name == "bn-first" and not bn_first_as_good
        return {**reached((8 if slow else 4) + cfg.seed % 2), "final_val_acc": (0.9 if slow else 0.95) + 0.001 * cfg.seed}
    return runs_table(SUITE, metrics)


@pytest.mark.parametrize("as_good, want", [(True, "supported"), (False, "refuted")])
def test_main_rows_flip_with_the_effect(as_good, want):
    verdicts = SUITE.judge(_table(as_good))
    assert set(outcomes(verdicts, STATEMENT)) == {want}
    assert all(v.n == 9 for v in verdicts)
