"""Runs one configuration through the shared trainer and records it; runs a suite's grid."""
from __future__ import annotations

import contextlib
import math
import os
import signal
import statistics
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field

import pytorch_lightning as pl
import torch

from harness.callbacks import Convergence, DivergenceStop, StopReason
from harness.config import ConfigError, RunConfig
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


def _start(config: RunConfig, tracker: Tracker | None, experiment: str,
           parent_run_id: str | None) -> tuple[RunConfig, str | None]:
    """Resolve the device, pin threads and seed, and open the child run (when recording): (config, run_id)."""
    config = config.resolved()
    torch.set_num_threads(config.threads)
    pl.seed_everything(config.seed, verbose=False)
    if tracker is None:
        return config, None
    tags = {**environment_tags(config.device, config.threads), "config_id": config.config_id}
    return config, tracker.start_child(experiment, parent_run_id, run_name(config), config.as_params(), tags)


@contextlib.contextmanager
def _recorded(tracker: Tracker | None, run_id: str | None):
    """Ctrl-C ends the run KILLED; an exception ends it FAILED with its traceback attached. Both re-raise,
    so the store never keeps a run marked RUNNING by a process that is still alive."""
    try:
        yield
    except KeyboardInterrupt:
        if run_id is not None:
            tracker.finish(run_id, "KILLED", stop_reason="interrupted")
        raise
    except Exception:  # recorded, then re-raised
        if run_id is not None:
            tracker.client.log_text(run_id, traceback.format_exc(), "traceback.txt")
            tracker.finish(run_id, "FAILED", stop_reason="failed")
        raise


def train(config: RunConfig, tracker: Tracker | None = None, experiment: str = "train",
          parent_run_id: str | None = None, extra_callbacks: list[pl.Callback] | None = None,
          **trainer_overrides) -> RunResult:
    """Train one configuration; with a tracker, record it as one (child) run.

    An exception marks the run FAILED with its traceback attached and is re-raised; Ctrl-C marks
    it KILLED. A finished run is never touched again.
    """
    if int(os.environ.get("LOCAL_RANK", "0")) > 0 or int(os.environ.get("NODE_RANK", "0")) > 0:
        tracker = None  # a process Lightning launched for another DDP rank: rank 0 alone records the run
    config, run_id = _start(config, tracker, experiment, parent_run_id)

    timer, convergence = EpochTimer(), Convergence(config)
    callbacks: list[pl.Callback] = [timer, convergence, DivergenceStop(), StopReason(), *(extra_callbacks or [])]
    if run_id is not None:
        callbacks.append(MlflowEpochRecorder(tracker, run_id))
    from harness.diagnostics import DIAGNOSTICS

    for name in config.diagnostic_names:
        callbacks.append(DIAGNOSTICS.get(name)(config, tracker, run_id))
    with _recorded(tracker, run_id):
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
            raise KeyboardInterrupt from None
    result = RunResult(config, system.history, system.stop_reason, convergence.epoch, wall, run_id)
    if run_id is not None:
        tracker.log_metrics(run_id, result.summary())
        tracker.finish(run_id, stop_reason=result.stop_reason)
    return result


def measure(fn, config: RunConfig, tracker: Tracker | None = None, experiment: str = "measure",
            parent_run_id: str | None = None) -> dict:
    """Record a measurement that is not a training run (a forward pass at init, inference latency) as one child run.

    fn(config) -> {metric: float or list of floats}; a list is logged with step = index + 1 (e.g.
    one value per layer). Threads and seed are pinned as for training; an exception marks the run
    FAILED with its traceback, Ctrl-C marks it KILLED.
    """
    config, run_id = _start(config, tracker, experiment, parent_run_id)
    with _recorded(tracker, run_id):
        t0 = time.perf_counter()
        metrics = fn(config)
        wall = time.perf_counter() - t0
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
        tracker.finish(run_id, stop_reason="measured")
    return metrics


@dataclass
class SuiteResult:
    parent_run_id: str
    verdicts: list  # harness.verdict.Verdict rows
    runs: "object"  # pandas DataFrame of the finished child runs, as stored
    failures: list[tuple[RunConfig, str]]  # configs whose run raised, with the one-line error
    header: str
    reused: int = 0  # finished runs taken from earlier invocations instead of rerun (resume)


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


def select_runs(runs, config_ids):
    """The runs that stand for a grid: this harness version's, one per config_id (the newest), in start order."""
    import harness

    if runs.empty:
        return runs
    keep = runs["config_id"].isin(set(config_ids)) & (runs["harness_version"] == harness.__version__)
    runs = runs[keep].sort_values("start_time", kind="stable")
    return runs.drop_duplicates("config_id", keep="last").reset_index(drop=True)


def judge_and_record(suite, tracker: Tracker, parent_run_id: str, config_ids=None):
    """Judge a suite's finished runs as stored and attach the verdict to the parent run.

    config_ids=None judges the parent's own children. With config_ids (what run_suite passes), it
    judges the grid: for each config_id the newest FINISHED child of this harness version, under
    whichever parent it ran (a resumed invocation reuses earlier invocations' runs); the run ids
    judged are attached to the parent as judged_runs.json.
    """
    import json
    import re

    from harness.results import load_runs
    from harness.verdict import format_table

    if config_ids is None:
        runs = load_runs(tracker.client, suite.name, parent_run_id)
    else:
        runs = select_runs(load_runs(tracker.client, suite.name), config_ids)
        judged = runs["run_id"].tolist() if len(runs) else []
        tracker.client.log_text(parent_run_id, json.dumps(judged, indent=1), "judged_runs.json")
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


