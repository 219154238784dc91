"""Where time is measured: training steps only, device-synchronized; validation accounted apart."""
from __future__ import annotations

import time

import pytorch_lightning as pl
import torch
from harness.core.contract import EPOCH_CPU_TIME, EPOCH_TIME, VAL_EPOCH_TIME


def synchronize(device: torch.device) -> None:
    """Wait for queued device work so a clock read covers it (a no-op on CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class EpochTimer(pl.Callback):
    """Times each epoch's training steps: from the start of its first training batch to the end of its last.

    The epoch's start lies before the clock: Lightning's epoch-start hooks (every callback's and the
    system's), its data fetcher's iterator and first fetch (~0.3 ms per epoch, 0.3% of a 20x100 digits
    epoch; issue 27's profile, docs/benchmarks.md "The harness's own cost"). Inside remain Lightning's dispatch of
    the 'epoch' loop's one training_step (~0.2 ms) and, with loop=step, its per-batch machinery.
    Lightning's bookkeeping after the last batch and its switch to validation (model.eval(), zero_grad:
    ~1 ms per epoch) are not training steps either; with the epoch's start they land in the run's
    overhead_time_s. If the last batch is not recognised (e.g. limit_train_batches), the clock
    stops when validation starts, or at epoch end without validation. Validation, the per-epoch
    metric logging (which runs at epoch end, after validation) and any checkpointing lie outside
    the timed region; validation gets its own clock. The device is synchronized before every
    clock read, so queued GPU kernels are counted where they belong.

    On the CPU the same window is also read on the process's CPU clock (train/epoch_cpu_s, seconds): on a
    shared machine the wall clock adds the time other processes held the cores, the CPU clock does not, so
    it is the steadier figure of what the epoch itself costs (issue 27). Its reads lie outside the wall window.
    """

    def __init__(self) -> None:
        self._t_train: float | None = None
        self._t_val: float | None = None
        self._cpu_train: float | None = None  # process CPU seconds at the window's start (CPU runs)

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if batch_idx == 0:  # the epoch's first batch (the index counts within the epoch)
            synchronize(pl_module.device)
            self._cpu_train = time.process_time() if pl_module.device.type == "cpu" else None
            self._t_train = time.perf_counter()

    def _stop_train_clock(self, pl_module) -> None:
        if self._t_train is None:
            return
        synchronize(pl_module.device)
        seconds = time.perf_counter() - self._t_train
        if self._cpu_train is not None:
            pl_module.epoch_metrics[EPOCH_CPU_TIME] = time.process_time() - self._cpu_train
        self._t_train = None
        pl_module.epoch_metrics[EPOCH_TIME] = seconds

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.is_last_batch:  # one batch per epoch with loop=epoch; the last of many with loop=step
            self._stop_train_clock(pl_module)

    def on_validation_start(self, trainer, pl_module) -> None:
        self._stop_train_clock(pl_module)  # a no-op when the last batch already stopped it
        synchronize(pl_module.device)
        self._t_val = time.perf_counter()

    def on_validation_end(self, trainer, pl_module) -> None:
        synchronize(pl_module.device)
        seconds = time.perf_counter() - self._t_val
        pl_module.epoch_metrics[VAL_EPOCH_TIME] = seconds

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self._stop_train_clock(pl_module)  # only does anything in an epoch without validation


class StepClock:
    """Sums many separately timed stretches (one arm's steps, interleaved with other arms' in lockstep).

    CPU: the device is synchronized and time.perf_counter read around each stretch. CUDA: a pair of
    CUDA events per stretch, so no stretch waits for the device; seconds() synchronizes once, outside
    the timed region.
    """

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self._cuda = device.type == "cuda"
        self._start: float | torch.cuda.Event | None = None
        self._events: list[tuple[torch.cuda.Event, torch.cuda.Event]] = []
        self._seconds = 0.0

    def start(self) -> None:
        if self._cuda:
            self._start = torch.cuda.Event(enable_timing=True)
            self._start.record()
        else:
            synchronize(self.device)
            self._start = time.perf_counter()

    def stop(self) -> None:
        if self._cuda:
            end = torch.cuda.Event(enable_timing=True)
            end.record()
            self._events.append((self._start, end))
        else:
            synchronize(self.device)
            self._seconds += time.perf_counter() - self._start

    def seconds(self) -> float:
        """The stretches' total in seconds since the last call (which resets it)."""
        if self._events:
            torch.cuda.synchronize(self.device)
            self._seconds += sum(a.elapsed_time(b) for a, b in self._events) / 1000.0  # elapsed_time: ms
            self._events = []
        total, self._seconds = self._seconds, 0.0
        return total
