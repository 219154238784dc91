"""Where results go: the Tracker, the only writer to the MLflow store, using the contract's names.

Layout (README, "The MLflow contract"): one experiment per suite; one parent run per invocation; one
child run per (config, seed). Per-epoch metrics use step = epoch (1-based). Writes are batched
(MLflow's log_batch splits a large batch itself), once per epoch, and never inside the timed region.
"""
from __future__ import annotations

import json
import time
import traceback

import pytorch_lightning as pl
from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient

from harness.contract import CHILD, PARENT, PARENT_TAG, ROLE_TAG, STOP_REASON_TAG, STOP_REASONS, SUITE_TAG, TRACEBACK
from harness.store import StoreError, check_store, sqlite_path


class Tracker:
    """Thin layer over MlflowClient that writes the contract's names and nothing else; `client` is for reading."""

    def __init__(self, uri: str):
        check_store(uri)
        self.uri = uri
        self.child_tags: dict[str, str] = {}  # added to every child run (e.g. harness.workers when run side by side)
        path = sqlite_path(uri)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"tracking store {uri!r}: cannot create {path.parent} ({e.strerror})") from None
        self.client = MlflowClient(tracking_uri=uri)
        self.client.search_experiments(max_results=1)  # creates the SQLite schema once, before any worker opens it

    def experiment_id(self, name: str) -> str:
        exp = self.client.get_experiment_by_name(name)
        if exp is not None:
            return exp.experiment_id
        artifact_location = None
        path = sqlite_path(self.uri)
        if path is not None:  # keep artifacts beside the database, under mlruns/
            artifact_location = (path.parent.resolve() / "artifacts" / name).as_uri()
        return self.client.create_experiment(name, artifact_location=artifact_location)

    def start_parent(self, suite: str, run_name: str, tags: dict[str, str]) -> str:
        run = self.client.create_run(self.experiment_id(suite), run_name=run_name,
                                     tags={**tags, ROLE_TAG: PARENT, SUITE_TAG: suite})
        return run.info.run_id

    def start_child(self, experiment: str, parent_run_id: str | None, run_name: str,
                    params: dict[str, str], tags: dict[str, str]) -> str:
        all_tags = {**tags, **self.child_tags, ROLE_TAG: CHILD, SUITE_TAG: experiment}
        if parent_run_id:
            all_tags[PARENT_TAG] = parent_run_id
        run = self.client.create_run(self.experiment_id(experiment), run_name=run_name, tags=all_tags)
        self.client.log_batch(run.info.run_id, params=[Param(k, v) for k, v in params.items()])
        return run.info.run_id

    def log_metrics(self, run_id: str, metrics: dict[str, float], step: int = 0) -> None:
        """Scalars at one step, one batch."""
        now = int(time.time() * 1000)
        self.client.log_batch(run_id, metrics=[Metric(k, float(v), now, step) for k, v in metrics.items()])

    def log_series(self, run_id: str, series: dict[str, list[float]]) -> None:
        """Per-index values (e.g. one per layer), step = index + 1, one batch."""
        now = int(time.time() * 1000)
        metrics = [Metric(key, float(v), now, i + 1) for key, values in series.items() for i, v in enumerate(values)]
        if metrics:
            self.client.log_batch(run_id, metrics=metrics)

    def set_tags(self, run_id: str, tags: dict[str, str]) -> None:
        if tags:
            self.client.log_batch(run_id, tags=[RunTag(k, str(v)) for k, v in tags.items()])

    def log_text(self, run_id: str, text: str, name: str) -> None:
        self.client.log_text(run_id, text, name)

    def log_json(self, run_id: str, value, name: str) -> None:
        self.log_text(run_id, json.dumps(value, indent=1, default=str), name)

    def log_artifact(self, run_id: str, path: str, folder: str | None = None) -> None:
        self.client.log_artifact(run_id, path, folder)

    def log_traceback(self, run_id: str) -> None:
        """The exception being handled, as the run's traceback artifact."""
        self.log_text(run_id, traceback.format_exc(), TRACEBACK)

    def finish(self, run_id: str, status: str = "FINISHED", stop_reason: str | None = None) -> None:
        """End a run with its status, recording why it stopped (tag stop_reason) when given."""
        if stop_reason is not None:
            if stop_reason not in STOP_REASONS:
                raise ValueError(f"invalid stop_reason {stop_reason!r}; valid: {', '.join(STOP_REASONS)}")
            self.set_tags(run_id, {STOP_REASON_TAG: stop_reason})
        self.client.set_terminated(run_id, status=status)


class MlflowEpochRecorder(pl.Callback):
    """Writes each epoch's figures to the run in one batch, at epoch end: after validation, outside the timed region."""

    def __init__(self, tracker: Tracker, run_id: str):
        self.tracker, self.run_id = tracker, run_id

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self.tracker.log_metrics(self.run_id, pl_module.epoch_metrics, step=trainer.current_epoch + 1)
