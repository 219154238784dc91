"""Where the epoch clock runs: from the start of the epoch's first training batch (after every epoch-start hook and the
first fetch) to the end of its last, before Lightning's switch to validation."""
from __future__ import annotations

import pytest
import pytorch_lightning as pl

from harness.train.fit import train
from harness.train.timing import EpochTimer


class ClockProbe(pl.Callback):
    """Runs after the EpochTimer (extra callbacks come later in the list) and records whether its clock is running."""

    def __init__(self) -> None:
        self.at_batch_end: list[tuple[int, bool, bool]] = []  # (epoch, is_last_batch, clock running)
        self.at_validation_start: list[bool] = []  # clock running
        self.at_epoch_start: list[bool] = []  # clock running
        self.at_first_batch_start: list[bool] = []  # clock running

    @staticmethod
    def _timer(trainer) -> EpochTimer:
        return next(c for c in trainer.callbacks if isinstance(c, EpochTimer))

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self.at_epoch_start.append(self._timer(trainer)._t_train is not None)

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if batch_idx == 0:
            self.at_first_batch_start.append(self._timer(trainer)._t_train is not None)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        running = self._timer(trainer)._t_train is not None
        self.at_batch_end.append((trainer.current_epoch, trainer.is_last_batch, running))

    def on_validation_start(self, trainer, pl_module) -> None:
        self.at_validation_start.append(self._timer(trainer)._t_train is not None)


@pytest.mark.parametrize("loop", ["epoch", "step"])
def test_clock_stops_at_the_last_training_batch(tiny, loop):
    probe = ClockProbe()
    result = train(tiny.replace(loop=loop, max_epochs=2, stop_at_target=False), extra_callbacks=[probe])
    assert len(result.epoch_times) == 2
    last = [running for _, is_last, running in probe.at_batch_end if is_last]
    assert last == [False, False]  # stopped by the time the last batch of each epoch has ended
    middle = [running for _, is_last, running in probe.at_batch_end if not is_last]
    assert all(middle)  # and running through every earlier batch (loop=step has many)
    if loop == "step":
        assert len(middle) > 10
    else:
        assert middle == []  # loop=epoch: one training_step per epoch
    assert probe.at_validation_start == [False, False]


@pytest.mark.parametrize("loop", ["epoch", "step"])
def test_clock_starts_at_the_first_training_batch_after_the_epoch_start_hooks(tiny, loop):
    """Issue 27: Lightning's epoch start (every callback's hook, the fetch) is not a training step; it lies before the clock."""
    probe = ClockProbe()
    train(tiny.replace(loop=loop, max_epochs=2, stop_at_target=False), extra_callbacks=[probe])
    assert probe.at_epoch_start == [False, False]
    assert probe.at_first_batch_start == [True, True]


def test_clock_falls_back_to_validation_start_when_the_last_batch_is_cut(tiny):
    """limit_train_batches cuts the epoch short of its last batch: validation start still stops the clock, once."""
    probe = ClockProbe()
    result = train(tiny.replace(loop="step", max_epochs=2, stop_at_target=False), extra_callbacks=[probe],
                   limit_train_batches=3)
    assert len(result.epoch_times) == 2 and all(t > 0 for t in result.epoch_times)
    assert [h["train/epoch_time_s"] for h in result.history] == result.epoch_times


def test_a_cpu_run_also_reads_the_window_on_the_process_cpu_clock(tiny):
    """train/epoch_cpu_s: the same window on the CPU clock; one thread cannot spend more CPU than wall time in it."""
    result = train(tiny.replace(max_epochs=2, stop_at_target=False, threads=1))
    for h in result.history:
        assert 0 < h["train/epoch_cpu_s"] <= h["train/epoch_time_s"] * 1.05 + 1e-3
