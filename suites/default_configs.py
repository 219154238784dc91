"""The chapter's default configurations train within 2x of the best of a handful of alternatives on every small task, scored as AlgoPerf scores.

Source: the chapter's default-configuration table, which differs between editions (no figure; "works fine in
most cases"): 2nd edition He init, ELU, BN if deep, early stopping + l2, momentum / RMSProp / Nadam, 1cycle;
3rd edition He init, ReLU if shallow / Swish if deep, BN if deep, early stopping + weight decay, AdamW,
performance scheduling or 1cycle; and its self-normalizing configuration (Klambauer et al. 2017): LeCun init,
SELU, no BN, alpha dropout if needed, standardized inputs, with the 2nd edition's optimizer and schedule.
Scoring: AlgoPerf (Dahl et al. 2023), harness.stats.profiles (harness.within_best_other, harness.profile_section).

Arms (fields fixed here; "deep" = 20 hidden layers, "shallow" = 5):
- `2nd-ed`: he_normal, elu, BN before if deep, nadam with weight_decay 1e-4 (added to the gradient: that is l2
  in PyTorch for every optimizer but adamw), 1cycle;
- `3rd-ed`: he_normal, relu if shallow / silu (Swish) if deep, BN before if deep, adamw with decoupled
  weight_decay 0.01 (torch's default), performance scheduling (x0.5 after 2 epochs without a lower val/loss);
- `selu`: lecun_normal, selu, no BN, alpha dropout 0.1, nadam, 1cycle (inputs are standardized for every arm);
- `sgd-relu`: he_normal, relu, plain SGD, constant lr; `adam-relu`: he_normal, relu, Adam, constant lr.
"Early stopping" is what time to target measures: every run stops at its first epoch at the target
(stop_at_target); the budget is 10 epochs.
Tasks: digits (1797 examples), mnist1d (2000 of them) and synthetic (2000 examples, 20 features, 4 classes),
each at depth 5 and 20, width 32, batch 64. Targets (validation accuracy), fixed in advance below each task's
plateau from a pilot on seed 100 (never a judged seed), below where the pilot's better arms stood after 10 epochs
so that a good arm reaches it in a few: digits 0.9 / 0.8 (depth 5 / 20), mnist1d 0.35 / 0.35, synthetic 0.6 / 0.5
(TASKS below).
Each arm's lr is tuned per task on its own two-point grid (LRS; for 1cycle, the peak) by the lowest median time
to target over seeds 0 and 1, a miss counting as infinite (harness.judge.tuning, held out: those seeds are never
judged; a tie only where the medians are equal, e.g. both lrs missed, going to the first lr); the choice is in every
row's label. (Until 2026-12 the lr was chosen on the seeds then judged: with a default exactly 2x the best other arm
and its two lrs alike, its better-of-2 noisy medians read "within 2x" in 2.8-3.6% of simulated invocations against
the 2.5% allowed, at 6 seeds and sd 0.2 of log time; tests/suites/test_null_d.py.) With one lr per arm (ci) nothing is chosen and every seed is judged.

Verdicts (per task; time to target = timed training seconds, censored at the seconds spent when missed; paired
by seed over seeds 2-8, median and exact 95% interval): for each default (2nd-ed, 3rd-ed, selu), its time-to-target
ratio over the best other arm on that task (the lowest median time among the other four at their tuned lrs, on the
judged seeds) < 2. Choosing the fastest other arm by its median on the same seeds favours the comparator, so the
rule errs against the default (with two others alike at half the default's time, "refuted" in 2.6% of simulated
invocations at 8 seeds, 6 judged; chosen on seeds 0-1 instead, a slower arm taken for the best made "supported"
3.8-6.3%: the judged seeds keep this choice).
2 = within AlgoPerf's tau range [1, 4], a task on which the arm still earns 2/3 of its credit.
The performance profiles and scores (harness.stats.profiles: per task the median over seeds, a miss scores nothing)
are the descriptive summary, in `harness report default-configs`; they carry no interval.
"""
from __future__ import annotations

