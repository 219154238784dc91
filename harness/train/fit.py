"""Where a model is fitted: the one call of Lightning's Trainer.fit in the harness.

Every training run takes one path: its run is opened and its arm built (harness.train.lifecycle,
harness.train.arms), the arms are fitted, and each run is recorded. `train` fits one configuration: a group
of one arm, through its own system with the epoch timer (harness.train.timing.EpochTimer). `train_group` fits
configurations that differ in one field interleaved, step by step (harness.train.lockstep), so every arm's
clock sees the same machine load; an arm there is its solo run bit for bit.
"""
from __future__ import annotations

import dataclasses
import math
import os
import statistics
import time
from dataclasses import dataclass
from typing import Callable

import pytorch_lightning as pl

from harness.config.run_config import ConfigError, RunConfig
from harness.core.contract import (CONVERGED, EPOCHS_RUN, EPOCHS_TO_TARGET, EPOCH_TIME, FINAL_VAL_ACC, FINAL_VAL_LOSS,
                                   INTERLEAVED_TAG, MEDIAN_EPOCH_TIME, OVERHEAD_TIME, RESTORED_EPOCH, REUSED_FROM_TAG,
                                   STEP_ORDER_TAG, TIME_TO_TARGET, TIMING_TAG, TRAIN_TIME, VAL_ACC, VAL_EPOCH_TIME,
                                   VAL_LOSS, VAL_TIME, WALL_TIME)
from harness.core.interrupts import check as check_interrupt
from harness.data.datamodule import InMemoryDataModule, UserData
from harness.train.arms import Arm, build_arm
from harness.train.callbacks import StopOnSignal
from harness.train.lifecycle import OpenRuns, Recording, lightning_interrupts
from harness.train.parts import check_models
from harness.train.lockstep import LockstepData, LockstepSystem, check_arm_callbacks, step_order
from harness.train.reuse import finished_run, load_state, save_state
from harness.train.timing import EpochTimer
from harness.train.trainer import make_trainer


@dataclass
class RunResult:
    config: RunConfig
    history: list[dict[str, float]]  # per epoch: train/loss, train/epoch_time_s, val/loss, val/acc, val/time_s
    stop_reason: str
    epochs_to_target: int | None  # 1-based epoch that first reached the target; None = censored
    wall_time_s: float  # seconds, data setup + fit, evaluation included
    run_id: str | None = None
    restored_epoch: int | None = None  # early stopping: the epoch whose weights the run ended with

    @property
    def converged(self) -> bool:
        return self.epochs_to_target is not None

    @property
    def epoch_times(self) -> list[float]:
        return [h[EPOCH_TIME] for h in self.history if EPOCH_TIME in h]

    @property
    def time_to_target_s(self) -> float | None:
        """Timed training seconds up to and including the target epoch."""
        if self.epochs_to_target is None:
            return None
        return sum(self.epoch_times[: self.epochs_to_target])

    def summary(self) -> dict[str, float]:
        """The contract's summary metrics (epochs/time to target only when converged) plus accounting."""
        train_s = sum(self.epoch_times)
        val_s = sum(h.get(VAL_EPOCH_TIME, 0.0) for h in self.history)
        out = {
            CONVERGED: float(self.converged),
            WALL_TIME: self.wall_time_s,
            MEDIAN_EPOCH_TIME: statistics.median(self.epoch_times) if self.epoch_times else math.nan,
            EPOCHS_RUN: float(len(self.history)),
            TRAIN_TIME: train_s,  # all timed training seconds
            VAL_TIME: val_s,  # all validation seconds, outside the timed region
            OVERHEAD_TIME: self.wall_time_s - train_s - val_s,  # setup, hooks, logging (issue 27 profiles it)
        }
        if self.converged:
            out[EPOCHS_TO_TARGET] = float(self.epochs_to_target)
            out[TIME_TO_TARGET] = self.time_to_target_s
        if self.restored_epoch is not None:
            out[RESTORED_EPOCH] = float(self.restored_epoch)
        if self.history:
            out[FINAL_VAL_ACC] = self.history[-1].get(VAL_ACC, math.nan)
            out[FINAL_VAL_LOSS] = self.history[-1].get(VAL_LOSS, math.nan)
        return out


