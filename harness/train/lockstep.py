"""Interleaved timing: a seed's arms train in lockstep through one Trainer, alternating steps, each on its own clock.

On a shared machine the load changes from second to second, so arms trained one after the other see
different loads and their time ratio swings with it. Here arm A's step 1, arm B's step 1, arm A's
step 2, ... run back to back, each arm's steps summed on its own clock (harness.train.timing.StepClock),
so every arm sees the same load at a granularity of one step.

Each arm is the solo run exactly (harness.train.runner.train): seeded before its model is built, its own
shuffling generator (its own DataModule), its own torch RNG stream (swapped in and out around its
steps, outside the clocks, so dropout masks match), its own validation and stopping rules. An arm
that reached its target or diverged stops stepping; the fit ends when every arm has stopped.
"""
from __future__ import annotations

import contextlib
import signal
import time
from dataclasses import dataclass, field

import pytorch_lightning as pl
import torch
from torch import nn

from harness.train.callbacks import MlflowEpochRecorder, StopOnSignal
from harness.config.run_config import ConfigError, RunConfig
from harness.core.contract import INTERLEAVED_TAG, TIMING_TAG, TRAIN_EXPERIMENT
from harness.data.datamodule import InMemoryDataModule, OneItem
from harness.core.interrupts import check as check_interrupt
from harness.nn.models import build_model
from harness.train.runner import RunResult, _recorded, _start, log_splits
from harness.train.stopping import Convergence, DivergenceStop, StopReason
from harness.train.system import ClassifierSystem
from harness.train.timing import StepClock, synchronize
from harness.store.tracking import Tracker
from harness.train.trainer import make_trainer


@dataclass
class ArmTrainer:
    """What the stopping rules and the epoch recorder read from a trainer, for one arm (its stop is its own)."""

    max_epochs: int
    current_epoch: int = 0
    should_stop: bool = False


@dataclass(eq=False)
class Arm:
    """One configuration in the lockstep: its data, system, stopping rules, clocks and RNG stream."""

    config: RunConfig
    run_id: str | None
    datamodule: InMemoryDataModule
    system: ClassifierSystem
    rng: torch.Tensor  # the CPU generator's state between this arm's steps
    cuda_rng: torch.Tensor | None  # the CUDA generator's, on CUDA
    trainer: ArmTrainer
    callbacks: list = field(default_factory=list)  # stopping rules, then the epoch recorder (called in this order)
    convergence: Convergence | None = None
    clock: StepClock | None = None
    wall_s: float = 0.0  # seconds spent on this arm: setup, steps, RNG swaps, validation, recording
    active: bool = True

    def swap_in(self) -> None:
        torch.set_rng_state(self.rng)
        if self.cuda_rng is not None:
            torch.cuda.set_rng_state(self.cuda_rng)

    def swap_out(self) -> None:
        self.rng = torch.get_rng_state()
        if self.cuda_rng is not None:
            self.cuda_rng = torch.cuda.get_rng_state()


def build_arm(config: RunConfig, run_id: str | None, tracker: Tracker | None) -> Arm:
    """Data and model exactly as harness.train.runner.train builds them (the caller has just seeded); RNG state captured."""
    t0 = time.perf_counter()
    datamodule = InMemoryDataModule(config)
    datamodule.setup("fit")
    system = ClassifierSystem(build_model(config, datamodule.n_features, datamodule.n_classes), config)
    cuda_rng = torch.cuda.get_rng_state() if config.device == "cuda" else None
    arm = Arm(config, run_id, datamodule, system, torch.get_rng_state(), cuda_rng, ArmTrainer(config.max_epochs))
    arm.convergence = Convergence(config)
    arm.callbacks = [arm.convergence, DivergenceStop()]
    if run_id is not None:
        arm.callbacks.append(MlflowEpochRecorder(tracker, run_id))
    arm.wall_s = time.perf_counter() - t0
    return arm


class LockstepData(pl.LightningDataModule):
    """Every arm's batches, each from its own DataModule (own shuffling generator), served side by side."""

    def __init__(self, arms: list[Arm]):
        super().__init__()
        self.arms = arms

    def _each(self, loader: str) -> OneItem:
        items = []
        for arm in self.arms:
            arm.datamodule.trainer = self.trainer  # so each moves its tensors to the trainer's device
            items.append(getattr(arm.datamodule, loader)().item)
        return OneItem(tuple(items))

    def train_dataloader(self):
        return self._each("train_dataloader")  # one item per epoch: each arm's ShuffledBatches

    def val_dataloader(self):
        return self._each("val_dataloader")  # one item: each arm's whole validation split


