"""harness: textbook claims about training deep networks, measured and judged.

`import harness` stays light: the public API (README, "Your model, your data, your CI") is imported on first use.
"""
from __future__ import annotations

import importlib

from harness.version import __version__

# public name -> the module that defines it; resolved lazily by __getattr__ (PEP 562)
_PUBLIC = {
    "RunConfig": "harness.config", "ConfigError": "harness.config",
    "Suite": "harness.suite",
    "register_model": "harness.model_registry", "build_model": "harness.model_registry",
    "register_dataset": "harness.datasets",
    "Verdict": "harness.verdict", "RatioStatement": "harness.verdict", "DifferenceStatement": "harness.verdict",
    "ThresholdStatement": "harness.verdict", "all_of": "harness.verdict", "select": "harness.verdict",
    "epochs_to_target": "harness.measures", "time_to_target": "harness.measures",
    "median_epoch_time": "harness.measures", "final_val_acc": "harness.measures", "column": "harness.measures",
    "paired": "harness.api", "thresholds": "harness.api", "run": "harness.api", "load_suite_file": "harness.api",
    "suites_in": "harness.api", "find_suite": "harness.api", "installed_suites": "harness.api",
    "load_plugins": "harness.api",
    "effect_history": "harness.history", "check": "harness.history",
}
__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'harness' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once resolved, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
