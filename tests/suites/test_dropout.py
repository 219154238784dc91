"""dropout: CI scale (500 training rows, rates 0 and 0.5 at lr 1e-3, 12 epochs, 3 seeds) trains the fixed budget with
the rate applied; both main rows flip between supported and refuted on a synthetic table at the default scale, and
each lr's rows are judged on that lr's runs only (issue 23: no arm's lr chosen on the seeds it is judged on)."""
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


def test_rows_pair_each_rate_with_no_dropout_per_size_and_lr(result):
    assert {(v.group, v.arms) for v in result.verdicts} == {
        (Subject(n_samples=1000, target_value=0.28, lr=0.001), (Subject(dropout=0.5), Subject(dropout=0.0)))}
    assert {v.label for v in result.verdicts} == {"500 rows, lr 0.001, dropout 0.5 vs no dropout"}
    assert [v.metric for v in result.verdicts] == ["final val error ratio", "epochs-to-target ratio"]
    assert all(v.n == 3 for v in result.verdicts)


def _table(claimed_at: set[float]):
    """Dropout lowers the error and converges slower at the lrs in `claimed_at`, the reverse at the others; every arm
    is more accurate at lr 3e-3, which no row may use to pick its lr."""
    def metrics(cfg):
        dropped = cfg.dropout > 0
        claimed = dropped == (cfg.lr in claimed_at)  # the dropout arm as claimed, or no dropout where reversed
        epochs = 20 if claimed else 10
        level = 0.6 if cfg.lr == LRS[1] else 0.5
        return {**reached(epochs), "stop_reason": "max_epochs", "epochs_run": 40.0,
                "final_val_acc": level + (0.05 if claimed else -0.05) * dropped - 0.001 * cfg.seed}
    return runs_table(SUITE, metrics)


@pytest.mark.parametrize("claimed, want", [(True, "supported"), (False, "refuted")])
def test_main_rows_flip_with_the_effect(claimed, want):
    verdicts = SUITE.judge(_table(set(LRS) if claimed else set()))
    for statement in ("dropout lowers the validation error", "dropout converges slower"):
        assert outcomes(verdicts, statement) == [want] * 8, statement  # 2 sizes x 2 lrs x 2 rates
    first = verdicts[0]
    assert (first.group, first.arms) == ({"n_samples": 1000, "target_value": 0.28, "lr": 0.001},
                                         ({"dropout": 0.2}, {"dropout": 0.0}))


def test_each_lr_is_judged_on_its_own_runs():
    verdicts = SUITE.judge(_table({LRS[0]}))  # as claimed at 1e-3 only
    assert {v.group["lr"] for v in verdicts} == set(LRS)
    for v in verdicts:
        assert v.outcome == ("supported" if v.group["lr"] == LRS[0] else "refuted"), v


def test_a_rate_that_never_reaches_the_target_counts_as_slower():
    def metrics(cfg):
        return {**(censored(40) if cfg.dropout == 0.5 else reached(10)), "final_val_acc": 0.5}
    verdicts = SUITE.judge(runs_table(SUITE, metrics))
    assert outcomes(verdicts, "dropout converges slower", dropout=0.5) == ["supported"] * 4  # 2 sizes x 2 lrs
