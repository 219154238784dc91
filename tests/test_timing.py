"""The epoch timer counts training steps only: validation and epoch-end logging stay outside it."""
from __future__ import annotations

import statistics
import time

import pytest
import pytorch_lightning as pl

from harness.train.fit import train
from harness.train.system import ClassifierSystem
from harness.train.timing import EpochTimer

pytestmark = pytest.mark.serial  # durations compared with each other: alone, not beside another worker's load

SLEEP = 0.5  # seconds injected into validation / logging; far above a tiny epoch's few milliseconds


class SlowEpochEnd(pl.Callback):
    """Stands in for slow per-epoch logging at epoch end."""

    def on_train_epoch_end(self, trainer, pl_module):
        time.sleep(SLEEP)


def test_timer_excludes_slow_validation_and_logging(tiny, monkeypatch):
    cfg = tiny.replace(max_epochs=3, stop_at_target=False)
    fast = train(cfg)
    original = ClassifierSystem.validation_step

    def slow_validation_step(self, batch, batch_idx):
        time.sleep(SLEEP)
        return original(self, batch, batch_idx)

    monkeypatch.setattr(ClassifierSystem, "validation_step", slow_validation_step)
    slow = train(cfg, extra_callbacks=[SlowEpochEnd()])

    # The sleeps land in validation time and wall time, not in the timed training epochs.
    assert all(h["val/time_s"] >= SLEEP for h in slow.history)
    assert slow.wall_time_s >= 2 * SLEEP * 3
    slow_median, fast_median = statistics.median(slow.epoch_times), statistics.median(fast.epoch_times)
    assert slow_median - fast_median < SLEEP / 2, (slow.epoch_times, fast.epoch_times)
    s = slow.summary()
    assert s["val_time_s"] >= 3 * SLEEP and s["overhead_time_s"] >= 3 * SLEEP * 0.9


def test_timer_counts_the_training_steps(tiny, monkeypatch):
    """The converse: a delay inside training_step is inside the timed region."""
    original = ClassifierSystem.training_step

    def slow_training_step(self, batch, batch_idx):
        time.sleep(SLEEP)
        return original(self, batch, batch_idx)

    monkeypatch.setattr(ClassifierSystem, "training_step", slow_training_step)
    result = train(tiny.replace(max_epochs=2, stop_at_target=False))
    assert all(t >= SLEEP for t in result.epoch_times)


def test_step_loop_is_timed_the_same_way(tiny):
    result = train(tiny.replace(loop="step", max_epochs=2, stop_at_target=False))
    assert len(result.epoch_times) == 2 and all(t > 0 for t in result.epoch_times)
    assert all("val/time_s" in h for h in result.history)


def test_epoch_and_step_loops_compute_the_same_training(tiny):
    """Both loops run the same batches with the same optimizer: the histories agree."""
    cfg = tiny.replace(max_epochs=3, stop_at_target=False, optimizer="sgd", lr=0.05)
    a, b = train(cfg), train(cfg.replace(loop="step"))
    for ha, hb in zip(a.history, b.history):
        assert abs(ha["train/loss"] - hb["train/loss"]) < 1e-5
        assert ha["val/acc"] == hb["val/acc"]


def test_timer_is_a_plain_callback():
    import pytorch_lightning as pl

    assert isinstance(EpochTimer(), pl.Callback)
