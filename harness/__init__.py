"""harness: textbook claims about training deep networks, measured and judged.

`import harness` stays light: the public API (docs/your-claim.md, docs/api.md) is imported on first use.
"""
from __future__ import annotations

import importlib

from harness.version import __version__

# public name -> the module that defines it; resolved lazily by __getattr__ (PEP 562). A shipped suite imports
# only these (tests/test_layers.py checks), as a user's suite does (docs/your-claim.md, docs/api.md).
_PUBLIC = {
    # a suite and one run's settings
    "Suite": "harness.judge.suite", "Curves": "harness.judge.suite", "RunConfig": "harness.config.run_config",
    "ConfigError": "harness.config.run_config",
    # what a verdict row is about and what it claims
    "Verdict": "harness.judge.verdict", "Rule": "harness.judge.verdict", "PairedStatement": "harness.judge.verdict",
    "RatioStatement": "harness.judge.verdict", "DifferenceStatement": "harness.judge.verdict",
    "ThresholdStatement": "harness.judge.verdict", "all_of": "harness.judge.verdict", "select": "harness.judge.verdict",
    "Subject": "harness.judge.subject",
    "WITHIN_RATIO": "harness.stats.bounds", "WITHIN_DIFFERENCE": "harness.stats.bounds",
    # per-run measures a statement reads
    "Measured": "harness.stats.median", "two_seed_range": "harness.stats.median", "at_level": "harness.stats.median",
    "current_level": "harness.stats.median",
    "epochs_to_target": "harness.judge.measures", "time_to_target": "harness.judge.measures",
    "median_epoch_time": "harness.judge.measures", "final_val_acc": "harness.judge.measures", "column": "harness.judge.measures",
    "accuracy_or_zero_if_diverged": "harness.judge.measures",
    "accuracy_floored_at_chance": "harness.judge.measures", "log_distance_from_one": "harness.judge.measures",
    "reached_target": "harness.judge.measures", "PairFilter": "harness.judge.measures",
    "BOTH_REACHED": "harness.judge.measures",
    # judges: the rule engines, tuned arms, AlgoPerf-style scoring
    "paired": "harness.api", "thresholds": "harness.api",
    "paired_verdicts": "harness.judge.rules", "threshold_verdicts": "harness.judge.rules",
    "spread_verdicts": "harness.judge.rules", "best_rows": "harness.judge.rules", "Arms": "harness.judge.rules",
    "largest_passing_ratio_verdict": "harness.judge.rules", "every_row": "harness.judge.rules", "tuned": "harness.judge.tuning",
    "first_seeds": "harness.judge.tuning", "held_out_where_chosen": "harness.judge.tuning",
    "time_or_miss": "harness.judge.scoring", "tuned_per_task": "harness.judge.scoring",
    "within_best_other": "harness.judge.scoring", "profile_table": "harness.judge.scoring",
    "share_near_best": "harness.judge.landscape", "best_shift": "harness.judge.landscape",
    "whole_grid": "harness.judge.landscape", "grid_cube": "harness.judge.landscape",
    "rescue_verdicts": "harness.judge.rescue", "rescue_rule": "harness.judge.rescue",
    "profile_section": "harness.report.profile_plot",
    # synthetic runs tables for a suite's flip and null tests
    "runs_table": "harness.judge.simulated", "reached": "harness.judge.simulated", "censored": "harness.judge.simulated",
    "outcomes": "harness.judge.simulated", "Null": "harness.judge.nullsim", "null_rates": "harness.judge.nullsim",
    # models, data and the pieces a measurement (Suite.measure) or a callback (Suite.callbacks) is built from
    "register_model": "harness.nn.models", "build_model": "harness.nn.models", "register_dataset": "harness.data.datasets",
    "load_data": "harness.data.datamodule", "idx_files_present": "harness.data.datasets",
    "make_optimizer": "harness.nn.optimizers", "optimizer_steps": "harness.nn.optimizers",
    "fuse_bn": "harness.nn.fusion", "count_batchnorm": "harness.nn.fusion",
    "inference_latency": "harness.train.inference",
    "EpochMetrics": "harness.train.callbacks", "LossGap": "harness.train.derived",
    "NearZeroShare": "harness.train.derived", "MCDropoutCost": "harness.train.derived",
    # the MLflow contract's metric names a suite reads or targets (harness.core.contract: the one place they are spelt)
    **{name: "harness.core.contract" for name in (
        "VAL_ACC", "VAL_LOSS", "TRAIN_LOSS", "TRAIN_ACC", "TRAIN_EVAL_LOSS", "EPOCH_TIME", "CONVERGED",
        "EPOCHS_TO_TARGET", "TIME_TO_TARGET", "MEDIAN_EPOCH_TIME", "FINAL_VAL_ACC", "FINAL_VAL_LOSS", "WALL_TIME", "LOSS_GAP",
        "LOSS_GAP_AT_MATCH", "NEAR_ZERO_SHARE", "MC_LATENCY_RATIO", "MC_SECONDS_PER_PASS", "VAL_ECE", "VAL_MC_NLL",
        "VAL_MC_ECE", "VAL_MC_ACC")},
    # suites from files and installed packages, a run in a call, regression tracking
    "run": "harness.api", "load_suite_file": "harness.api", "suites_in": "harness.api", "find_suite": "harness.api",
    "installed_suites": "harness.api", "load_plugins": "harness.api",
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
