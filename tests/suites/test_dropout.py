"""dropout: CI scale (500 training rows, rates 0 and 0.5 at lr 1e-3, 12 epochs, 3 seeds) trains the fixed budget with
the rate applied; both main rows flip between supported and refuted on a synthetic table at the default scale, judged
at each arm's tuned lr."""
from __future__ import annotations

import pytest

from harness.judge.subject import Subject
from harness import censored, outcomes, reached, runs_table
from suites.dropout import LRS, SUITE


def test_every_run_trains_the_whole_budget_on_mnist1d(result):
    runs = result.runs
    assert len(runs) == 6 and not result.failures  # 2 rates x 3 seeds
    assert (runs.dataset == "mnist1d").all() and set(runs.dropout) == {0.0, 0.5}
    assert (runs.stop_reason == "max_epochs").all() and (runs.epochs_run == 12).all()
    assert (runs.final_val_acc > 0.15).all()  # above chance (0.1)


def test_rows_pair_each_rate_with_no_dropout_per_size(result):
    assert {(v.group, v.arms, v.tuned) for v in result.verdicts} == {
        (Subject(n_samples=1000, target_value=0.28), (Subject(dropout=0.5), Subject(dropout=0.0)),
         (Subject(lr=0.001), Subject(lr=0.001)))}
    assert {v.label for v in result.verdicts} == {"500 rows, dropout 0.5 vs no dropout (tuned: lr 0.001)"}
    assert [v.metric for v in result.verdicts] == ["final val error ratio", "epochs-to-target ratio"]
    assert all(v.n == 3 for v in result.verdicts)


def _table(as_claimed: bool):
    """Dropout arms tuned at 3e-3, no dropout at 1e-3; the other lr is worse and shows the reversed effect."""
    def metrics(cfg):
        dropped = cfg.dropout > 0
        tuned = cfg.lr == (LRS[1] if dropped else LRS[0])
        claimed = (dropped == as_claimed) == tuned  # the effect as claimed only at the tuned lr
        epochs = 20 if claimed else 10
        return {**reached(epochs), "stop_reason": "max_epochs", "epochs_run": 40.0,
                "final_val_acc": (0.6 if claimed else 0.5) - (0 if tuned else 0.2) - 0.001 * cfg.seed}
    return runs_table(SUITE, metrics)


@pytest.mark.parametrize("as_claimed, want", [(True, "supported"), (False, "refuted")])
def test_main_rows_flip_with_the_effect(as_claimed, want):
    verdicts = SUITE.judge(_table(as_claimed))
    for statement in ("dropout lowers the validation error", "dropout converges slower"):
        assert outcomes(verdicts, statement) == [want] * 4, statement  # 2 sizes x 2 rates
    first = verdicts[0]
    assert (first.group, first.arms) == ({"n_samples": 1000, "target_value": 0.28}, ({"dropout": 0.2}, {"dropout": 0.0}))
    assert first.tuned == ({"lr": 0.003}, {"lr": 0.001})  # each arm at its own tuned lr


def test_a_rate_that_never_reaches_the_target_counts_as_slower():
    def metrics(cfg):
        return {**(censored(40) if cfg.dropout == 0.5 else reached(10)), "final_val_acc": 0.5}
    verdicts = SUITE.judge(runs_table(SUITE, metrics))
    assert outcomes(verdicts, "dropout converges slower", dropout=0.5) == ["supported"] * 2