def train(config: RunConfig, recording: Recording | None = None, *, extra_callbacks: list[pl.Callback] = (),
          **trainer_overrides) -> RunResult:
    """Train one configuration; with a recording's tracker, record it as one (child) run.

    `extra_callbacks` run after the stopping rules and before the MLflow recorder, so an EpochMetrics callback's
    derived metrics are logged; `trainer_overrides` go to the Trainer (harness.train.trainer.make_trainer).
    """
    return train_group([config], recording, callbacks_for=lambda _: list(extra_callbacks), **trainer_overrides)[0]


def train_group(configs: list[RunConfig], recording: Recording | None = None, *, interleave: str | None = None,
                callbacks_for: Callable[[RunConfig], list[pl.Callback]] | None = None,
                **trainer_overrides) -> list[RunResult]:
    """Train configs that differ only in the field `interleave` in lockstep (one config: alone); one run each.

    callbacks_for(config) gives an arm's extra callbacks, fresh per arm (a callback may keep state). An exception
    marks every open run FAILED with its traceback and is re-raised; Ctrl-C or SIGTERM marks them KILLED.
    """
    recording = recording or Recording()
    if int(os.environ.get("LOCAL_RANK", "0")) > 0 or int(os.environ.get("NODE_RANK", "0")) > 0:
        recording = dataclasses.replace(recording, tracker=None)  # a DDP rank Lightning launched: rank 0 records
    check_group(configs, interleave)
    check_models(configs, lockstep=len(configs) > 1)  # what the user's factories return: probed before any run opens
    extras = [callbacks_for(config) if callbacks_for else [] for config in configs]
    if len(configs) > 1:  # the harness's own arm callbacks all fit lockstep (tests/test_lockstep.py)
        check_arm_callbacks([c for arm_extras in extras for c in arm_extras])
    check_interrupt()  # a safe point between runs: a signal recorded since the last one stops here
    sources = [reuse_source(config, recording) for config in configs]
    # read before any run opens: a bad source writes nothing
    states = [load_state(recording.tracker.client, source) if source else None for source in sources]
    order = step_order(configs)  # lockstep's stepping order within a round, rotated by the seed
    tags = {TIMING_TAG: "interleaved", INTERLEAVED_TAG: arms_label(configs, interleave),
            STEP_ORDER_TAG: arms_label([configs[i] for i in order], interleave)} if len(configs) > 1 else {}
    runs = OpenRuns(recording)
    with runs.guard():
        arms = []
        for config, source, state, extra in zip(configs, sources, states, extras):  # arm by arm: seed, open, build
            config, run_id = runs.open(config, {**tags, **({REUSED_FROM_TAG: source} if source else {})})
            arms.append(build_arm(config, run_id, recording.tracker, state, extra))
        with lightning_interrupts():
            fit([arms[i] for i in order], trainer_overrides)
            check_interrupt()  # StopOnSignal stopped the fit: the runs end KILLED, not FINISHED
        results = []
        for arm in arms:
            result = RunResult(arm.config, arm.system.history, arm.system.stop_reason, arm.convergence.epoch,
                               arm.wall_s, arm.run_id, arm.system.restored_epoch)
            if arm.run_id is not None:  # after fit (untimed); a failed write fails the run, never leaves it RUNNING
                if arm.config.save_model:
                    save_state(recording.tracker, arm.run_id, arm.system.model)
                log_splits(recording.tracker, arm.run_id, arm.config, arm.datamodule)
                runs.finish(arm.run_id, result.stop_reason, result.summary())
            results.append(result)
    return results


