"""harness.judge.nullsim: a suite's judge on tables drawn at a row's boundary. An exact rule reads wrong about as
often as its interval allows; a rule without an interval reads wrong about half the time, and the helper says so."""
from __future__ import annotations

import numpy as np
import pytest

from harness.config.run_config import RunConfig
from harness.judge.measures import epochs_to_target
from harness.judge.nullsim import (EQUIVALENCE, ONE_SIDED, PRESENT, Null, configs_table, null_rates, reached_columns,
                                   where)
from harness.judge.rules import paired_verdicts
from harness.judge.suite import Suite
from harness.judge.verdict import PairedStatement, RatioStatement, Verdict
from harness.stats.bounds import WITHIN_RATIO

FEWER = RatioStatement("BN needs fewer epochs", "epochs-to-target ratio", epochs_to_target, "<")
ALIKE = PairedStatement("BN and none alike", "epochs-to-target ratio", epochs_to_target, WITHIN_RATIO, 1.25)


def exact(runs):
    return paired_verdicts(runs, [FEWER, ALIKE], "norm", "none", ["activation"])


def no_interval(runs):
    """The median ratio against 1 with no interval at all: a rule noise decides half the time."""
    rows = paired_verdicts(runs, [FEWER], "norm", "none", ["activation"])
    return [Verdict(v.statement, v.group, v.metric, v.effect, v.effect, v.effect, v.threshold, v.direction, v.n,
                    "supported" if v.effect < 1 else "refuted", arms=v.arms) for v in rows]


def suite(judge) -> Suite:
    return Suite(name="null-toy", claim="BN needs fewer epochs", source="tests",
                 base=RunConfig(dataset="digits", max_epochs=20), grid={"activation": ("relu", "tanh"),
                                                                       "norm": ("none", "before")},
                 seeds=6, judge=judge, timing=False)


def ratio_draw(ratio: float, sd: float = 0.3):
    def draw(configs, rng):
        bn = where(configs, norm="before")
        return reached_columns(np.exp(np.log(8.0) + bn * np.log(ratio) + rng.normal(size=len(configs)) * sd))
    return draw


def test_the_configs_table_is_narrow_and_whole():
    table = configs_table(suite(exact), Null("x", {"BN needs fewer epochs": "supported"}, ratio_draw(1.0)))
    assert list(table.columns) == ["activation", "norm", "seed", "max_epochs", "status", "run_id"]
    assert len(table) == 2 * 2 * 6 and set(table.seed) == set(range(6))


def test_an_exact_rule_reads_wrong_within_its_level_each_row_kind_with_its_bound():
    at_threshold = Null("BN changes nothing", {"BN needs fewer epochs": "supported"}, ratio_draw(1.0))
    (fewer,) = null_rates(suite(exact), at_threshold, rows=400)
    assert (fewer.rows, fewer.invocations, fewer.bound) == (400, 200, ONE_SIDED)
    assert fewer.passes and fewer.rate < 0.03, fewer  # exact: P(Binom(6, 1/2) < 1) = 1.6% at 6 seeds
    at_margin = Null("BN needs 1.25x the epochs", {"BN and none alike": "supported"}, ratio_draw(1.25))
    (alike,) = null_rates(suite(exact), at_margin, rows=400)
    assert alike.bound == EQUIVALENCE and alike.passes, alike


def test_a_rule_without_an_interval_is_caught():
    (rate,) = null_rates(suite(no_interval), Null("BN changes nothing", {"BN needs fewer epochs": "supported"},
                                                  ratio_draw(1.0)), rows=400)
    assert not rate.passes and 0.35 < rate.rate < 0.65, rate


def test_a_misspelt_statement_fails_rather_than_count_nothing():
    with pytest.raises(LookupError, match="no verdict row"):
        null_rates(suite(exact), Null("x", {"BN needs fewer epoch": "supported"}, ratio_draw(1.0)), rows=10)
    with pytest.raises(ValueError, match="invalid wrong outcome 'wrong'"):
        Null("x", {"BN needs fewer epochs": "wrong"}, ratio_draw(1.0))


def test_runs_a_draw_marks_absent_never_reach_the_judge():
    """PRESENT (runs never made, e.g. seeds a later look added behind a few cells): left out of the judged table."""
    seen = []

    def judge(runs):
        seen.append((sorted(set(runs.seed)), PRESENT in runs.columns))
        return exact(runs)

    def first_three_seeds(configs, rng):
        return {**ratio_draw(1.0)(configs, rng), PRESENT: (configs.seed < 3).to_numpy()}

    null_rates(suite(judge), Null("seeds 3-5 never run", {"BN needs fewer epochs": "supported"}, first_three_seeds),
               rows=10)
    assert len(seen) == 5 and all(s == ([0, 1, 2], False) for s in seen), seen
