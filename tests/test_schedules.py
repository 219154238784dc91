"""Learning-rate schedules: each closed form against its definition, the torch-stepped lr against the closed form,
and the lr a real run logs (train/lr, per epoch) in both loops and in lockstep."""
from __future__ import annotations

import math

import pytest
import torch

from harness.config.run_config import ConfigError, RunConfig
from harness.train.fit import train, train_group
from harness.nn.schedules import (
    SCHEDULES,
    LrSchedule,
    exponential_factor,
    one_cycle_factor,
    piecewise_factor,
    power_factor,
)


def test_closed_forms_at_given_steps():
    assert power_factor(0, 100, 1) == 1.0
    assert power_factor(100, 100, 1) == 0.5  # lr0 / (1 + 1)
    assert power_factor(300, 100, 2) == pytest.approx(1 / 16)  # lr0 / 4^2
    assert exponential_factor(100, 100) == pytest.approx(0.1)
    assert exponential_factor(250, 100) == pytest.approx(10 ** -2.5)
    assert [piecewise_factor(e, (2, 5), 0.1) for e in range(7)] == pytest.approx([1, 1, 0.1, 0.1, 0.1, 0.01, 0.01])
    # 1cycle over 1000 steps from lr0/10: peak lr0 at 45%, back to lr0/10 at 90%, lr0/10 * 1e-3 at the end.
    cycle = [one_cycle_factor(t, 1000, 10) for t in (0, 225, 450, 675, 900, 950, 1000)]
    assert cycle == pytest.approx([0.1, 0.55, 1.0, 0.55, 0.1, 0.1 * (1 + 1e-3) / 2, 1e-4])


def config_for(schedule: str, **changes) -> RunConfig:
    return RunConfig(schedule=schedule, lr=0.5, decay_epochs=2.0, decay_power=1.5, milestones="2,4", max_epochs=6,
                     **changes)


@pytest.mark.parametrize("schedule, per, closed_form", [
    ("power", "batch", lambda t: power_factor(t, 2 * 10, 1.5)),
    ("exponential", "batch", lambda t: exponential_factor(t, 2 * 10)),
    ("1cycle", "batch", lambda t: one_cycle_factor(t, 6 * 10, 10.0)),
    ("piecewise", "epoch", lambda e: piecewise_factor(e, (2, 4), 0.1)),
])
def test_stepped_lr_follows_the_closed_form(schedule, per, closed_form):
    """10 steps per epoch, 6 epochs: the lr in effect before step t (or epoch e) is lr0 * factor(t)."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.5)
    sched = LrSchedule(opt, config_for(schedule), steps_per_epoch=10)
    assert sched.per == SCHEDULES.get(schedule).per == per
    seen, expected = [], []
    for e in range(6):
        for b in range(10):
            t = e * 10 + b
            seen.append(opt.param_groups[0]["lr"])
            expected.append(0.5 * closed_form(t if per == "batch" else e))
            opt.step()  # no gradient: changes nothing, but keeps torch's step-order check quiet
            sched.after_batch()
        sched.after_epoch(1.0)
    assert seen == pytest.approx(expected, rel=1e-12)


def test_performance_schedule_cuts_after_patience_flat_epochs():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = LrSchedule(opt, RunConfig(schedule="performance", decay_factor=0.5, patience=2), steps_per_epoch=10)
    lrs = []
    for val_loss in (1.0, 0.9, 0.95, 0.92, 0.91, 0.5, 0.6, 0.7, 0.8):
        opt.step()
        sched.after_batch()  # per-epoch schedule: batches change nothing
        sched.after_epoch(val_loss)
        lrs.append(opt.param_groups[0]["lr"])
    # best 0.9 at epoch 2; epochs 3, 4 flat (patience), the 3rd flat epoch (5) cuts; 0.5 is new best; 3 flat -> cut.
    assert lrs == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25]


@pytest.mark.parametrize("loop", ["epoch", "step"])
def test_runs_log_the_scheduled_lr_per_epoch(tiny, loop):
    """digits, batch 64: 1437 training rows -> 22 steps per epoch; train/lr is the lr of each epoch's first step."""
    config = tiny.replace(schedule="exponential", decay_epochs=2.0, lr=0.02, max_epochs=3, stop_at_target=False,
                          loop=loop, batch_size=64)
    history = train(config).history
    assert [h["train/lr"] for h in history] == pytest.approx([0.02 * 0.1 ** (e / 2) for e in range(3)], rel=1e-6)
    constant = train(config.replace(schedule="constant")).history
    assert [h["train/lr"] for h in constant] == [0.02] * 3


def test_schedule_changes_the_run_and_lockstep_arms_follow_it(tiny):
    arms = [tiny.replace(max_epochs=3, stop_at_target=False, schedule=s, milestones="1") for s in ("constant", "piecewise")]
    lockstep = train_group(arms, interleave="schedule")
    solo = [train(c) for c in arms]
    for a, b in zip(lockstep, solo):
        assert [(h["train/lr"], h["train/loss"], h["val/acc"]) for h in a.history] == \
               [(h["train/lr"], h["train/loss"], h["val/acc"]) for h in b.history]
    assert [h["train/lr"] for h in solo[1].history] == pytest.approx([0.01, 0.001, 0.001])
    assert solo[0].history[-1]["train/loss"] != solo[1].history[-1]["train/loss"]


@pytest.mark.parametrize("change, message", [
    ({"schedule": "cosine"}, "unknown schedule 'cosine'; valid: constant, power, exponential, piecewise, performance, 1cycle"),
    ({"schedule": "piecewise"}, "invalid milestones '' for schedule 'piecewise'"),
    ({"milestones": "5,2"}, "invalid milestones '5,2'"),
    ({"decay_factor": 1.5}, "invalid decay_factor 1.5"),
    ({"cycle_div": 0.5}, "invalid cycle_div 0.5"),
])
def test_bad_schedule_values_name_themselves(change, message, monkeypatch):
    monkeypatch.setenv("COLUMNS", "1000")  # a line wide enough for every valid name
    with pytest.raises(ConfigError) as err:
        RunConfig(**change)
    assert str(err.value).startswith(message)


def test_defaults_are_off():
    c = RunConfig()
    assert (c.clip, c.schedule, c.momentum, c.beta1, c.beta2, c.eps) == ("none", "constant", 0.9, 0.9, 0.999, 0.0)
    assert not math.isnan(c.clip_threshold)
