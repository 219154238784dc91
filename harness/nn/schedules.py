"""The learning-rate schedule registry: name -> when it steps (after each batch or each epoch) and how it is built.

Each schedule is a multiplier of the configured lr, written as the closed form the chapter gives
(t = optimizer steps taken so far, e = epochs finished so far), applied through a torch scheduler
that the system steps at the point its definition says: per batch inside the training step,
per epoch after validation (outside the timed region). 'performance' is driven by validation loss.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from harness.core.registry import Registry

ONE_CYCLE_RISE = 0.45  # 1cycle: share of the steps spent rising to the peak lr (and as many falling back)
ONE_CYCLE_FINAL_DROP = 1e-3  # 1cycle: the last 10% of steps fall from the start lr to this fraction of it


def power_factor(t: float, s: float, c: float) -> float:
    """Power scheduling: lr(t) = lr0 / (1 + t/s)^c, t and s in steps."""
    return (1.0 + t / s) ** -c


def exponential_factor(t: float, s: float) -> float:
    """Exponential scheduling: lr(t) = lr0 * 0.1^(t/s): ten times smaller every s steps."""
    return 0.1 ** (t / s)


def piecewise_factor(e: int, milestones: tuple[int, ...], factor: float) -> float:
    """Piecewise constant: lr multiplied by `factor` once for every milestone epoch already finished (e >= m)."""
    return factor ** sum(e >= m for m in milestones)


def one_cycle_factor(t: float, total: int, div: float) -> float:
    """1cycle (Smith 2018): lr0/div rising linearly to lr0 over 45% of the steps, back down over 45%,
    then down to lr0/div * 1e-3 over the last 10%; lr0 (the configured lr) is the peak."""
    start, rise = 1.0 / div, ONE_CYCLE_RISE * total
    if t < rise:
        return start + (1.0 - start) * t / rise
    if t < 2 * rise:
        return 1.0 - (1.0 - start) * (t - rise) / rise
    tail = min(1.0, (t - 2 * rise) / (total - 2 * rise))
    return start * (1.0 - (1.0 - ONE_CYCLE_FINAL_DROP) * tail)


@dataclass(frozen=True)
class Schedule:
    """per: 'batch' (stepped after every optimizer step), 'epoch' (after validation) or 'none'; make builds its torch scheduler."""

    per: str
    make: Callable[..., object] | None = None  # (optimizer, config, steps_per_epoch) -> torch LR scheduler


def _lambda(fn: Callable[[int], float]) -> Callable[..., object]:
    return lambda opt, config, spe: torch.optim.lr_scheduler.LambdaLR(opt, lambda t: fn(t, config, spe))


SCHEDULES: Registry[Schedule] = Registry("schedule")
SCHEDULES.register("constant", Schedule("none"))
SCHEDULES.register("power", Schedule("batch", _lambda(
    lambda t, c, spe: power_factor(t, c.decay_epochs * spe, c.decay_power))))
SCHEDULES.register("exponential", Schedule("batch", _lambda(lambda t, c, spe: exponential_factor(t, c.decay_epochs * spe))))
SCHEDULES.register("piecewise", Schedule("epoch", _lambda(
    lambda e, c, spe: piecewise_factor(e, c.milestone_epochs, c.decay_factor))))
SCHEDULES.register("performance", Schedule("epoch", lambda opt, c, spe: torch.optim.lr_scheduler.ReduceLROnPlateau(
    opt, mode="min", factor=c.decay_factor, patience=c.patience)))  # on val/loss: x factor after `patience` flat epochs
SCHEDULES.register("1cycle", Schedule("batch", _lambda(
    lambda t, c, spe: one_cycle_factor(t, c.max_epochs * spe, c.cycle_div))))


class LrSchedule:
    """A config's schedule on one optimizer: stepped after each batch or each epoch, as the schedule's definition says."""

    def __init__(self, optimizer: torch.optim.Optimizer, config, steps_per_epoch: int):
        spec = SCHEDULES.get(config.schedule)
        self.per = spec.per
        self.scheduler = spec.make(optimizer, config, steps_per_epoch) if spec.make else None

    def after_batch(self) -> None:
        if self.per == "batch":
            self.scheduler.step()

    def after_epoch(self, val_loss: float) -> None:
        if self.per != "epoch":
            return
        if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            self.scheduler.step(val_loss)
        else:
            self.scheduler.step()
