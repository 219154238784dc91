"""A Lightning callback that acts on a recorded Ctrl-C or SIGTERM (harness.interrupts) at batch and epoch ends."""
from __future__ import annotations

import pytorch_lightning as pl

from harness import interrupts


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
