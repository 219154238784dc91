"""The harness's Lightning callbacks outside timing and stopping rules: per-epoch MLflow writes, and acting on a
recorded Ctrl-C or SIGTERM (harness.interrupts) at batch and epoch ends."""
from __future__ import annotations

import pytorch_lightning as pl

from harness import interrupts
from harness.tracking import Tracker


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


class MlflowEpochRecorder(pl.Callback):
    """Writes each epoch's figures to the run in one batch, at epoch end: after validation, outside the timed region."""

    def __init__(self, tracker: Tracker, run_id: str):
        self.tracker, self.run_id = tracker, run_id

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self.tracker.log_metrics(self.run_id, pl_module.epoch_metrics, step=trainer.current_epoch + 1)
