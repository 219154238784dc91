"""Runs one configuration through the shared trainer and records it; runs a suite's grid."""
from __future__ import annotations

import math
import signal
import statistics
import time
import traceback
from dataclasses import dataclass, field

import pytorch_lightning as pl
import torch

from harness.callbacks import Convergence, DivergenceStop, StopReason
from harness.config import RunConfig
from harness.data import InMemoryDataModule
from harness.hardware import environment_tags
from harness.model import build_mlp
from harness.system import ClassifierSystem
from harness.timing import EpochTimer
from harness.tracking import MlflowEpochRecorder, Tracker
from harness.trainer import make_trainer


@dataclass
class RunResult:
    config: RunConfig
    history: list[dict[str, float]]  # per epoch: train/loss, train/epoch_time_s, val/loss, val/acc, val/time_s
    stop_reason: str
    epochs_to_target: int | None  # 1-based epoch that first reached the target; None = censored
    wall_time_s: float  # seconds, data setup + fit, evaluation included
    run_id: str | None = None
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def converged(self) -> bool:
        return self.epochs_to_target is not None

    @property
    def epoch_times(self) -> list[float]:
        return [h["train/epoch_time_s"] for h in self.history if "train/epoch_time_s" in h]

    @property
    def time_to_target_s(self) -> float | None:
        """Timed training seconds up to and including the target epoch."""
        if self.epochs_to_target is None:
            return None
        return sum(self.epoch_times[: self.epochs_to_target])

    def summary(self) -> dict[str, float]:
        """The contract's summary metrics (epochs/time to target only when converged) plus accounting."""
        train_s = sum(self.epoch_times)
        val_s = sum(h.get("val/time_s", 0.0) for h in self.history)
        out = {
            "converged": float(self.converged),
            "wall_time_s": self.wall_time_s,
            "median_epoch_time_s": statistics.median(self.epoch_times) if self.epoch_times else math.nan,
            "epochs_run": float(len(self.history)),
            "train_time_s": train_s,  # all timed training seconds
            "val_time_s": val_s,  # all validation seconds, outside the timed region
            "overhead_time_s": self.wall_time_s - train_s - val_s,  # setup, hooks, logging
        }
        if self.converged:
            out["epochs_to_target"] = float(self.epochs_to_target)
            out["time_to_target_s"] = self.time_to_target_s
        if self.history:
            out["final_val_acc"] = self.history[-1].get("val/acc", math.nan)
            out["final_val_loss"] = self.history[-1].get("val/loss", math.nan)
        return {**out, **self.extra}


def run_name(config: RunConfig) -> str:
    return f"{config.activation}-{config.norm}-s{config.seed}"


def train(config: RunConfig, tracker: Tracker | None = None, experiment: str = "train",
          parent_run_id: str | None = None, extra_callbacks: list[pl.Callback] | None = None,
          **trainer_overrides) -> RunResult:
    """Train one configuration; with a tracker, record it as one (child) run.

    An exception marks the run FAILED with its traceback attached and is re-raised; Ctrl-C marks
    it KILLED. A finished run is never touched again.
    """
    config = config.resolved()
    torch.set_num_threads(config.threads)
    pl.seed_everything(config.seed, verbose=False)

    timer, convergence = EpochTimer(), Convergence(config)
    callbacks: list[pl.Callback] = [timer, convergence, DivergenceStop(), StopReason(), *(extra_callbacks or [])]
    run_id = None
    if tracker is not None:
        tags = {**environment_tags(config.device, config.threads), "config_id": config.config_id}
        run_id = tracker.start_child(experiment, parent_run_id, run_name(config), config.as_params(), tags)
        callbacks.append(MlflowEpochRecorder(tracker, run_id))
    from harness.diagnostics import DIAGNOSTICS

    for name in config.diagnostic_names:
        callbacks.append(DIAGNOSTICS.get(name)(config, tracker, run_id))
    try:
        t0 = time.perf_counter()
        datamodule = InMemoryDataModule(config)
        datamodule.setup("fit")
        system = ClassifierSystem(build_mlp(config, datamodule.n_features, datamodule.n_classes), config)
        trainer = make_trainer(config, callbacks, **trainer_overrides)
        trainer.fit(system, datamodule=datamodule)
        wall = time.perf_counter() - t0
    except (KeyboardInterrupt, SystemExit):
        # Lightning catches Ctrl-C inside fit, ignores further SIGINTs and calls sys.exit(1):
        # restore Ctrl-C and surface it as the interruption it was.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if run_id is not None:
            tracker.set_tags(run_id, {"stop_reason": "interrupted"})
            tracker.finish(run_id, "KILLED")
        raise KeyboardInterrupt from None
    except Exception:  # recorded, then re-raised: the store must not keep a run marked RUNNING
        if run_id is not None:
            tracker.client.log_text(run_id, traceback.format_exc(), "traceback.txt")
            tracker.set_tags(run_id, {"stop_reason": "failed"})
            tracker.finish(run_id, "FAILED")
        raise
    result = RunResult(config, system.history, system.stop_reason, convergence.epoch, wall, run_id)
    if run_id is not None:
        tracker.log_metrics(run_id, result.summary())
        tracker.set_tags(run_id, {"stop_reason": result.stop_reason})
        tracker.finish(run_id)
    return result


