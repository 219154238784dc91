"""Stopping rules as independent callbacks: convergence (target reached), divergence, and the recorded stop reason."""
from __future__ import annotations

import math

import pytorch_lightning as pl

from harness.config import RunConfig


def request_stop(trainer: pl.Trainer, pl_module, reason: str) -> None:
    """Ask the trainer to stop after this epoch; the first reason given is the one recorded."""
    trainer.should_stop = True
    if pl_module.stop_reason is None:
        pl_module.stop_reason = reason


class Convergence(pl.Callback):
    """Notes the first epoch (1-based) whose validation metric reaches the target; optionally stops there."""

    def __init__(self, config: RunConfig):
        self.config = config
        self.epoch: int | None = None

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        value = pl_module.epoch_metrics.get(self.config.target_metric)
        if self.epoch is None and value is not None and self.config.reached(value):
            self.epoch = trainer.current_epoch + 1
            if self.config.stop_at_target:
                request_stop(trainer, pl_module, "target")


class DivergenceStop(pl.Callback):
    """Stops a run whose epoch training loss is NaN or infinite: it can no longer reach any target."""

    def __init__(self) -> None:
        self.epoch: int | None = None

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        loss = pl_module.epoch_metrics.get("train/loss", math.nan)
        if self.epoch is None and not math.isfinite(loss):
            self.epoch = trainer.current_epoch + 1
            request_stop(trainer, pl_module, "diverged")


class StopReason(pl.Callback):
    """Fills in why a run ended when no stopping rule claimed it: the budget, or an interruption."""

    def on_fit_end(self, trainer, pl_module) -> None:
        if pl_module.stop_reason is None:
            done = len(pl_module.history) >= trainer.max_epochs
            pl_module.stop_reason = "max_epochs" if done else "interrupted"