class Terminated(KeyboardInterrupt):
    """SIGTERM, surfaced as an interruption so the same clean-up runs as for Ctrl-C (the CLI exits 143, not 130)."""


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """While a suite runs, SIGTERM interrupts it like Ctrl-C; yields a list that holds the signal once one came."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield received
        return

    def handler(signum, frame):
        received.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)


def absolute_uri(uri: str) -> str:
    """A relative sqlite:/// path made absolute, so worker processes and Ray tasks open the same file."""
    from harness.tracking import _sqlite_path

    path = _sqlite_path(uri)
    return f"sqlite:///{path.resolve()}" if path is not None and not path.is_absolute() else uri


ENGINES = ("local", "ray")


def run_suite(suite, tracker: Tracker, configs: list[RunConfig], scale: str = "default",
              progress: bool = True, *, workers: int = 1, force: bool = False, engine: str = "local",
              ray_address: str | None = None, pack: int = 0, parallel_timing: bool = False) -> SuiteResult:
    """Run the configs not yet finished in the store as children of one new parent run, then judge the grid.

    Resume: a config whose config_id already has a FINISHED child of this harness version (under any
    earlier parent) is skipped unless `force`; failed, killed and abandoned ones are rerun. The new
    parent judges the whole grid from the store: the newest finished run of each config_id.
    Engines: `local` runs in this process (workers=1) or in `workers` worker processes; `ray` on a
    Ray cluster. A timing suite is never run side by side unless `parallel_timing`, and then every
    run says so in its tags.
    A run that raises is recorded FAILED (traceback attached) and the suite goes on; Ctrl-C or
    SIGTERM marks the active runs and the parent KILLED, keeps every finished run, and propagates
    (SIGTERM as Terminated).
    """
    from harness.parallel import run_local_pool, run_serial
    from harness.preflight import check_runnable
    from harness.resume import PROC_TAG, finished_runs, kill_running_children, sweep_abandoned, this_process

    if engine not in ENGINES:
        raise ConfigError(f"invalid engine {engine!r}; valid: {', '.join(ENGINES)}")
    if workers < 1:
        raise ConfigError(f"invalid workers {workers!r}; must be >= 1")
    if pack < 0:
        raise ConfigError(f"invalid pack {pack!r}; must be >= 0 (0 = automatic)")
    side_by_side = workers > 1 or engine == "ray"
    if side_by_side and suite.timing and not parallel_timing:
        raise ConfigError(f"suite {suite.name!r} judges wall-clock time, and runs measured side by side are not "
                          f"comparable; run it with --workers 1 --engine local (or pass --parallel-timing to do it "
                          f"anyway, tagged harness.parallel_timing=true)")
    multi = sorted({c.strategy for c in configs if c.strategy != "auto"})
    if multi:  # Lightning would relaunch the whole `harness run` command once per extra rank
        raise ConfigError(f"invalid strategy {multi[0]!r} in a suite: multi-process strategies are for single runs "
                          f"(harness train); parallelize a suite with --workers or --engine ray")
    check_runnable(configs)
    uri = absolute_uri(tracker.uri)

    sweep_abandoned(tracker, suite.name)  # runs a SIGKILLed invocation left RUNNING: KILLED, so rerun below
    ids = {c.config_id for c in configs}
    done = {} if force else finished_runs(tracker, suite.name, ids)
    todo = [c for c in configs if c.config_id not in done]

    ray_started, cpus = False, 0
    if engine == "ray":
        from harness.cluster import connect

        ray_started, cpus = connect(ray_address, uri)

    child_tags = {}
    if side_by_side:
        child_tags = {"harness.workers": str(workers), "harness.engine": engine}
        if suite.timing:
            child_tags["harness.parallel_timing"] = "true"
            warnings.warn(f"suite {suite.name!r} runs side by side: its timings are not comparable with runs measured "
                          f"alone (tagged harness.parallel_timing=true)", stacklevel=2)
    first = configs[0]
    tags = {**environment_tags(first.device, first.threads), "scale": scale,
            "n_configs": str(len(configs)), "seeds": str(len({c.seed for c in configs})), "claim": suite.claim[:4000],
            "workers": str(workers), "engine": engine, "force": str(force), "harness.resumed": str(len(done)),
            PROC_TAG: this_process(), **child_tags}
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    failures = []
    with _sigterm_as_interrupt() as terminated:
        parent = tracker.start_parent(suite.name, f"{suite.name} {stamp}", tags)
        tracker.child_tags = dict(child_tags)
        try:
            if engine == "ray":
                from harness.cluster import run_ray

                failures = run_ray(suite.run, todo, uri, suite.name, parent, child_tags, cpus, pack, progress)
            elif workers > 1 and len(todo) > 1:
                failures = run_local_pool(suite.run, todo, uri, suite.name, parent, workers, child_tags, progress)
            else:
                failures = run_serial(suite.run, todo, tracker, suite.name, parent, progress)
            kill_running_children(tracker, suite.name, parent)  # a worker that died mid-run left it RUNNING
            # --force judges only this invocation's runs; otherwise the grid, reusing earlier finished runs.
            verdicts, runs, header = judge_and_record(suite, tracker, parent, None if force else ids)
        except KeyboardInterrupt:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # finish the clean-up even if asked twice
            kill_running_children(tracker, suite.name, parent)
            tracker.finish(parent, "KILLED")
            if terminated:
                raise Terminated from None
            raise
        except Exception:  # re-raised: an error outside any one run must not leave the parent RUNNING
            kill_running_children(tracker, suite.name, parent)
            tracker.finish(parent, "FAILED")
            raise
        finally:
            tracker.child_tags = {}
            if ray_started:
                import ray

                ray.shutdown()
    tracker.finish(parent, "FINISHED" if not failures else "FAILED")
    return SuiteResult(parent, verdicts, runs, failures, header, reused=len(done))
