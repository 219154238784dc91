"""Console noise: what the harness silences so its own output (progress, verdicts) stays readable."""
from __future__ import annotations

import logging
import warnings

QUIET_LOGGERS = ("pytorch_lightning", "lightning.pytorch", "lightning_fabric", "lightning", "alembic", "mlflow")


def quiet() -> None:
    """Lightning's per-Trainer banners would drown the progress bar; warnings stay visible once per kind."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*treespec.*")  # a Lightning-internal deprecation, not the user's
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")
