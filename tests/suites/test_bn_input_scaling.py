"""bn-input-scaling: what CI scale (every arm, 12 epochs, 2 seeds) shows — raw distorted inputs do not train,
standardized inputs and BN as the first layer both do — and the main rows flipping on a synthetic table at the
default scale (10 seeds). Two seeds leave every interval open."""
from __future__ import annotations

import pytest

from harness.judge.simulated import censored, outcomes, reached, runs_table
from harness.judge.verdict import select
from suites.bn_input_scaling import ACC_MARGIN, EPOCHS_MARGIN, SUITE, arm

STATEMENT = "BN first makes standardizing unnecessary"
PREMISE = "premise: raw inputs fail at this recipe"


def test_raw_inputs_fail_and_the_normalized_arms_train(result):
    runs = result.runs.assign(inputs=result.runs.apply(arm, axis=1))
    assert len(runs) == 6 and not result.failures  # 3 arms x 2 seeds
    assert (runs.dataset == "mnist1d").all() and (runs.feature_scale_decades == 2.0).all()
    raw = runs[runs.inputs == "raw"]
    trained = runs[runs.inputs != "raw"]
    # raw: near chance (0.1), or slowly learning (0.25 at 12 epochs, seed 0), or diverged (no accuracy)
    assert (raw.converged == 0).all() and (raw.final_val_acc.fillna(0) < 0.4).all(), raw[["seed", "final_val_acc"]]
    assert (trained.final_val_acc > 0.45).all(), trained[["inputs", "seed", "final_val_acc"]]


def test_rows_state_the_margins_from_seed_noise(result):
    assert (EPOCHS_MARGIN, ACC_MARGIN) == (1.25, 0.037)  # 1.96 * sqrt(2) * sd measured on seeds 100-105
    (epochs,) = select(result.verdicts, STATEMENT, metric="epochs-to-target ratio")
    assert (epochs.direction, epochs.threshold, epochs.n) == ("<", 1.25, 2)
    (acc,) = select(result.verdicts, STATEMENT, metric="final val acc difference")
    assert (acc.direction, acc.threshold, acc.n) == (">", -0.037, 2)
    premise = select(result.verdicts, PREMISE)
    assert [p.n for p in premise] == [2, 2] and "censored in 2 of 2 seeds" in premise[0].note, premise
    assert len(result.verdicts) == 4  # no row judges BN-first against the failed raw arm


def _table(bn_first_as_good: bool, raw_fails: bool = True):
    """BN-first trains as fast and as well as standardizing, or needs 1.5x the epochs and loses 6 points;
    raw inputs stay at chance, or (premise reversed) train faster and better than standardized ones."""
    def metrics(cfg):
        name = arm({"standardize": cfg.standardize, "input_norm": cfg.input_norm})
        if name == "raw":
            if raw_fails:
                return {**censored(cfg.max_epochs), "final_val_acc": 0.1}
            return {**reached(6 + cfg.seed % 2), "final_val_acc": 0.65 + 0.001 * cfg.seed}
        slow = name == "bn-first" and not bn_first_as_good
        return {**reached((12 if slow else 8) + cfg.seed % 2), "final_val_acc": (0.55 if slow else 0.61) + 0.001 * cfg.seed}
    return runs_table(SUITE, metrics)


@pytest.mark.parametrize("as_good, want", [(True, "supported"), (False, "refuted")])
def test_main_rows_flip_with_the_effect(as_good, want):
    verdicts = SUITE.judge(_table(as_good))
    assert outcomes(verdicts, STATEMENT) == [want, want]
    assert all(v.n == 10 for v in verdicts)


@pytest.mark.parametrize("raw_fails, want", [(True, "supported"), (False, "refuted")])
def test_premise_rows_flip_when_raw_inputs_train(raw_fails, want):
    assert outcomes(SUITE.judge(_table(True, raw_fails)), PREMISE) == [want, want]