def fit(arms: list[Arm], trainer_overrides: dict) -> None:
    """The one Trainer.fit. One arm: its own system, each epoch's training steps timed by the EpochTimer from its
    first batch's start, so every epoch-start hook (the reuse freeze, StopOnSignal's read) acts before the clock;
    inside the window only StopOnSignal looks in (a read of the recorded signals at a loop=step epoch's batch ends;
    the 'epoch' loop's one batch end comes after the clock stopped); the rest act after validation.
    Several arms: the lockstep system, each arm's steps on its own StepClock, its callbacks outside every clock.
    The per-epoch cost outside those windows is RunResult.summary's overhead_time_s (docs/benchmarks.md, "The harness's own
    cost", issue 27's profile); a profiler joins as a callback, or through trainer_overrides."""
    solo = len(arms) == 1
    if solo:
        (arm,) = arms
        callbacks = [*arm.before_clock, EpochTimer(), *arm.callbacks, StopOnSignal()]
        module, data, config = arm.system, arm.datamodule, arm.config
    else:
        callbacks = [StopOnSignal()]
        module, data = LockstepSystem(arms), LockstepData(arms)
        config = arms[0].config.replace(max_epochs=max(arm.config.max_epochs for arm in arms))
    t0 = time.perf_counter()
    make_trainer(config, callbacks, **trainer_overrides).fit(module, datamodule=data)
    if solo:  # lockstep arms add up their own shares as they go
        arms[0].wall_s += time.perf_counter() - t0


def check_group(configs: list[RunConfig], interleave: str | None) -> None:
    """Raise ConfigError (one line) for configs that cannot be fitted together, before any run opens."""
    if not configs:
        raise ConfigError("invalid group: no configs; valid: one config, or several with interleave")
    if len(configs) == 1:
        return
    if interleave is None:
        raise ConfigError(f"invalid group of {len(configs)} configs without interleave; valid: interleave=FIELD "
                          f"(the one field they differ in)")
    others = {k: v for k, v in configs[0].__dict__.items() if k != interleave}
    for config in configs[1:]:
        differ = sorted(k for k, v in others.items() if getattr(config, k) != v)
        if differ:
            raise ConfigError(f"invalid lockstep arms: they differ in {differ[0]!r}; valid: configs that differ "
                              f"only in {interleave!r}")
    if configs[0].loop != "epoch":  # the lockstep steps each arm by hand: the 'epoch' loop's unit
        raise ConfigError(f"invalid loop {configs[0].loop!r} with interleave {interleave!r}; valid: epoch")


def arms_label(configs: list[RunConfig], field_name: str) -> str:
    """'norm=none,before,after': the arms a lockstep group alternated, as tagged on each of its runs."""
    return f"{field_name}=" + ",".join(str(getattr(c, field_name)) for c in configs)


def reuse_source(config: RunConfig, recording: Recording) -> str | None:
    """The run id whose saved layers this run starts from: reuse_from itself, or the newest finished run of the
    source config reuse_from describes ("field=value;..."), trained first (a real run, same parent) when absent."""
    if not config.reuse_from:
        return None
    tracker = recording.tracker
    if tracker is None:
        raise ConfigError(f"invalid reuse_from {config.reuse_from!r} without a tracking store; the source's weights "
                          f"are read from its MLflow artifact")
    if "=" not in config.reuse_from:
        return config.reuse_from
    source = config.reuse_source().resolved()  # as its run records it, so its config_id matches
    found = finished_run(tracker.client, tracker.experiment_id(recording.experiment), source)
    return found or train(source, recording).run_id


def log_splits(tracker, run_id: str, config: RunConfig, datamodule: InMemoryDataModule | UserData) -> None:
    """The run's dataset inputs: its train and validation splits as trained on (MLflow's Dataset column); a user's
    LightningDataModule's batches are its own to describe."""
    datamodule = datamodule.source if isinstance(datamodule, UserData) else datamodule
    if not isinstance(datamodule, InMemoryDataModule):
        return
    tracker.log_dataset(run_id, config.dataset, f"harness.data.datasets:{config.dataset}",
                        {"train": datamodule.x_train, "validation": datamodule.x_val})
