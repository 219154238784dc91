"""Verdict rules for the activation and BN suites: differences, equivalence, all-of, largest passing value, bounds."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from harness.stats.bounds import WITHIN_DIFFERENCE, WITHIN_RATIO, bounded_ratio, difference_bounds, judge_equivalence
from harness.judge.measures import epochs_to_target
from harness.judge.rules import Arms, best_rows, largest_passing, largest_passing_ratio_verdict, paired_verdicts
from harness.stats.median import Measured
from harness.judge.verdict import PairedStatement, Rule, Verdict, all_of, select


def _runs(values: dict[str, list[float]], converged: dict[str, list[int]] | None = None) -> pd.DataFrame:
    """One row per (arm, seed): epochs_to_target / epochs_run and final_val_acc from `values`."""
    rows = []
    for arm, vals in values.items():
        for seed, v in enumerate(vals):
            conv = 1 if converged is None else converged[arm][seed]
            rows.append({"activation": "relu", "norm": arm, "seed": seed, "converged": conv,
                         "epochs_to_target": v if conv else math.nan, "epochs_run": v, "final_val_acc": v / 100})
    return pd.DataFrame(rows)


def acc(row) -> Measured:
    return Measured(float(row["final_val_acc"]))


def test_difference_bounds_widen_only_on_the_censored_side():
    assert difference_bounds(Measured(5.0), Measured(3.0)) == (2.0, 2.0, 2.0)
    assert difference_bounds(Measured(5.0, censored=True), Measured(3.0)) == (2.0, 2.0, math.inf)
    assert difference_bounds(Measured(5.0), Measured(3.0, censored=True)) == (2.0, -math.inf, 2.0)


def test_judge_equivalence_three_outcomes():
    band = (0.8, 1.25)
    assert judge_equivalence(0.9, 1.1, band) == "supported"
    assert judge_equivalence(1.3, 1.6, band) == "refuted"
    assert judge_equivalence(0.5, 0.7, band) == "refuted"
    assert judge_equivalence(0.9, 1.4, band) == "inconclusive"


def test_paired_difference_one_sided_and_equivalence():
    runs = _runs({"none": [90, 91, 92, 90, 91, 92], "before": [95, 96, 97, 95, 96, 97]})
    better = PairedStatement("BN is more accurate", "val acc difference", acc, ">", 0.0, compare="difference")
    same = PairedStatement("no difference", "val acc difference", acc, WITHIN_DIFFERENCE, 0.01, compare="difference")
    v_better, v_same = paired_verdicts(runs, [better, same], "norm", "none", ["activation"])
    assert v_better.effect == pytest.approx(0.05)
    assert v_better.n == 6 and v_better.outcome == "supported"
    assert v_same.outcome == "refuted"  # a consistent 5-point difference is far outside a 1-point band
    assert v_better.group == {"activation": "relu"} and v_better.arms == ({"norm": "before"}, {"norm": "none"})
    assert v_better.label == "activation relu, norm before vs none"  # no suite's words: field names and values


def test_paired_ratio_equivalence_supported_when_inside_band():
    runs = _runs({"before": [10, 12, 11, 10, 12, 11], "after": [10, 12, 12, 11, 11, 11]})
    st = PairedStatement("no consistent winner", "epochs ratio", epochs_to_target, WITHIN_RATIO, 1.25)
    (v,) = paired_verdicts(runs, [st], "norm", "before", ["activation"])
    assert v.outcome == "supported" and 0.8 < v.low <= v.high < 1.25


def test_paired_ratio_equivalence_with_censoring_cannot_be_supported():
    runs = _runs({"before": [10, 10, 10], "after": [10, 10, 30]}, converged={"before": [1, 1, 1], "after": [1, 1, 0]})
    st = PairedStatement("no consistent winner", "epochs ratio", epochs_to_target, WITHIN_RATIO, 1.25)
    (v,) = paired_verdicts(runs, [st], "norm", "before", ["activation"])
    assert v.high == math.inf and v.outcome == "inconclusive" and "treatment (norm after) censored in 1 of 3 seeds" in v.note


def test_paired_verdicts_levels_limits_the_treatments():
    runs = _runs({"none": [1, 2], "before": [1, 2], "after": [1, 2]})
    st = PairedStatement("x", "m", epochs_to_target, "<", 1.0)
    rows = paired_verdicts(runs, [st], "norm", "none", ["activation"], levels=["after"])
    assert [(r.group, r.arms) for r in rows] == [({"activation": "relu"}, ({"norm": "after"}, {"norm": "none"}))]


def test_select_picks_rows_by_fields_and_says_what_there_is_when_none_matches():
    runs = _runs({"none": [10] * 6, "before": [5] * 6, "after": [6] * 6})
    st = PairedStatement("fewer epochs", "epochs ratio", epochs_to_target, "<", 1.0)
    rows = paired_verdicts(runs, [st], "norm", "none", ["activation"])
    assert [v.arms[0]["norm"] for v in select(rows, "fewer epochs", activation="relu")] == ["before", "after"]
    (after,) = select(rows, "fewer epochs", norm="after", baseline={"norm": "none"})  # the treatment arm's field
    assert after.arms == ({"norm": "after"}, {"norm": "none"})
    with pytest.raises(LookupError, match="no verdict row of 'fewer epochs' with activation='tanh'; its rows: "
                                          "activation relu, norm before vs none"):
        select(rows, "fewer epochs", activation="tanh")
    with pytest.raises(LookupError, match="no verdict row of 'fewer epoch'; statements: fewer epochs"):
        select(rows, "fewer epoch")


def test_paired_statement_rejects_mismatched_direction():
    with pytest.raises(ValueError, match="valid: <, >, within\\+-"):
        PairedStatement("x", "m", acc, WITHIN_RATIO, 0.01, compare="difference")


def _v(outcome: str, high: float, group: str) -> Verdict:
    return Verdict("s", {"g": group}, "m", high - 0.1, high - 0.2, high, 1.0, "<", 3, outcome)


def test_all_of_is_intersection_union():
    assert all_of([_v("supported", 0.5, "a"), _v("supported", 0.9, "b")], "all").outcome == "supported"
    mixed = all_of([_v("supported", 0.5, "a"), _v("inconclusive", 1.2, "b")], "all")
    assert mixed.outcome == "inconclusive" and mixed.high == 1.2 and "shown: g b" in mixed.note
    refuted = all_of([_v("refuted", 2.0, "a"), _v("inconclusive", 1.2, "b")], "all")
    assert refuted.outcome == "refuted" and refuted.high == 2.0
    # the least favourable supported row is the one shown
    assert all_of([_v("supported", 0.5, "a"), _v("supported", 0.9, "b")], "all").high == 0.9


def test_all_of_is_about_the_rows_merged_unless_told():
    rows = [Verdict("s", {"activation": a, "depth": 20}, "m", 0.5, 0.4, 0.6, 1.0, "<", 3, "supported",
                    arms=({"norm": "after"}, {"norm": "before"})) for a in ("relu", "elu", "relu")]
    merged = all_of(rows, "every activation")
    assert merged.group == {"activation": ("relu", "elu"), "depth": 20}  # the values they disagree on, once each
    assert merged.arms == ({"norm": "after"}, {"norm": "before"})
    assert merged.label == "activation relu/elu, depth 20, norm after vs before"
    assert all_of(rows, "told", {"batch": 32}).group == {"batch": 32}


def test_all_of_over_two_metrics_shows_a_row_of_one_metric_and_says_so():
    epochs = [_v("supported", 0.5, "a"), _v("inconclusive", 1.2, "b")]
    # a wider miss on another scale (seconds) must not be ranked against the epochs rows
    seconds = [Verdict("s", {"g": g}, "time", 40.0, 10.0, high, 1.0, "<", 3, o) for g, high, o in
               (("c", 90.0, "inconclusive"), ("d", 0.5, "supported"))]
    row = all_of(epochs + seconds, "all")
    assert row.outcome == "inconclusive" and row.high == 1.2 and "shown: g b" in row.note
    assert row.metric == "m (least favourable; 2 metrics)" and row.note.endswith("metrics: m; time")
    assert all_of(seconds + epochs, "all").metric == "time (least favourable; 2 metrics)"
    assert all_of(epochs, "all").metric == "m"  # one metric: its own name


def test_largest_passing_bounds_at_the_grid_ends():
    lrs = [0.01, 0.1, 1.0]
    rows = []
    for norm, ok in {"none": [1, 0, 0], "before": [1, 1, 1], "sigmoid": [0, 0, 0], "odd": [1, 0, 1],
                     "slow": [0, 1, 1]}.items():
        for lr, c in zip(lrs, ok):
            rows.append({"norm": norm, "seed": 0, "lr": lr, "converged": c})
    out = largest_passing(pd.DataFrame(rows), "lr", lambda r: r["converged"] == 1, ["norm", "seed"]).set_index("norm")
    assert tuple(out.loc["none", ["value", "low", "high"]]) == (0.01, 0.01, 0.01)
    assert tuple(out.loc["before", ["value", "low", "high"]]) == (1.0, 1.0, math.inf)
    assert tuple(out.loc["sigmoid", ["value", "low", "high"]]) == (0.0, 0.0, 0.01)
    assert out.loc["odd", "holes"] == 1 and out.loc["odd", "value"] == 1.0
    assert out.loc["slow", "holes"] == 0  # too slow at the small rate is not a hole in stability


def test_bounded_ratio():
    assert bounded_ratio((1.0, 1.0, 1.0), (0.1, 0.1, 0.1)) == pytest.approx((10.0, 10.0, 10.0))
    obs, lo, hi = bounded_ratio((1.0, 1.0, math.inf), (0.1, 0.1, 0.1))  # treatment passed the top of the grid
    assert obs == pytest.approx(10.0) and lo == pytest.approx(10.0) and hi == math.inf
    obs, lo, hi = bounded_ratio((1.0, 1.0, 1.0), (0.0, 0.0, 0.01))  # baseline passed nothing
    assert obs == math.inf and lo == pytest.approx(100.0) and hi == math.inf
    obs, lo, hi = bounded_ratio((0.0, 0.0, 0.01), (0.0, 0.0, 0.01))  # neither passed: unknown
    assert math.isnan(obs) and lo == 0.0 and hi == math.inf


def test_best_rows_prefers_uncensored_then_smallest():
    runs = pd.DataFrame([
        {"norm": "none", "seed": 0, "lr": 0.01, "converged": 1, "epochs_to_target": 9, "epochs_run": 9},
        {"norm": "none", "seed": 0, "lr": 0.1, "converged": 1, "epochs_to_target": 4, "epochs_run": 4},
        {"norm": "none", "seed": 0, "lr": 1.0, "converged": 0, "epochs_to_target": math.nan, "epochs_run": 1},
    ])
    best = best_rows(runs, ["norm", "seed"], epochs_to_target)
    assert list(best["lr"]) == [0.1]


def test_paired_verdicts_without_group_by_compares_all_runs():
    runs = _runs({"none": [10] * 6, "before": [5, 6, 5, 6, 5, 6]})
    st = PairedStatement("fewer epochs", "epochs ratio", epochs_to_target, "<", 1.0)
    (v,) = paired_verdicts(runs, [st], "norm", "none", [])
    assert v.group == {} and v.arms == ({"norm": "before"}, {"norm": "none"}) and v.n == 6 and v.outcome == "supported"


def test_paired_verdicts_missing_baseline_is_inconclusive_not_dropped():
    runs = _runs({"before": [5, 6]})
    st = PairedStatement("fewer epochs", "epochs ratio", epochs_to_target, "<", 1.0)
    (v,) = paired_verdicts(runs, [st], "norm", "none", [])
    assert v.n == 0 and v.outcome == "inconclusive" and "no complete pairs" in v.note


def test_named_levels_absent_from_the_runs_still_get_a_row():
    runs = _runs({"none": [1, 2]})
    st = PairedStatement("x", "m", epochs_to_target, "<", 1.0)
    (v,) = paired_verdicts(runs, [st], "norm", "none", [], levels=["before"])
    assert v.group == {} and v.arms == ({"norm": "before"}, {"norm": "none"}) and v.n == 0 and v.outcome == "inconclusive"


def test_a_diverged_run_is_censored_at_its_whole_budget():
    diverged = pd.Series({"converged": 0, "epochs_to_target": math.nan, "epochs_run": 1, "max_epochs": 20})
    assert epochs_to_target(diverged) == Measured(20.0, censored=True)
    done = pd.Series({"converged": 1, "epochs_to_target": 4, "epochs_run": 20, "max_epochs": 20})
    assert epochs_to_target(done) == Measured(4.0)


def test_largest_passing_ratio_verdict_pairs_seeds_and_carries_bounds():
    rows = []
    for seed in range(6):
        for lr, none_ok, bn_ok in ((0.01, 1, 1), (0.1, 0, 1), (1.0, 0, seed % 3 != 2)):
            rows.append({"norm": "none", "seed": seed, "lr": lr, "converged": none_ok})
            rows.append({"norm": "before", "seed": seed, "lr": lr, "converged": int(bn_ok)})
    v = largest_passing_ratio_verdict(pd.DataFrame(rows), "lr", lambda r: r["converged"] == 1,
                                      Arms("norm", "before", "none"), Rule("BN allows higher rates",
                                                                           "largest stable lr ratio", ">", 1.0))
    assert v.n == 6 and v.group == {} and v.arms == ({"norm": "before"}, {"norm": "none"}) and v.outcome == "supported"
    assert v.effect == pytest.approx(100.0)  # seeds 0, 1, 3, 4: 1.0 / 0.01; seeds 2, 5: 0.1 / 0.01
    assert v.low == pytest.approx(10.0) and v.high == math.inf  # the grid top passed: open above
    assert "before passes at the grid top in 4/6" in v.note and "none passes at the grid top in 0/6" in v.note
