"""Where time is measured: training steps only, device-synchronized; validation accounted apart."""
from __future__ import annotations

import time

import pytorch_lightning as pl
import torch


def synchronize(device: torch.device) -> None:
    """Wait for queued device work so a clock read covers it (a no-op on CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class EpochTimer(pl.Callback):
    """Times each epoch's training steps: from epoch start to the end of its last training batch.

    Lightning's bookkeeping after that batch and its switch to validation (model.eval(), zero_grad:
    ~1 ms per epoch, ~1% of a 20x100 digits epoch) are not training steps; they land in the run's
    overhead_time_s. If the last batch is not recognised (e.g. limit_train_batches), the clock
    stops when validation starts, or at epoch end without validation. Validation, the per-epoch
    metric logging (which runs at epoch end, after validation) and any checkpointing lie outside
    the timed region; validation gets its own clock. The device is
    synchronized before every clock read, so queued GPU kernels are counted where they belong.
    """

    def __init__(self) -> None:
        self._t_train: float | None = None
        self._t_val: float | None = None

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        synchronize(pl_module.device)
        self._t_train = time.perf_counter()

    def _stop_train_clock(self, pl_module) -> None:
        if self._t_train is None:
            return
        synchronize(pl_module.device)
        seconds = time.perf_counter() - self._t_train
        self._t_train = None
        pl_module.epoch_metrics["train/epoch_time_s"] = seconds

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
        pl_module.epoch_metrics["val/time_s"] = seconds

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self._stop_train_clock(pl_module)  # only does anything in an epoch without validation
