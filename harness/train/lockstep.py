"""Interleaved timing: several arms (harness.train.arms) fitted in one Lightning fit, alternating steps, each on its own clock.

On a shared machine the load changes from second to second, so arms trained one after the other see
different loads and their time ratio swings with it. Here arm A's step 1, arm B's step 1, arm A's
step 2, ... run back to back, each arm's steps summed on its own clock (harness.train.timing.StepClock),
so every arm sees the same load at a granularity of one step.

Each arm is its solo run exactly: seeded before its model is built, its own shuffling generator (its own
DataModule), its own torch RNG stream (swapped in and out around its steps, outside the clocks, so dropout
masks match), its own callbacks (stopping rules, early stopping, the recorder, diagnostics, the reuse freeze),
called with the arm's own trainer view (ArmTrainer) at the hooks below, in the solo run's order and outside
every clock. The fit ends when every arm has stopped.

Two things keep the comparison load-matched (issue 23). The order the arms step in within a round rotates with
the seed (step_order; recorded on every run as STEP_ORDER_TAG), so no arm always steps first, right after
Lightning's own per-epoch work. And an arm that stopped is replaced by its Ghost until the last arm stops: each
round, the stopped arm's forward pass on its next batch, so each remaining step is still timed right after the
stopped arm's weights and activations went through the caches, as every step before the stop was. Alone, the
remaining arm's steps run on warm caches and read faster. A forward pass keeps the tail within 2% of what a full
step beside it gives (alone: 5% faster) at under a third of a step's cost: the figures are in docs/measurement.md,
from benchmarks/test_bench_ghost.py. Judging time over the epochs both arms ran would drop the remaining arm's
later epochs from its time to target, the figure the time rows judge.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import pytorch_lightning as pl
import torch
from torch import nn

from harness.config.run_config import ConfigError, RunConfig
from harness.data.datamodule import OneItem, ShuffledBatches
from harness.train.arms import Arm
from harness.train.timing import StepClock, synchronize
from harness.core.contract import EPOCH_TIME, VAL_EPOCH_TIME

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


def step_order(configs: list[RunConfig]) -> list[int]:
    """The arms' stepping order within a round: config order rotated by the seed they share (seed 1 of two arms:
    the second steps first), so over a suite's seeds each arm leads equally often."""
    k = configs[0].seed % len(configs)
    return [*range(k, len(configs)), *range(k)]


@dataclass(eq=False)
class Ghost:
    """A stopped arm's stand-in: a copy of its model, its own shuffling and RNG streams.

    Each round it runs the stopped arm's forward pass on its next batch (train mode, no gradient), untimed and
    unrecorded, read by nothing: the arm's weights and activations go through the caches as its steps did, at about
    a third of a step's cost. The arm's own system, optimizer, RNG states and records stay as they were when it
    stopped, and the other arms' RNG streams are swapped out while it runs.
    """

    model: nn.Module
    batches: ShuffledBatches
    rng: torch.Tensor
    cuda_rng: torch.Tensor | None

    @classmethod
    def of(cls, arm: Arm) -> "Ghost":
        model = copy.deepcopy(arm.system.model).train()
        data = arm.datamodule
        batches = ShuffledBatches(data.x_train, data.y_train, arm.config.batch_size,
                                  torch.Generator().manual_seed(arm.config.seed))
        cuda_rng = None if arm.cuda_rng is None else arm.cuda_rng.clone()
        return cls(model, batches, arm.rng.clone(), cuda_rng)

    def step(self, batches) -> None:
        """The forward pass on the next of `batches` (an iterator over this epoch's) with the ghost's own RNG streams,
        swapped in and out as an arm's are (every arm swaps its own in before it steps)."""
        torch.set_rng_state(self.rng)
        if self.cuda_rng is not None:
            torch.cuda.set_rng_state(self.cuda_rng)
        x, _ = next(batches)
        with torch.no_grad():
            self.model(x)
        self.rng = torch.get_rng_state()
        if self.cuda_rng is not None:
            self.cuda_rng = torch.cuda.get_rng_state()


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
        self._ghosts: dict[Arm, Ghost] = {}  # a stopped arm's stand-in while others step

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
        # batch: each arm's ShuffledBatches for this epoch (self.arms' order: the stepping order). Round i steps every
        # active arm, and every stopped arm's ghost, that has an i-th batch.
        lanes = []  # (arm or ghost, its optimizer, its batches' count, an iterator over them)
        for arm, opt, batches in zip(self.arms, self._optimizers, batch):
            if arm.active:
                lanes.append((arm, opt, len(batches), iter(batches)))
            elif arm in self._ghosts:
                ghost = self._ghosts[arm]
                lanes.append((ghost, None, len(ghost.batches), iter(ghost.batches)))
        for i in range(max(n for _, _, n, _ in lanes)):
            for who, opt, n, it in lanes:
                if i >= n:
                    continue
                if isinstance(who, Ghost):
                    who.step(it)  # untimed: the stopped arm's pass through the caches, for the arms still timed
                    continue
                t0 = time.perf_counter()
                who.swap_in()
                who.clock.start()  # the timed region: fetching the batch, then one optimization step
                x, y = next(it)
                who.system.train_batch(opt, x, y)
                who.clock.stop()
                who.swap_out()
                who.wall_s += time.perf_counter() - t0
        for arm in self._active():
            arm.system.epoch_metrics[EPOCH_TIME] = arm.clock.seconds()  # after every clock has stopped
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
            arm.system.epoch_metrics[VAL_EPOCH_TIME] = time.perf_counter() - t_val
            arm.wall_s += time.perf_counter() - t0

    def on_train_epoch_end(self) -> None:
        active = self._active()
        self._call("on_train_epoch_end", active)  # stopping rules, the user's, the recorder, diagnostics
        for arm in active:
            arm.system.on_train_epoch_end()  # after the callbacks, as Lightning orders a solo run's hooks
            arm.active = not arm.trainer.should_stop and len(arm.system.history) < arm.config.max_epochs
            if not arm.active:  # its stand-in steps from the next epoch on, while any arm is still timed
                self._ghosts[arm] = Ghost.of(arm)
        if not self._active():
            self.trainer.should_stop = True
            self._ghosts.clear()

    def on_train_end(self) -> None:
        self._call("on_train_end", self.arms)  # an arm that stopped early is unchanged since: its last state

    def on_fit_end(self) -> None:
        self._call("on_fit_end", self.arms)  # early stopping restores its best weights; the stop reason is filled in
