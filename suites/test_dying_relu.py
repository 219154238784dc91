"""dying-relu at CI scale (only the compared points, 2 seeds, 3 epochs): the robust parts.

Robust: ReLU's dead fraction is far higher at lr 0.3 than at 0.01 (~0.3 apart at the full scale)
and in a 50-deep than a 5-deep width-10 net (~0.3, mostly born dead); leaky ReLU and ELU never
output an exact zero. The remedy rows are asserted only for their bookkeeping: a pair with a
diverged run is left out and counted, never compared at chance accuracy.
"""
from __future__ import annotations

from harness.verdict import select
from suites.dying_relu import SUITE  # noqa: F401  (the shared fixture in suites/conftest.py runs it)


def _row(result, statement, group_part=""):
    rows = select(result.verdicts, statement, group_has=group_part)
    assert len(rows) == 1, (statement, group_part, rows)
    return rows[0]


def test_every_run_finished_with_a_final_sample(result):
    runs = result.runs
    assert len(runs) == 16 and not result.failures  # 8 points x 2 seeds
    assert runs["act/dead_frac_init"].between(0, 1).all()
    diverged = runs.stop_reason == "diverged"  # its last sample saw nan weights: no dead or alive units
    assert runs.loc[~diverged, "act/dead_frac"].between(0, 1).all() and runs.loc[diverged, "act/dead_frac"].isna().all()


def test_leaky_and_elu_units_never_output_an_exact_zero(result):
    runs = result.runs
    remedies = runs[runs.activation != "relu"]
    assert len(remedies) == 6 and (remedies["act/dead_frac_init"] == 0).all()
    alive = remedies[remedies.stop_reason != "diverged"]
    assert (alive["act/dead_frac"] == 0).all()


def test_more_relu_units_die_at_a_large_learning_rate_and_in_deep_narrow_nets(result):
    for statement, low in (("more units die at a large learning rate", 0.05), ("more units die in deep nets", 0.1)):
        v = _row(result, statement)
        assert v.outcome == "supported" and v.low > low, v


def test_remedy_rows_leave_out_diverged_pairs_and_say_so(result):
    runs = result.runs
    for activation in ("leaky_relu", "leaky_relu_0.2", "elu"):
        treat = runs[(runs.activation == activation)]
        n_diverged = int((treat.stop_reason == "diverged").sum())
        for statement in ("fewer units end up stuck", "the remedy trains better"):
            v = _row(result, statement, f"activation {activation} vs relu")
            assert v.n == 2 - n_diverged, v
            assert ("diverged" in v.note) == (n_diverged > 0), v


def test_every_row_states_n_and_an_interval(result):
    assert len(result.verdicts) == 3 + 3 * 2
    for v in result.verdicts:
        assert v.n == 0 or v.low <= v.effect <= v.high, v