def measure(fn, config: RunConfig, tracker: Tracker | None = None, experiment: str = "measure",
            parent_run_id: str | None = None) -> dict:
    """Record a measurement that is not a training run (a forward pass at init, inference latency) as one child run.

    fn(config) -> {metric: float or list of floats}; a list is logged with step = index + 1 (e.g.
    one value per layer). Threads and seed are pinned as for training; an exception marks the run
    FAILED with its traceback, Ctrl-C marks it KILLED.
    """
    config = config.resolved()
    torch.set_num_threads(config.threads)
    pl.seed_everything(config.seed, verbose=False)
    run_id = None
    if tracker is not None:
        tags = {**environment_tags(config.device, config.threads), "config_id": config.config_id}
        run_id = tracker.start_child(experiment, parent_run_id, run_name(config), config.as_params(), tags)
    try:
        t0 = time.perf_counter()
        metrics = fn(config)
        wall = time.perf_counter() - t0
    except KeyboardInterrupt:
        if run_id is not None:
            tracker.set_tags(run_id, {"stop_reason": "interrupted"})
            tracker.finish(run_id, "KILLED")
        raise
    except Exception:  # recorded, then re-raised, as in train()
        if run_id is not None:
            tracker.client.log_text(run_id, traceback.format_exc(), "traceback.txt")
            tracker.set_tags(run_id, {"stop_reason": "failed"})
            tracker.finish(run_id, "FAILED")
        raise
    if run_id is not None:
        scalars = {k: float(v) for k, v in metrics.items() if not isinstance(v, (list, tuple))}
        tracker.log_metrics(run_id, {**scalars, "wall_time_s": wall})
        for key, values in metrics.items():
            if isinstance(values, (list, tuple)):
                for i in range(0, len(values), 900):  # MLflow caps a batch at 1000 metrics
                    chunk = values[i:i + 900]
                    now = int(time.time() * 1000)
                    from mlflow.entities import Metric

                    tracker.client.log_batch(run_id, metrics=[Metric(key, float(v), now, i + j + 1) for j, v in enumerate(chunk)])
        tracker.set_tags(run_id, {"stop_reason": "measured"})
        tracker.finish(run_id)
    return metrics


@dataclass
class SuiteResult:
    parent_run_id: str
    verdicts: list  # harness.verdict.Verdict rows
    runs: "object"  # pandas DataFrame of the finished child runs, as stored
    failures: list[tuple[RunConfig, str]]  # configs whose run raised, with the one-line error
    header: str


def verdict_header(suite, runs) -> str:
    """The evidence line every verdict table carries: claim, source, seeds, interval, hardware."""
    from harness.stats import LEVEL

    first = runs.iloc[0] if len(runs) else None
    hw = (f"{first['device']} ({first['device_type']}), threads {first['threads']}, torch {first['torch_version']}, "
          f"lightning {first['lightning_version']}") if first is not None else "no finished runs"
    n_seeds = runs["seed"].nunique() if len(runs) else 0
    return (f"{suite.name}: {suite.claim}\nsource: {suite.source}\n"
            f"evidence: {len(runs)} finished runs, {n_seeds} seeds; effect = median over seeds, "
            f"{int(LEVEL * 100)}% bootstrap interval over seeds\nmeasured on: {hw}\n")


def judge_and_record(suite, tracker: Tracker, parent_run_id: str):
    """Judge a suite's finished runs as stored and attach the verdict to the parent run."""
    import json
    import re

    from harness.results import load_runs
    from harness.verdict import format_table

    runs = load_runs(tracker.client, suite.name, parent_run_id)
    verdicts = suite.judge(runs) if len(runs) else []
    header = verdict_header(suite, runs)
    table = format_table(verdicts, header)
    tracker.client.log_text(parent_run_id, table + "\n", "verdict.txt")
    tracker.client.log_text(parent_run_id, json.dumps([v.as_dict() for v in verdicts], indent=1, default=str),
                            "verdict.json")
    metrics, tags = {}, {}
    for v in verdicts:
        slug = re.sub(r"[^A-Za-z0-9_./-]+", "_", f"{v.group}/{v.metric}")
        if math.isfinite(v.effect):
            metrics[f"effect/{slug}"] = v.effect
        tags[f"verdict/{slug}"] = v.outcome
    for i in range(0, len(tags), 90):  # MLflow caps a batch at 100 tags
        tracker.set_tags(parent_run_id, dict(list(tags.items())[i:i + 90]))
    if metrics:
        tracker.log_metrics(parent_run_id, metrics)
    return verdicts, runs, header


def run_suite(suite, tracker: Tracker, configs: list[RunConfig], scale: str = "default",
              progress: bool = True) -> SuiteResult:
    """Run every config as a child of one new parent run, then judge the finished runs.

    A run that raises is recorded FAILED (traceback attached) and the suite goes on; Ctrl-C marks
    the active run and the parent KILLED, keeps every finished run, and propagates.
    """
    from tqdm.auto import tqdm

    first = configs[0]
    tags = {**environment_tags(first.device, first.threads), "scale": scale,
            "n_configs": str(len(configs)), "seeds": str(len({c.seed for c in configs})), "claim": suite.claim[:4000]}
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    parent = tracker.start_parent(suite.name, f"{suite.name} {stamp}", tags)
    failures = []
    try:
        for config in tqdm(configs, desc=suite.name, unit="run", disable=not progress, dynamic_ncols=True):
            try:
                if suite.run is None:
                    train(config, tracker, suite.name, parent)
                else:
                    suite.run(config, tracker, suite.name, parent)
            except (ValueError, RuntimeError, FloatingPointError, MemoryError, OSError) as e:
                # Recorded FAILED with its traceback by train(); the other runs still count.
                failures.append((config, f"{type(e).__name__}: {e}".splitlines()[0]))
        verdicts, runs, header = judge_and_record(suite, tracker, parent)
    except KeyboardInterrupt:
        tracker.finish(parent, "KILLED")
        raise
    tracker.finish(parent, "FINISHED" if not failures else "FAILED")
    return SuiteResult(parent, verdicts, runs, failures, header)
