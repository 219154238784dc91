"""The harness's Lightning callbacks outside timing and stopping rules: per-epoch MLflow writes, derived per-epoch
metrics, and acting on a recorded Ctrl-C or SIGTERM (harness.core.interrupts) at batch and epoch ends."""
from __future__ import annotations

from typing import Mapping

import pytorch_lightning as pl

from harness.core import interrupts
from harness.store.tracking import Tracker


class StopOnSignal(pl.Callback):
    """Asks the Trainer to stop once a signal is recorded; the runner raises it after fit (the run ends KILLED).

    Stopping through `should_stop` instead of raising keeps Lightning's own KeyboardInterrupt path
    (which ignores further Ctrl-C and calls sys.exit) out of it.
    """

    def _stop_if_signalled(self, trainer) -> None:
        if interrupts.pending() is not None:
            trainer.should_stop = True

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self._stop_if_signalled(trainer)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self._stop_if_signalled(trainer)

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self._stop_if_signalled(trainer)

    def on_validation_end(self, trainer, pl_module) -> None:
        self._stop_if_signalled(trainer)


class EpochMetrics(pl.Callback):
    """Base for a callback that adds metrics derived from each epoch's figures (e.g. a validation - training loss gap).

    Subclasses implement `derive`; what it returns joins the epoch's metrics, so the run's history holds it and
    the MLflow recorder logs it with the epoch's other metrics (step = epoch). Pass instances to
    `harness.train.fit.train(..., extra_callbacks=[...])` (or `train_group(..., callbacks_for=...)`, fresh per arm),
    which puts them before the recorder: it runs after validation, outside the timed region, in solo and lockstep
    runs alike.
    """

    def derive(self, metrics: Mapping[str, float], epoch: int) -> dict[str, float]:
        """This epoch's new metrics from its figures so far (train/loss, val/loss, val/acc, ...); epoch is 1-based."""
        raise NotImplementedError

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        pl_module.epoch_metrics.update(self.derive(dict(pl_module.epoch_metrics), trainer.current_epoch + 1))


class MlflowEpochRecorder(pl.Callback):
    """Writes each epoch's figures to the run in one batch, at epoch end: after validation, outside the timed region."""

    def __init__(self, tracker: Tracker, run_id: str):
        self.tracker, self.run_id = tracker, run_id

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self.tracker.log_metrics(self.run_id, pl_module.epoch_metrics, step=trainer.current_epoch + 1)
