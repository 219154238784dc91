"""One run's lifecycle: resolve and pin the config, train it (or measure it) through the shared trainer, record it."""
from __future__ import annotations

import contextlib
import math
import os
import signal
import statistics
import time
from dataclasses import dataclass

import pytorch_lightning as pl
import torch

from harness.train.callbacks import MlflowEpochRecorder, StopOnSignal
from harness.config.run_config import ConfigError, RunConfig
from harness.core.contract import CONFIG_ID_TAG, RESTORED_EPOCH, REUSED_FROM_TAG, TRAIN_EXPERIMENT
from harness.data.datamodule import InMemoryDataModule
from harness.train.diagnostics import DIAGNOSTICS
from harness.core.environment import environment_tags
from harness.core.interrupts import check as check_interrupt
from harness.nn.models import build_model
from harness.train.reuse import FreezeThenUnfreeze, finished_run, load_layers, load_state, reused_parameters, save_state
from harness.train.stopping import Convergence, DivergenceStop, EarlyStopping, StopReason
from harness.train.system import ClassifierSystem
from harness.train.timing import EpochTimer
from harness.store.tracking import Tracker
from harness.train.trainer import make_trainer


@dataclass
class RunResult:
    config: RunConfig
    history: list[dict[str, float]]  # per epoch: train/loss, train/epoch_time_s, val/loss, val/acc, val/time_s
    stop_reason: str
    epochs_to_target: int | None  # 1-based epoch that first reached the target; None = censored
    wall_time_s: float  # seconds, data setup + fit, evaluation included
    run_id: str | None = None
    restored_epoch: int | None = None  # early stopping: the epoch whose weights the run ended with

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
        if self.restored_epoch is not None:
            out[RESTORED_EPOCH] = float(self.restored_epoch)
        if self.history:
            out["final_val_acc"] = self.history[-1].get("val/acc", math.nan)
            out["final_val_loss"] = self.history[-1].get("val/loss", math.nan)
        return out


def run_name(config: RunConfig) -> str:
    return f"{config.activation}-{config.norm}-s{config.seed}"


def _start(config: RunConfig, tracker: Tracker | None, experiment: str,
           parent_run_id: str | None, tags: dict[str, str] | None = None) -> tuple[RunConfig, str | None]:
    """Resolve the device, pin threads and seed, and open the child run (when recording): (config, run_id)."""
    config = config.resolved()
    torch.set_num_threads(config.threads)
    pl.seed_everything(config.seed, verbose=False)
    if tracker is None:
        return config, None
    tags = {**environment_tags(config.device, config.threads), CONFIG_ID_TAG: config.config_id, **(tags or {})}
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
            tracker.log_traceback(run_id)
            tracker.finish(run_id, "FAILED", stop_reason="failed")
        raise