import functools

import pandas as pd

from harness import (RatioStatement, RunConfig, Suite, held_out_where_chosen, profile_section, profile_table,
                     time_to_target, within_best_other)

SHALLOW, DEEP = 5, 20
# task -> (dataset, depth, target val acc); targets from the seed-100 pilot (see the docstring)
TASKS = {"digits-5": ("digits", SHALLOW, 0.9), "digits-20": ("digits", DEEP, 0.8),
         "mnist1d-5": ("mnist1d", SHALLOW, 0.35), "mnist1d-20": ("mnist1d", DEEP, 0.35),
         "synthetic-5": ("synthetic", SHALLOW, 0.6), "synthetic-20": ("synthetic", DEEP, 0.5)}
ARM_FIELDS = ("activation", "init", "norm", "optimizer", "weight_decay", "schedule", "dropout", "dropout_kind")
LRS = {"2nd-ed": (3e-3, 1e-2), "3rd-ed": (1e-3, 3e-3), "selu": (3e-3, 1e-2), "sgd-relu": (0.03, 0.1),
       "adam-relu": (1e-3, 3e-3)}
TUNING_SEEDS = 2  # seeds 0, 1 choose each arm's lr per task and are never judged
# Seed noise: sd over seeds of log time to target, 0.08-0.32 over the cells of two ci-scale runs (2026-12, AMD EPYC,
# seeds 0-1, digits-5 and synthetic-5; no default-scale run was at hand): the null tests draw with 0.3.
NOISE = 0.3
DEFAULTS = ("2nd-ed", "3rd-ed", "selu")  # the arms judged; the others are the alternatives


def arm_fields(name: str, depth: int) -> dict:
    """The configuration fields of one arm at one depth (BN and Swish only where the table says 'if deep')."""
    deep = depth >= DEEP
    bn = "before" if deep else "none"
    plain = dict(norm="none", weight_decay=0.0, schedule="constant", dropout=0.0, dropout_kind="plain")
    arms = {
        "2nd-ed": {**plain, "activation": "elu", "init": "he_normal", "norm": bn, "optimizer": "nadam",
                   "weight_decay": 1e-4, "schedule": "1cycle"},
        "3rd-ed": {**plain, "activation": "silu" if deep else "relu", "init": "he_normal", "norm": bn,
                   "optimizer": "adamw", "weight_decay": 0.01, "schedule": "performance"},
        "selu": {**plain, "activation": "selu", "init": "lecun_normal", "optimizer": "nadam", "schedule": "1cycle",
                 "dropout": 0.1, "dropout_kind": "alpha"},
        "sgd-relu": {**plain, "activation": "relu", "init": "he_normal", "optimizer": "sgd"},
        "adam-relu": {**plain, "activation": "relu", "init": "he_normal", "optimizer": "adam"},
    }
    return arms[name]


GRID_KEY = ("dataset", "depth", "target_value", *ARM_FIELDS, "lr")
POINTS = tuple((dataset, depth, target, *(arm_fields(name, depth)[f] for f in ARM_FIELDS), lr)
               for dataset, depth, target in TASKS.values() for name in LRS for lr in LRS[name])
WITHIN = {name: RatioStatement(f"{name} trains within 2x of the best other arm", "time-to-target ratio",
                               time_to_target, "<", 2.0) for name in DEFAULTS}


@functools.lru_cache(maxsize=None)
def _arms_at(depth: int) -> tuple:
    """((name, ((field, value), ...)), ...) at a depth: arm_fields once per depth (a null simulation names runs
    thousands of times)."""
    return tuple((n, tuple(arm_fields(n, depth).items())) for n in LRS)


def arm_name(fields) -> str:
    """The arm whose configuration these fields are (a run's row, a grid point as a dict)."""
    return next(n for n, items in _arms_at(int(fields["depth"])) if all(fields[f] == v for f, v in items))


