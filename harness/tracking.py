"""Where results go: the MLflow store, with metric, param and tag names that are a public contract.

Layout (documented in the README): one experiment per suite; one parent run per invocation; one
child run per (config, seed). Per-epoch metrics use step = epoch (1-based). Writes are batched,
once per epoch, and never inside the timed region.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import urlparse

import pytorch_lightning as pl
from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient

DEFAULT_TRACKING_URI = "sqlite:///mlruns/mlflow.db"

# The contract. Renaming any of these breaks users' queries and saved MLflow UI comparisons.
EPOCH_METRICS = ("train/loss", "train/epoch_time_s", "val/loss", "val/acc")  # step = epoch
SUMMARY_METRICS = ("converged", "epochs_to_target", "time_to_target_s", "wall_time_s", "median_epoch_time_s")
RUN_TAGS = ("stop_reason", "config_id", "device", "threads", "torch_version", "lightning_version", "git_sha")
ROLE_TAG = "harness.role"  # 'parent' (an invocation) or 'child' (one config and seed)
SUITE_TAG = "harness.suite"
PARENT_TAG = "mlflow.parentRunId"  # MLflow's own nesting tag: the UI shows children under the parent


class StoreError(RuntimeError):
    """The tracking store cannot be used; the message is one line saying why."""


def resolve_tracking_uri(cli_value: str | None = None) -> str:
    """--tracking-uri, else MLFLOW_TRACKING_URI, else the local SQLite store under mlruns/."""
    return cli_value or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


def _sqlite_path(uri: str) -> Path | None:
    if not uri.startswith("sqlite:///"):
        return None
    return Path(uri[len("sqlite:///"):])


def check_store(uri: str) -> None:
    """Fail early, writing nothing, when a store is plainly unusable."""
    path = _sqlite_path(uri)
    if path is not None and path.is_dir():
        raise StoreError(f"tracking store {uri!r}: {path} is a folder, not an SQLite database file")
    if path is not None and path.exists():
        with open(path, "rb") as f:
            if f.read(16) != b"SQLite format 3\x00" and path.stat().st_size > 0:
                raise StoreError(f"tracking store {uri!r}: {path} is not an SQLite database")
        _check_mlflow_tables(uri, path)
    if path is not None and path.parent.exists() and not path.parent.is_dir():
        raise StoreError(f"tracking store {uri!r}: {path.parent} is a file, not a folder")
    scheme = urlparse(uri).scheme
    if scheme in ("", "file"):
        raise StoreError(f"tracking URI {uri!r} is a plain folder store, which MLflow 3 refuses; use e.g. {DEFAULT_TRACKING_URI}")
    if scheme in ("http", "https"):
        _check_server(uri)


def _check_mlflow_tables(uri: str, path: Path) -> None:
    """Refuse an SQLite file that holds some other program's tables: MLflow would add its schema to it."""
    import sqlite3

    try:
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as db:
            tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
    except sqlite3.DatabaseError as e:
        raise StoreError(f"tracking store {uri!r}: {path} cannot be read as an SQLite database ({e})") from None
    if tables and "experiments" not in tables:
        raise StoreError(f"tracking store {uri!r}: {path} is an SQLite database but not an MLflow store "
                         f"(tables: {', '.join(sorted(tables)[:5])})")


def _check_server(uri: str, timeout_s: float = 5.0) -> None:
    """A tracking server must answer now, and accept this process's credentials (MLFLOW_TRACKING_USERNAME and
    _PASSWORD): MLflow's client would otherwise retry for minutes, or fail mid-suite, before saying so."""
    from harness.remote import probe

    probe(uri, timeout_s, error=StoreError)


class Tracker:
    """Thin layer over MlflowClient that writes the contract's names and nothing else."""

    def __init__(self, uri: str):
        check_store(uri)
        self.uri = uri
        self.child_tags: dict[str, str] = {}  # added to every child run (e.g. harness.workers when run side by side)
        path = _sqlite_path(uri)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"tracking store {uri!r}: cannot create {path.parent} ({e.strerror})") from None
        self.client = MlflowClient(tracking_uri=uri)
        if urlparse(uri).scheme in ("http", "https"):  # a server that goes away stops the suite in one line
            from harness.remote import GuardedClient

            # MLflow prints two "View run" links per finished run (and fetches the run again to do so): noise in
            # the verdict output and one request more per run. An explicit setting wins.
            os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
            self.client = GuardedClient(self.client, uri)
        self.client.search_experiments(max_results=1)  # creates the SQLite schema once, before any worker opens it

    def experiment_id(self, name: str) -> str:
        exp = self.client.get_experiment_by_name(name)
        if exp is not None:
            return exp.experiment_id
        artifact_location = None
        path = _sqlite_path(self.uri)
        if path is not None:  # keep artifacts beside the database, under mlruns/
            artifact_location = (path.parent.resolve() / "artifacts" / name).as_uri()
        return self.client.create_experiment(name, artifact_location=artifact_location)

    def start_parent(self, suite: str, run_name: str, tags: dict[str, str]) -> str:
        run = self.client.create_run(self.experiment_id(suite), run_name=run_name,
                                     tags={**tags, ROLE_TAG: "parent", SUITE_TAG: suite})
        return run.info.run_id

    def start_child(self, experiment: str, parent_run_id: str | None, run_name: str,
                    params: dict[str, str], tags: dict[str, str]) -> str:
        all_tags = {**tags, **self.child_tags, ROLE_TAG: "child", SUITE_TAG: experiment}
        if parent_run_id:
            all_tags[PARENT_TAG] = parent_run_id
        run = self.client.create_run(self.experiment_id(experiment), run_name=run_name, tags=all_tags)
        self.client.log_batch(run.info.run_id, params=[Param(k, v) for k, v in params.items()])
        return run.info.run_id

    def log_metrics(self, run_id: str, metrics: dict[str, float], step: int = 0) -> None:
        now = int(time.time() * 1000)
        self.client.log_batch(run_id, metrics=[Metric(k, float(v), now, step) for k, v in metrics.items()])

    def set_tags(self, run_id: str, tags: dict[str, str]) -> None:
        self.client.log_batch(run_id, tags=[RunTag(k, str(v)) for k, v in tags.items()])

    def finish(self, run_id: str, status: str = "FINISHED", stop_reason: str | None = None) -> None:
        """End a run with its status, recording why it stopped (tag stop_reason) when given."""
        if stop_reason is not None:
            self.set_tags(run_id, {"stop_reason": stop_reason})
        self.client.set_terminated(run_id, status=status)


class MlflowEpochRecorder(pl.Callback):
    """Writes each epoch's figures to the run in one batch, at epoch end: after validation, outside the timed region."""

    def __init__(self, tracker: Tracker, run_id: str):
        self.tracker, self.run_id = tracker, run_id

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self.tracker.log_metrics(self.run_id, pl_module.epoch_metrics, step=trainer.current_epoch + 1)
