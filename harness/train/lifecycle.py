"""A run's lifecycle, the same for every run the harness records, fitted or measured.

Open: the config resolved, threads and seed pinned, a child run named by the fields its suite varies.
End: FINISHED with its summary; FAILED with its traceback when anything raised; KILLED when Ctrl-C or SIGTERM
interrupted it. `OpenRuns.guard` makes the last two hold for every run opened and not yet finished, so the store
never keeps a run RUNNING for a process that is still alive, and a finished run is never touched again.
harness.train.fit fits models through it; `measure` runs a function through it instead of a fit (an analytic
arm, an inference latency).
"""
from __future__ import annotations

import contextlib
import signal
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

import pytorch_lightning as pl
import torch

from harness.config.run_config import RunConfig
from harness.core import interrupts
from harness.core.contract import CONFIG_ID_TAG, TRAIN_EXPERIMENT, WALL_TIME
from harness.core.environment import environment_tags
from harness.store.tracking import Tracker


@dataclass(frozen=True)
class Recording:
    """Where runs are recorded and what their names show; no tracker: nothing is recorded (a run in a test)."""

    tracker: Tracker | None = None
    experiment: str = TRAIN_EXPERIMENT  # the MLflow experiment: the suite's name, or 'train' for `harness train`
    parent_run_id: str | None = None  # the invocation's parent run; None for a lone run
    name_fields: tuple[str, ...] = ()  # config fields a run's name shows (see `name_fields`); () = a lone run's name
    # Those fields' values -> the name in the suite's words (harness.judge.suite.Suite.run_names); {} = field=value
    names: dict = field(default_factory=dict, compare=False)


def name_fields(fields: Iterable[str], configs: list[RunConfig]) -> tuple[str, ...]:
    """The fields that name a suite's runs: in grid order, each grid field that tells apart configs the fields
    before it leave together. A field that only follows another (init with activation in a zipped axis) or does
    not vary in these configs is left out, so names stay short and are unique per (config, seed)."""
    chosen: list[str] = []
    groups = 1
    for f in fields:
        n = len({tuple(getattr(c, k) for k in (*chosen, f)) for c in configs})
        if n > groups:
            chosen.append(f)
            groups = n
    return tuple(chosen)


def plain(value) -> str:
    """A config value as a run name shows it: 0.001 not 1e-3's float noise, '' for an empty string."""
    if isinstance(value, float):
        return f"{value:g}"
    return "''" if value == "" else str(value)


def run_name(config: RunConfig, fields: tuple[str, ...] = (), names: dict | None = None) -> str:
    """'no dropout, seed 3': the naming fields' values in the suite's words (`names`) and the seed; without words
    'dropout=0.5 lr=0.001 s3'; a lone run (no fields): 'relu-none-s0'."""
    if not fields:
        return f"{config.activation}-{config.norm}-s{config.seed}"
    said = (names or {}).get(tuple(getattr(config, f) for f in fields))
    if said:
        return f"{said}, seed {config.seed}"
    return " ".join([*(f"{f}={plain(getattr(config, f))}" for f in fields), f"s{config.seed}"])


class OpenRuns:
    """The runs one fit (its arms) or one measurement has opened and not yet finished."""

    def __init__(self, recording: Recording):
        if not isinstance(recording, Recording):  # e.g. a Tracker passed where its Recording belongs
            raise TypeError(f"invalid recording {type(recording).__name__}; valid: harness.train.lifecycle.Recording("
                            f"tracker, experiment, parent_run_id), or None")
        self.recording = recording
        self.tracker = recording.tracker
        self.ids: list[str] = []  # opened, not yet finished: what `guard` ends FAILED or KILLED

    def open(self, config: RunConfig, tags: dict[str, str] | None = None) -> tuple[RunConfig, str | None]:
        """Resolve the device, pin threads and seed, and open the run (when recording): (config, run_id).

        A safe point first: no run opens after a signal was recorded (the arms of a group open one by one, each
        built before the next opens; a signal during a build stops the group there, its open runs KILLED)."""
        interrupts.check()
        config = config.resolved()
        torch.set_num_threads(config.threads)
        pl.seed_everything(config.seed, verbose=False)
        if self.tracker is None:
            return config, None
        rec = self.recording
        tags = {**environment_tags(config.device, config.threads), CONFIG_ID_TAG: config.config_id, **(tags or {})}
        run_id = self.tracker.start_child(rec.experiment, rec.parent_run_id, run_name(config, rec.name_fields, rec.names),
                                          config.as_params(), tags)
        self.ids.append(run_id)
        return config, run_id

    def finish(self, run_id: str, stop_reason: str, metrics: dict[str, float] | None = None) -> None:
        """End the run FINISHED with why it stopped and its summary metrics; `guard` leaves it alone from now on."""
        self.tracker.finish(run_id, stop_reason=stop_reason, metrics=metrics)
        self.ids.remove(run_id)

    @contextlib.contextmanager
    def guard(self):
        """Ctrl-C or SIGTERM inside ends every open run KILLED; an exception ends them FAILED with its traceback
        attached. Both re-raise."""
        try:
            yield self
        except KeyboardInterrupt:
            for run_id in self.ids:
                self.tracker.finish(run_id, "KILLED", stop_reason="interrupted")
            raise
        except Exception:  # recorded, then re-raised
            for run_id in self.ids:
                self.tracker.log_traceback(run_id)
                self.tracker.finish(run_id, "FAILED", stop_reason="failed")
            raise


@contextlib.contextmanager
def lightning_interrupts():
    """Around Trainer.fit: Lightning catches a KeyboardInterrupt raised inside fit, sets SIGINT to be ignored and
    calls sys.exit(1). Restore the SIGINT handler there was and surface the interruption it was."""
    handler = signal.getsignal(signal.SIGINT)
    try:
        yield
    except SystemExit:
        raise (interrupts.Terminated() if interrupts.terminated() else KeyboardInterrupt()) from None
    finally:
        if handler is not None and signal.getsignal(signal.SIGINT) is not handler:  # only Lightning changed it
            signal.signal(signal.SIGINT, handler)


def measure(fn: Callable[[RunConfig], dict], config: RunConfig, recording: Recording | None = None) -> dict:
    """Record a measurement that is not a training run (a forward pass at init, inference latency) as one run.

    fn(config) -> {metric: float or list of floats}; a list is logged with step = index + 1 (e.g. one value per
    layer). Threads and seed are pinned as for training; the run ends as every run does (OpenRuns).
    """
    interrupts.check()  # a safe point between runs: a signal recorded since the last one stops here
    runs = OpenRuns(recording or Recording())
    with runs.guard():
        config, run_id = runs.open(config)
        t0 = time.perf_counter()
        metrics = fn(config)
        wall = time.perf_counter() - t0
        interrupts.check()
        if run_id is not None:
            scalars = {k: float(v) for k, v in metrics.items() if not isinstance(v, (list, tuple))}
            runs.tracker.log_metrics(run_id, {**scalars, WALL_TIME: wall})
            runs.tracker.log_series(run_id, {k: v for k, v in metrics.items() if isinstance(v, (list, tuple))})
            runs.finish(run_id, stop_reason="measured")
    return metrics