class LockstepSystem(pl.LightningModule):
    """The arms' systems in one LightningModule: one training_step per epoch steps every active arm in turn."""

    def __init__(self, arms: list[Arm]):
        super().__init__()
        self.systems = nn.ModuleList([arm.system for arm in arms])  # Lightning moves and switches train/eval for all
        self.arms = arms
        self.automatic_optimization = False
        self._optimizers: list[torch.optim.Optimizer] = []

    def configure_optimizers(self):
        self._optimizers = [arm.system.configure_optimizers() for arm in self.arms]
        return self._optimizers

    def on_train_epoch_start(self) -> None:
        for arm in self.arms:
            if arm.active:
                arm.clock = arm.clock or StepClock(self.device)
                arm.system.on_train_epoch_start()

    def training_step(self, batch, batch_idx):
        # batch: each arm's ShuffledBatches for this epoch. Round i steps every active arm that has an i-th batch.
        active = [(arm, opt, len(batches), iter(batches))
                  for arm, opt, batches in zip(self.arms, self._optimizers, batch) if arm.active]
        for i in range(max(n for _, _, n, _ in active)):
            for arm, opt, n, it in active:
                if i >= n:
                    continue
                t0 = time.perf_counter()
                arm.swap_in()
                arm.clock.start()  # the timed region: fetching the batch, then one optimization step
                x, y = next(it)
                arm.system.train_batch(opt, x, y)
                arm.clock.stop()
                arm.swap_out()
                arm.wall_s += time.perf_counter() - t0
        for arm, _, _, _ in active:
            arm.system.epoch_metrics["train/epoch_time_s"] = arm.clock.seconds()  # after every clock has stopped
        return None

    def validation_step(self, batch, batch_idx):
        for arm, val in zip(self.arms, batch):
            if not arm.active:
                continue
            t0 = time.perf_counter()
            arm.system.on_validation_start()  # the epoch's mean training loss: one device sync, untimed
            synchronize(self.device)
            t_val = time.perf_counter()
            arm.system.evaluate(val, arm.datamodule)
            synchronize(self.device)
            arm.system.epoch_metrics["val/time_s"] = time.perf_counter() - t_val
            arm.wall_s += time.perf_counter() - t0

    def on_train_epoch_end(self) -> None:
        for arm in self.arms:
            if not arm.active:
                continue
            t0 = time.perf_counter()
            arm.trainer.current_epoch = self.trainer.current_epoch
            for callback in arm.callbacks:  # the solo run's callbacks, in its order, against the arm's own trainer
                callback.on_train_epoch_end(arm.trainer, arm.system)
            arm.system.on_train_epoch_end()
            arm.active = not arm.trainer.should_stop and len(arm.system.history) < arm.config.max_epochs
            arm.wall_s += time.perf_counter() - t0
        if not any(arm.active for arm in self.arms):
            self.trainer.should_stop = True

    def on_fit_end(self) -> None:
        for arm in self.arms:
            StopReason().on_fit_end(arm.trainer, arm.system)


def arms_label(configs: list[RunConfig], field_name: str) -> str:
    """'norm=none,before,after': the arms a lockstep group alternated, as tagged on each of its runs."""
    return f"{field_name}=" + ",".join(str(getattr(c, field_name)) for c in configs)


def train_lockstep(configs: list[RunConfig], tracker: Tracker | None = None, experiment: str = TRAIN_EXPERIMENT,
                   parent_run_id: str | None = None, *, interleave: str,
                   extra_callbacks: list[pl.Callback] | None = None, **trainer_overrides) -> list[RunResult]:
    """Train configs that differ only in the field `interleave` in lockstep; with a tracker, one child run each.

    An exception marks every arm's run FAILED with its traceback and is re-raised; Ctrl-C marks them KILLED.
    `extra_callbacks` and `trainer_overrides` go to the one shared Trainer, as in harness.train.runner.train.
    """
    others = {k: v for k, v in configs[0].__dict__.items() if k != interleave}
    for config in configs[1:]:
        differ = sorted(k for k, v in others.items() if getattr(config, k) != v)
        if differ:
            raise ConfigError(f"invalid lockstep arms: they differ in {differ[0]!r}; valid: configs that differ "
                              f"only in {interleave!r}")
    if any(c.reuse_layers or c.save_model for c in configs):  # layer reuse lives in harness.train.runner.train only
        raise ConfigError("invalid lockstep arms: they reuse or save layers; valid: runs without reuse_from, save_model")
    tags = {TIMING_TAG: "interleaved", INTERLEAVED_TAG: arms_label(configs, interleave)}
    arms: list[Arm] = []
    check_interrupt()  # a safe point between runs (harness.core.interrupts)
    with contextlib.ExitStack() as recorded:
        for config in configs:  # as train() does, arm by arm: seed, open the run, build data and model
            config, run_id = _start(config, tracker, experiment, parent_run_id)
            recorded.enter_context(_recorded(tracker, run_id))
            if run_id is not None:
                tracker.set_tags(run_id, tags)
            arms.append(build_arm(config, run_id, tracker))
        base = arms[0].config.replace(max_epochs=max(arm.config.max_epochs for arm in arms))
        try:
            trainer = make_trainer(base, [StopOnSignal(), *(extra_callbacks or [])], **trainer_overrides)
            trainer.fit(LockstepSystem(arms), datamodule=LockstepData(arms))
            check_interrupt()  # StopOnSignal stopped the fit: the arms end KILLED
        except (KeyboardInterrupt, SystemExit):  # as in harness.train.runner.train: Lightning turns Ctrl-C into exit(1)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            raise KeyboardInterrupt from None
    results = []
    for arm in arms:
        result = RunResult(arm.config, arm.system.history, arm.system.stop_reason, arm.convergence.epoch,
                           arm.wall_s, arm.run_id)
        if arm.run_id is not None:
            with _recorded(tracker, arm.run_id):  # a store error here fails the run; it never leaves it RUNNING
                log_splits(tracker, arm.run_id, arm.config, arm.datamodule)
            tracker.finish(arm.run_id, stop_reason=result.stop_reason, metrics=result.summary())
        results.append(result)
    return results
