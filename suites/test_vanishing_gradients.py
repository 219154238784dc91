"""vanishing-gradients at CI scale: the robust parts, with fixed seeds and wide margins.

Robust: the gradient ratios are orders of magnitude apart (sigmoid + default ~1e-16 against a 0.1
threshold; tanh + Glorot ~1 and relu + He ~0.3 inside [0.1, 10]); sigmoid + default stays at chance
and tanh + Glorot reaches the target in about 2 epochs. relu + He's accuracy within the short CI
budget is left to the full run.
"""
from __future__ import annotations

from harness.verdict import select
from suites.vanishing_gradients import SUITE  # noqa: F401  (the shared fixture in suites/conftest.py runs it)


def _rows(result, statement, activation):
    rows = select(result.verdicts, statement, group_has=f"activation={activation},")
    assert rows, (statement, activation)
    return rows


def test_every_run_finished_with_its_gradient_snapshots(result):
    runs = result.runs
    assert len(runs) == 6 and not result.failures  # 3 (activation, init) pairs x 2 seeds
    assert runs[["grad/first_last_ratio_init", "grad/first_last_ratio_epoch1"]].notna().all().all()


def test_sigmoid_with_default_init_vanishes_and_stays_at_chance(result):
    for v in _rows(result, "gradients vanish toward the input", "sigmoid"):
        assert v.outcome == "supported" and v.high < 1e-6, v
    (v,) = _rows(result, "does not train", "sigmoid")
    assert v.outcome == "supported" and v.high < 0.2, v


def test_tanh_glorot_and_relu_he_keep_the_gradient_scale(result):
    for activation in ("tanh", "relu"):
        for statement in ("gradients do not vanish", "gradients do not explode"):
            for v in _rows(result, statement, activation):
                assert v.outcome == "supported", v
    (v,) = _rows(result, "trains", "tanh")
    assert v.outcome == "supported" and v.low >= 0.9, v  # stopped at the 0.9 target


def test_every_row_states_n_and_an_interval(result):
    assert len(result.verdicts) == 2 * 5 + 3
    assert all(v.n == 2 and v.low <= v.effect <= v.high for v in result.verdicts)
