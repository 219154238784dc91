"""bn-input-scaling at CI scale (every arm, 10 epochs, 2 seeds): raw distorted inputs diverge at once;
standardized inputs and BN as the first layer both reach the target."""
from __future__ import annotations

from harness.verdict import select
from suites.bn_input_scaling import SUITE, arm  # noqa: F401  (SUITE: the shared fixture runs it)


def test_raw_inputs_diverge_and_the_normalized_arms_train(result):
    runs = result.runs.assign(inputs=result.runs.apply(arm, axis=1))
    assert len(runs) == 8 and not result.failures  # 4 arms x 2 seeds
    assert (runs.feature_scale_decades == 2.0).all() and (runs.feature_offset == 10.0).all()
    raw = runs[runs.inputs == "raw"]
    assert (raw.stop_reason == "diverged").all() and (raw.converged == 0).all()
    assert (runs[runs.inputs != "raw"].converged == 1).all(), runs[["inputs", "seed", "final_val_acc"]]


def _row(result, statement, metric):
    (row,) = select(result.verdicts, statement, metric=metric)
    return row


def test_premise_and_rescue_are_supported_with_raw_censored_at_the_budget(result):
    premise = _row(result, "unstandardized inputs hurt", "epochs-to-target ratio")
    assert premise.outcome == "supported" and premise.high == float("inf") and "raw censored in 2/2" in premise.note
    rescue = _row(result, "BN first rescues raw inputs", "epochs-to-target ratio")
    assert rescue.outcome == "supported" and rescue.low == 0.0, rescue


def test_bn_first_is_not_worse_than_standardizing(result):
    epochs = _row(result, "BN first makes standardizing unnecessary", "epochs-to-target ratio")
    assert (epochs.direction, epochs.threshold, epochs.n) == ("<", 1.25, 2)
    assert epochs.outcome == "supported", epochs
    acc = _row(result, "BN first makes standardizing unnecessary", "final val acc difference")
    assert (acc.direction, acc.threshold, acc.n) == (">", -0.01, 2) and acc.outcome != "refuted", acc