def named(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs with columns 'task' and 'name' (the arm) read back from their fields."""
    task_of = {(d, depth): task for task, (d, depth, _) in TASKS.items()}
    rows = runs[["dataset", "depth", *ARM_FIELDS]].to_dict("records")
    return runs.assign(task=[task_of[(r["dataset"], int(r["depth"]))] for r in rows], name=[arm_name(r) for r in rows])


def held_out(runs: pd.DataFrame):
    """select_on for the tuning: seeds 0-1 choose where some arm has an lr to choose; None (every seed judged) where
    every arm runs at one lr (ci)."""
    return held_out_where_chosen(runs, ["dataset", "depth", *ARM_FIELDS], TUNING_SEEDS)


def judge(runs):
    """Per task, each default at its tuned lr against the fastest other arm at its own (harness.within_best_other)."""
    return within_best_other(named(runs), WITHIN, task="task", arm="name", select_on=held_out(runs))


def profiles(runs, out_dir):
    """The report's performance profiles and scores (harness.profile_section) of the tuned arms, on the judged seeds."""
    return profile_section(profile_table(named(runs), task="task", arm="name", select_on=held_out(runs)), out_dir)


CI_TASKS = (("digits", SHALLOW), ("synthetic", SHALLOW))
CI_POINTS = tuple(p for p in POINTS if (p[0], p[1]) in CI_TASKS and p[-1] == LRS[arm_name(dict(zip(GRID_KEY, p)))][0])
SUITE = Suite(
    name="default-configs",
    claim="the chapter's default configurations (2nd and 3rd edition, self-normalizing) train within 2x of the best "
          "of a handful of alternatives on every small task, scored as AlgoPerf scores",
    source="Geron, Hands-On ML, ch. 'Training Deep Neural Networks' (default DNN configuration tables, 2nd and 3rd "
           "ed.); Klambauer et al. 2017; AlgoPerf scoring (Dahl et al. 2023)",
    base=RunConfig(n_samples=2000, n_classes=4, width=32, batch_size=64, max_epochs=10, stop_at_target=True,
                   patience=2, decay_factor=0.5, threads=1),
    grid={GRID_KEY: POINTS},
    seeds=9,  # 2 choose the lrs, 7 are judged: one look at 9 seeds judges at 96.1% ([x2, x8]), which
    #  7 pairs' [min, max] (98.4%) can bound; 8 seeds' look (99.2%) needs 8 pairs, so 6 judged could never decide
    max_seeds=9,  # one look: 540 runs; 241 s wall (236 s CPU) on 2026-12-07 (Intel Xeon, load 1), within the 5-minute
    #  budget there; 1196 s wall (528 s CPU) on 2026-12-06 (AMD EPYC, load 3-4): the price of held-out tuning (2 of 9
    #  seeds choose)
    judge=judge,
    report_section=profiles,
    # rows: 'digits-5, 2nd-ed vs sgd-relu (tuned: lr 0.003 vs 0.03)'; runs: 'digits, depth 5, elu, nadam, wd 0.0001,
    # 1cycle, lr 0.003' (a task's target and an arm's init follow from the rest: unsaid)
    words={"task": "{}", "name": "{}", "dataset": "{}", "depth": "depth {}", "target_value": None, "init": None,
           "activation": "{}", "norm": {"none": "", "before": "BN"}, "optimizer": "{}",
           "weight_decay": lambda w: f"wd {w:g}" if w else "", "schedule": "{}",
           "dropout": lambda d: f"dropout {d:g}" if d else "", "dropout_kind": {"plain": "", "alpha": "alpha"}},
    # ci: two shallow tasks, every arm at its first lr (no tuning), 2 seeds: structure only
    scales={"ci": {"seeds": 2, "grid": {GRID_KEY: CI_POINTS}}, "nightly": {"seeds": 12, "max_seeds": 12}},
)
