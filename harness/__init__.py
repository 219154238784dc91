"""harness: textbook claims about training deep networks, measured and judged.

`import harness` stays light: the public API (README, "Your model, your data, your CI") is imported on first use.
"""
from __future__ import annotations

import importlib

from harness.version import __version__

# public name -> the module that defines it; resolved lazily by __getattr__ (PEP 562)
_PUBLIC = {
    "RunConfig": "harness.config.run_config", "ConfigError": "harness.config.run_config",
    "Suite": "harness.judge.suite",
    "register_model": "harness.nn.models", "build_model": "harness.nn.models",
    "register_dataset": "harness.data.datasets",
    "Verdict": "harness.judge.verdict", "RatioStatement": "harness.judge.verdict", "DifferenceStatement": "harness.judge.verdict",
    "ThresholdStatement": "harness.judge.verdict", "all_of": "harness.judge.verdict", "select": "harness.judge.verdict",
    "Subject": "harness.judge.subject",
    "epochs_to_target": "harness.judge.measures", "time_to_target": "harness.judge.measures",
    "median_epoch_time": "harness.judge.measures", "final_val_acc": "harness.judge.measures", "column": "harness.judge.measures",
    "paired": "harness.api", "thresholds": "harness.api", "run": "harness.api", "load_suite_file": "harness.api",
    "suites_in": "harness.api", "find_suite": "harness.api", "installed_suites": "harness.api",
    "load_plugins": "harness.api",
    "effect_history": "harness.report.history", "check": "harness.report.history",
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
