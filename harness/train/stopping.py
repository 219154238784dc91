"""Stopping rules as independent callbacks: convergence (target reached), divergence, and the recorded stop reason."""
from __future__ import annotations

import copy
import math

import pytorch_lightning as pl

from harness.config.run_config import RunConfig
from harness.core.contract import TRAIN_LOSS, VAL_LOSS


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
        loss = pl_module.epoch_metrics.get(TRAIN_LOSS, math.nan)
        if self.epoch is None and not math.isfinite(loss):
            self.epoch = trainer.current_epoch + 1
            request_stop(trainer, pl_module, "diverged")


class EarlyStopping(pl.Callback):
    """Stops after `early_stopping` epochs in a row without a val/loss below the best so far (stop_reason
    early_stopped); at fit end, however the run stopped, restores the best epoch's weights (and BN statistics)
    and records that 1-based epoch in pl_module.restored_epoch. Ties keep the earlier epoch."""

    def __init__(self, config: RunConfig):
        self.patience = config.early_stopping
        self.best_loss, self.best_epoch, self.best_state = math.inf, None, None

    def on_train_epoch_end(self, trainer, pl_module) -> None:  # after validation: outside the timed region
        loss, epoch = pl_module.epoch_metrics.get(VAL_LOSS, math.nan), trainer.current_epoch + 1
        if loss < self.best_loss:  # a NaN loss is never an improvement
            self.best_loss, self.best_epoch = loss, epoch
            self.best_state = copy.deepcopy(pl_module.model.state_dict())
        elif epoch - (self.best_epoch or 0) >= self.patience:
            request_stop(trainer, pl_module, "early_stopped")

    def on_fit_end(self, trainer, pl_module) -> None:
        if self.best_state is not None:
            pl_module.model.load_state_dict(self.best_state)
            pl_module.restored_epoch = self.best_epoch


class StopReason(pl.Callback):
    """Fills in why a run ended when no stopping rule claimed it: the budget, or an interruption."""

    def on_fit_end(self, trainer, pl_module) -> None:
        if pl_module.stop_reason is None:
            done = len(pl_module.history) >= trainer.max_epochs
            pl_module.stop_reason = "max_epochs" if done else "interrupted"
