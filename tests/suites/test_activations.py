"""activations: CI scale (relu, leaky_relu, elu; 12 epochs; 2 seeds) trains the equal budget and builds every
row; a synthetic table (default grid, 6 seeds) flips the ELU rows. Two seeds leave every interval open."""
from __future__ import annotations

import pytest

from harness.judge.simulated import outcomes, reached, runs_table
from harness.judge.verdict import select
from suites.activations import SUITE


def test_every_run_trains_the_whole_equal_budget_and_reaches_the_target(result):
    runs = result.runs
    assert len(runs) == 6 and not result.failures  # 3 activations x 2 seeds
    assert (runs.stop_reason == "max_epochs").all() and (runs.epochs_run == 12).all()
    assert (runs.converged == 1).all(), runs[["activation", "seed", "final_val_acc"]]


def test_all_variants_claim_is_not_supported_while_a_variant_is_missing(result):
    # leaky_relu_0.2 is not in the CI grid: its rows have no pairs, so "every variant" cannot hold.
    (missing,) = select(result.verdicts, "ELU needs fewer epochs", baseline={"activation": "leaky_relu_0.2"})
    assert missing.label == "elu vs leaky_relu_0.2"  # the suite's words: an activation by its name
    assert missing.n == 0 and missing.outcome == "inconclusive"
    (every,) = select(result.verdicts, "ELU trains faster than every ReLU variant")
    assert every.outcome != "supported" and "6 rows" in every.note
    assert every.arms == ({"activation": "elu"}, {"activation": ("relu", "leaky_relu", "leaky_relu_0.2")})
    (cost,) = select(result.verdicts, "ELU costs more per step")
    assert cost.n == 2 and cost.metric == "epoch time ratio" and cost.effect > 0 and cost.direction == ">"


def test_selu_gets_its_self_normalizing_setup():
    (selu,) = [c for c in SUITE.configs(seeds=1) if c.activation == "selu"]
    assert selu.resolved_init == "lecun_normal" and selu.standardize and selu.dropout == 0 and selu.norm == "none"
    assert {c.resolved_init for c in SUITE.configs(seeds=1) if c.activation != "selu"} == {"he_normal"}
    assert {c.max_epochs for c in SUITE.configs(seeds=1)} == {30} and not SUITE.base.stop_at_target  # equal budget


def _table(elu_wins: bool):
    """ELU reaches the target in 4 epochs of 0.12 s and ends at 0.95; the rest in 8 of 0.1 s at 0.92 (or reversed).
    12 seeds: the all-of rows refute only at the level corrected for their rows (1 - 0.05/6), unreachable at 6."""
    def metrics(cfg):
        elu = cfg.activation == "elu"
        fast = elu == elu_wins
        out = reached(4 if fast else 8, 0.12 if elu else 0.1)
        return {**out, "stop_reason": "max_epochs", "epochs_run": 30.0, "final_val_acc": 0.95 if fast else 0.92}
    return runs_table(SUITE, metrics, seeds=12)


@pytest.mark.parametrize("elu_wins, want", [(True, "supported"), (False, "refuted")])
def test_elu_rows_flip_with_the_effect(elu_wins, want):
    verdicts = SUITE.judge(_table(elu_wins))
    for statement in ("ELU needs fewer epochs", "ELU trains in less time", "ELU is more accurate",
                      "ELU trains faster than every ReLU variant", "ELU is more accurate than every ReLU variant"):
        assert set(outcomes(verdicts, statement)) == {want}, statement
    assert outcomes(verdicts, "ELU costs more per step") == ["supported"]