def train(config: RunConfig, tracker: Tracker | None = None, experiment: str = TRAIN_EXPERIMENT,
          parent_run_id: str | None = None, extra_callbacks: list[pl.Callback] | None = None,
          **trainer_overrides) -> RunResult:
    """Train one configuration; with a tracker, record it as one (child) run.

    `extra_callbacks` run before the MLflow recorder, so an EpochMetrics callback's derived metrics are logged.

    An exception marks the run FAILED with its traceback attached and is re-raised; Ctrl-C marks
    it KILLED. A finished run is never touched again.
    """
    if int(os.environ.get("LOCAL_RANK", "0")) > 0 or int(os.environ.get("NODE_RANK", "0")) > 0:
        tracker = None  # a process Lightning launched for another DDP rank: rank 0 alone records the run
    check_interrupt()  # a safe point between runs: a signal recorded since the last one stops here
    source_id = _reuse_source(config, tracker, experiment, parent_run_id)
    source_state = load_state(tracker.client, source_id) if source_id else None  # before the run opens: a bad
    config, run_id = _start(config, tracker, experiment, parent_run_id,  # source writes nothing
                            {REUSED_FROM_TAG: source_id} if source_id else None)

    timer, convergence = EpochTimer(), Convergence(config)
    callbacks: list[pl.Callback] = [timer, convergence, DivergenceStop(), StopReason(), StopOnSignal(),
                                    *(extra_callbacks or [])]
    if config.early_stopping:
        callbacks.insert(2, EarlyStopping(config))  # after Convergence: a run that reaches its target says so
    if run_id is not None:
        callbacks.append(MlflowEpochRecorder(tracker, run_id))
    for name in config.diagnostic_names:
        callbacks.append(DIAGNOSTICS.get(name)(config, tracker, run_id))
    with _recorded(tracker, run_id):
        try:
            t0 = time.perf_counter()
            datamodule = InMemoryDataModule(config)
            datamodule.setup("fit")
            model = build_model(config, datamodule.n_features, datamodule.n_classes)
            if source_state is not None:  # before the clock: the freeze switch runs ahead of the epoch timer
                load_layers(model, source_state, config.reuse_layers)
                callbacks.insert(0, FreezeThenUnfreeze(reused_parameters(model, config.reuse_layers), config))
            system = ClassifierSystem(model, config)
            trainer = make_trainer(config, callbacks, **trainer_overrides)
            trainer.fit(system, datamodule=datamodule)
            wall = time.perf_counter() - t0
            check_interrupt()  # StopOnSignal stopped the fit: the run ends KILLED, not FINISHED
            if run_id is not None and config.save_model:  # after fit (untimed); a failed write fails the run
                save_state(tracker, run_id, system.model)
        except (KeyboardInterrupt, SystemExit):
            # Lightning catches Ctrl-C inside fit, ignores further SIGINTs and calls sys.exit(1):
            # restore Ctrl-C and surface it as the interruption it was.
            signal.signal(signal.SIGINT, signal.default_int_handler)
            raise KeyboardInterrupt from None
    result = RunResult(config, system.history, system.stop_reason, convergence.epoch, wall, run_id,
                       system.restored_epoch)
    if run_id is not None:
        with _recorded(tracker, run_id):  # a store error here fails the run; it never leaves it RUNNING
            log_splits(tracker, run_id, config, datamodule)
        tracker.finish(run_id, stop_reason=result.stop_reason, metrics=result.summary())
    return result


def _reuse_source(config: RunConfig, tracker: Tracker | None, experiment: str, parent_run_id: str | None) -> str | None:
    """The run id whose saved layers this run starts from: reuse_from itself, or the newest finished run of the
    source config reuse_from describes ("field=value;..."), trained first (a real run, same parent) when absent."""
    if not config.reuse_from:
        return None
    if tracker is None:
        raise ConfigError(f"invalid reuse_from {config.reuse_from!r} without a tracking store; the source's weights "
                         f"are read from its MLflow artifact")
    if "=" not in config.reuse_from:
        return config.reuse_from
    source = config.reuse_source().resolved()  # as its run records it, so its config_id matches
    found = finished_run(tracker.client, tracker.experiment_id(experiment), source)
    return found or train(source, tracker, experiment, parent_run_id).run_id


def log_splits(tracker: Tracker, run_id: str, config: RunConfig, datamodule: InMemoryDataModule) -> None:
    """The run's dataset inputs: its train and validation splits as trained on (MLflow's Dataset column)."""
    tracker.log_dataset(run_id, config.dataset, f"harness.data.datasets:{config.dataset}",
                        {"train": datamodule.x_train, "validation": datamodule.x_val})


def measure(fn, config: RunConfig, tracker: Tracker | None = None, experiment: str = "measure",
            parent_run_id: str | None = None) -> dict:
    """Record a measurement that is not a training run (a forward pass at init, inference latency) as one child run.

    fn(config) -> {metric: float or list of floats}; a list is logged with step = index + 1 (e.g.
    one value per layer). Threads and seed are pinned as for training; an exception marks the run
    FAILED with its traceback, Ctrl-C marks it KILLED.
    """
    check_interrupt()
    config, run_id = _start(config, tracker, experiment, parent_run_id)
    with _recorded(tracker, run_id):
        t0 = time.perf_counter()
        metrics = fn(config)
        wall = time.perf_counter() - t0
        check_interrupt()
    if run_id is not None:
        scalars = {k: float(v) for k, v in metrics.items() if not isinstance(v, (list, tuple))}
        tracker.log_metrics(run_id, {**scalars, "wall_time_s": wall})
        tracker.log_series(run_id, {k: v for k, v in metrics.items() if isinstance(v, (list, tuple))})
        tracker.finish(run_id, stop_reason="measured")
    return metrics
