"""Diagnostics: independent callbacks off the timed path (gradient and activation health), chosen by config.diagnostics.

Each registry entry is a factory (config, tracker, run_id) -> pl.Callback. A diagnostic logs its own
per-layer metrics through the tracker (when there is one) and never runs inside the timed region.
"""
from __future__ import annotations

from typing import Callable

import pytorch_lightning as pl

from harness.registry import Registry

DiagnosticFactory = Callable[..., pl.Callback]  # (config, tracker | None, run_id | None) -> callback

DIAGNOSTICS: Registry[DiagnosticFactory] = Registry("diagnostic")
