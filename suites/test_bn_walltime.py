"""bn-walltime at CI scale: the robust parts of the verdict, with fixed seeds and wide margins.

Robust here means: BN's extra per-epoch compute (a ~1.5x ratio on CPU, threshold 1) and the
sigmoid baseline that never trains at 20 layers, so BN needs fewer epochs and less time whatever
the noise. The relu/tanh rows are left to the full run: at 2-3 seeds they are often inconclusive.
"""
from __future__ import annotations

from harness.verdict import select
from suites.bn_walltime import SUITE  # noqa: F401  (the shared fixture in suites/conftest.py runs it)


def _row(result, statement, group_prefix):
    rows = [v for v in select(result.verdicts, statement) if v.group.startswith(group_prefix)]
    assert rows, (statement, group_prefix)
    return rows


def test_every_run_finished_and_every_bn_run_reached_the_target(result):
    runs = result.runs
    assert len(runs) == 12 and not result.failures  # elu, sigmoid x 3 norms x 2 seeds
    bn = runs[runs.norm != "none"]
    assert (bn.stop_reason == "target").all(), bn[["activation", "norm", "seed", "stop_reason"]]


def test_the_plain_sigmoid_baseline_is_censored_not_dropped(result):
    runs = result.runs
    plain = runs[(runs.activation == "sigmoid") & (runs.norm == "none")]
    assert len(plain) == 2 and (plain.converged == 0).all() and (plain.stop_reason == "max_epochs").all()
    for v in _row(result, "fewer epochs are needed", "activation=sigmoid"):
        assert v.n == 2 and "none censored in 2/2" in v.note


def test_bn_epochs_are_slower(result):
    for v in _row(result, "each epoch is slower", ""):
        assert v.outcome == "supported", v
        assert v.low > 1.05


def test_bn_sigmoid_needs_fewer_epochs_and_less_time(result):
    for statement in ("fewer epochs are needed", "total time is shorter"):
        for v in _row(result, statement, "activation=sigmoid"):
            assert v.outcome == "supported", v
            assert v.high < 0.9


def test_verdict_table_has_all_rows(result):
    # 2 activations x 2 BN placements x 3 statements, each with n and an interval.
    assert len(result.verdicts) == 12
    assert all(v.n == 2 and v.low <= v.effect <= v.high for v in result.verdicts)
