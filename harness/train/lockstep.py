"""Interleaved timing: several arms (harness.train.arms) fitted in one Lightning fit, alternating steps, each on its own clock.

On a shared machine the load changes from second to second, so arms trained one after the other see
different loads and their time ratio swings with it. Here arm A's step 1, arm B's step 1, arm A's
step 2, ... run back to back, each arm's steps summed on its own clock (harness.train.timing.StepClock),
so every arm sees the same load at a granularity of one step.

Each arm is its solo run exactly: seeded before its model is built, its own shuffling generator (its own
DataModule), its own torch RNG stream (swapped in and out around its steps, outside the clocks, so dropout
masks match), its own callbacks (stopping rules, early stopping, the recorder, diagnostics, the reuse freeze),
called with the arm's own trainer view (ArmTrainer) at the hooks below, in the solo run's order and outside
every clock. An arm that stopped stops stepping; the fit ends when every arm has stopped.
"""
from __future__ import annotations

import time

import pytorch_lightning as pl
import torch
from torch import nn

from harness.config.run_config import ConfigError
from harness.data.datamodule import OneItem
from harness.train.arms import Arm
from harness.train.timing import StepClock, synchronize

# The callback hooks an arm's callbacks get in lockstep (each with the arm's ArmTrainer and system). A callback that
# needs another (per batch, per validation) is refused before any run opens: there is no per-arm call for it.
ARM_HOOKS = ("on_fit_start", "on_train_start", "on_train_epoch_start", "on_train_epoch_end", "on_train_end",
             "on_fit_end")


def check_arm_callbacks(callbacks: list[pl.Callback]) -> None:
    """Raise ConfigError (one line) for a callback that implements a hook lockstep does not call per arm."""
    hooks = [h for h in dir(pl.Callback) if h.startswith("on_") or h in ("setup", "teardown")]
    for callback in callbacks:
        used = [h for h in hooks if h not in ARM_HOOKS and getattr(type(callback), h) is not getattr(pl.Callback, h)]
        if used:
            raise ConfigError(f"invalid callback {type(callback).__name__} in an interleaved group: it implements "
                              f"{used[0]}; valid: callbacks on {', '.join(ARM_HOOKS)} only")


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
        for arm, optimizer in zip(self.arms, self._optimizers):
            arm.trainer.optimizers = [optimizer]  # what the reuse freeze and the update diagnostic act on
        return self._optimizers

    def _call(self, hook: str, arms: list[Arm]) -> None:
        """Every arm's callbacks' `hook`, in the solo run's order, each with the arm's own trainer view and system."""
        for arm in arms:
            t0 = time.perf_counter()
            for callback in arm.all_callbacks:
                getattr(callback, hook)(arm.trainer, arm.system)
            arm.wall_s += time.perf_counter() - t0

    def _active(self) -> list[Arm]:
        return [arm for arm in self.arms if arm.active]

    def on_fit_start(self) -> None:
        self._call("on_fit_start", self.arms)

    def on_train_start(self) -> None:
        self._call("on_train_start", self.arms)

    def on_train_epoch_start(self) -> None:
        for arm in self._active():
            arm.trainer.current_epoch = self.trainer.current_epoch
            arm.clock = arm.clock or StepClock(self.device)
        self._call("on_train_epoch_start", self._active())  # before any clock starts: the reuse freeze switch
        for arm in self._active():
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
        active = self._active()
        self._call("on_train_epoch_end", active)  # stopping rules, the user's, the recorder, diagnostics
        for arm in active:
            arm.system.on_train_epoch_end()  # after the callbacks, as Lightning orders a solo run's hooks
            arm.active = not arm.trainer.should_stop and len(arm.system.history) < arm.config.max_epochs
        if not self._active():
            self.trainer.should_stop = True

    def on_train_end(self) -> None:
        self._call("on_train_end", self.arms)  # an arm that stopped early is unchanged since: its last state

    def on_fit_end(self) -> None:
        self._call("on_fit_end", self.arms)  # early stopping restores its best weights; the stop reason is filled in
