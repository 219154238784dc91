"""A suite declares what a config measures (Suite.measure, measure_where) and which callbacks a trained config adds
(Suite.callbacks); the harness runs it (harness.execute.declared): measured through the run lifecycle, trained
with a fresh copy of each callback, in one process or pickled to workers."""
from __future__ import annotations

import math
import pickle

import pytest
from mlflow.tracking import MlflowClient

import harness
from harness import LossGap, RunConfig, Suite, ThresholdStatement, column, thresholds
from harness.config.run_config import ConfigError
from harness.core.contract import TIMING_TAG
from harness.execute.declared import DeclaredRun, FreshCallbacks, run_function
from harness.execute.interleave import check_interleave
from harness.train.fit import train

ANALYTIC = "synthetic"  # the dataset field marks the measured arm, as the shipped suites mark theirs


def squares(config: RunConfig) -> dict:
    """A measurement: a number seeded by the lifecycle, and one value per 'layer' (a list, logged per step)."""
    import torch

    return {"draw": float(torch.rand(1)), "lr_seen": config.lr, "per_layer": [1.0, 4.0, 9.0]}


def _suite(**fields) -> Suite:
    base = RunConfig(dataset="digits", depth=1, width=8, max_epochs=2, stop_at_target=False, eval_train=True,
                     threads=1)
    args = dict(name="declared-test", claim="c", source="s", base=base, seeds=1, timing=False,
                grid={"dataset": (ANALYTIC, "digits")},
                judge=thresholds([ThresholdStatement("s", "m", column("draw"), "<", 1.0)], ["dataset"]))
    return Suite(**{**args, **fields})


def test_a_measured_arm_is_measured_and_the_others_train_with_their_callbacks(store_uri):
    suite = _suite(measure=squares, measure_where={"dataset": ANALYTIC}, callbacks=(LossGap(match_loss=5.0),))
    result = harness.run(suite, scale="default", store=store_uri)
    runs = result.runs.set_index("dataset")
    assert not result.failures and len(runs) == 2
    measured, trained = runs.loc[ANALYTIC], runs.loc["digits"]
    assert measured.stop_reason == "measured" and 0 <= measured.draw < 1 and measured.lr_seen == suite.base.lr
    assert math.isnan(measured.get("gap/loss", math.nan))  # no training, no callback
    assert trained.stop_reason != "measured" and math.isnan(trained.get("draw", math.nan))
    assert trained["gap/loss"] == pytest.approx(trained.final_val_loss - trained["train/eval_loss"])
    assert trained["gap/match_epoch"] == 1.0  # every epoch's training loss is under 5 nats: the first matches
    assert suite.measures(suite.base.replace(dataset=ANALYTIC)) and not suite.measures(suite.base)


def test_the_measurement_is_seeded_as_a_run_is():
    run = DeclaredRun(squares)
    config = RunConfig(dataset=ANALYTIC, threads=1)
    assert run(config)["draw"] == run(config)["draw"] != run(config.replace(seed=1))["draw"]


def test_each_run_gets_its_own_copy_of_a_callback_with_state():
    declared = LossGap()
    declared.matched = (0.5, 3.0)  # state a run would leave behind
    fresh = FreshCallbacks((declared,))()
    assert fresh[0] is not declared and fresh[0].matched == (0.5, 3.0)
    assert FreshCallbacks((LossGap(),))()[0].matched is None
    result = DeclaredRun(callbacks=(declared,))(RunConfig(depth=1, width=8, max_epochs=1, eval_train=True, threads=1))
    assert "gap/loss" in result.history[0] and declared.matched == (0.5, 3.0)  # the declaration is never touched


def test_what_a_suite_declares_picks_its_run_function_and_survives_pickling():
    assert run_function(_suite()) is train  # nothing declared: plain training, as before
    declared = run_function(_suite(measure=squares, measure_where={"dataset": ANALYTIC}, callbacks=(LossGap(),)))
    assert declared == DeclaredRun(squares, (("dataset", ANALYTIC),), declared.callbacks)
    assert pickle.loads(pickle.dumps(declared)).measure is squares  # workers and Ray tasks receive it pickled

    def own(config, recording=None):
        return {}

    assert run_function(_suite(run=own)) is own


@pytest.mark.parametrize("fields, message", [
    (dict(run=squares, measure=squares), "invalid run for suite 'declared-test'"),
    (dict(run=squares, callbacks=(LossGap(),)), "invalid run for suite 'declared-test'"),
    (dict(measure_where={"dataset": ANALYTIC}), "invalid measure_where for suite 'declared-test': no measure"),
    (dict(measure=squares, measure_where={"datset": ANALYTIC}), "invalid measure_where field 'datset'.*valid: dataset"),
])
def test_a_declaration_that_cannot_run_is_refused_in_one_line(fields, message):
    with pytest.raises(ConfigError, match=message) as err:
        _suite(**fields)
    assert "\n" not in str(err.value)


def test_a_measured_suite_cannot_interleave():
    suite = _suite(measure=squares, interleave="dataset", grid={"dataset": ("digits", "mnist1d")})
    with pytest.raises(ConfigError, match="measures them; valid: interleave=None"):
        check_interleave(suite, suite.configs(scale="default"))


def test_interleaved_arms_each_get_their_own_copy_of_the_callbacks(store_uri):
    suite = _suite(grid={"width": (8, 16)}, interleave="width", callbacks=(LossGap(),), timing=True)
    result = harness.run(suite, scale="default", store=store_uri)
    runs = result.runs
    assert not result.failures and sorted(runs.width) == [8, 16]
    assert (runs["gap/loss"] == runs.final_val_loss - runs["train/eval_loss"]).all()  # each arm's own figures
    client = MlflowClient(store_uri)
    assert {client.get_run(r).data.tags.get(TIMING_TAG) for r in runs.run_id} == {"interleaved"}  # in lockstep
