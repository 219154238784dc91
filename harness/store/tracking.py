"""Where results go: the Tracker, the only writer to the MLflow store, using the contract's names.

Layout (docs/contract.md): one experiment per suite; one parent run per invocation; one
child run per (config, seed). Per-epoch metrics use step = epoch (1-based). Writes are batched
(MLflow's log_batch splits a large batch itself), once per epoch, and never inside the timed region.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
import traceback
from urllib.parse import urlparse

from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunTag
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from harness.core.machine import load_average, logical_cpus
from harness.core.contract import (
    CHILD,
    CPUS_TAG,
    EXPERIMENT_KIND,
    EXPERIMENT_KIND_TAG,
    EXPERIMENT_NOTES,
    LOAD_START_TAG,
    NOTE_TAG,
    PARENT,
    PARENT_TAG,
    ROLE_TAG,
    STOP_REASON_TAG,
    STOP_REASONS,
    SUITE_TAG,
    TRACEBACK,
)
from harness.store.location import (StoreError, absolute_uri, check_store, configure_sqlite, retry_duplicate, retry_locked,
                                    sqlite_path)
from harness.store.template import seed

DATASET_CONTEXT = "mlflow.data.context"  # MLflow's input tag: what the split was used for (the UI shows it)


class Tracker:
    """Thin layer over MlflowClient that writes the contract's names and nothing else; `client` is for reading."""

    def __init__(self, uri: str):
        # Absolute from here on: MLflow keeps one store per URI string for the life of the process, so a relative
        # sqlite:///mlruns/mlflow.db opened again from another working directory would reach the first one's file.
        uri = absolute_uri(uri)
        check_store(uri)
        self.uri = uri
        self.child_tags: dict[str, str] = {}  # added to every child run (e.g. harness.workers when run side by side)
        path = sqlite_path(uri)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"tracking store {uri!r}: cannot create {path.parent} ({e.strerror})") from None
            seed(path)  # a new store: a copy of a migrated empty one (harness.store.template), not 3-7 s of migrations
        configure_sqlite(uri)  # busy timeout on every connection of this process
        self.client = MlflowClient(tracking_uri=uri)
        if urlparse(uri).scheme in ("http", "https"):  # a server that goes away stops the suite in one line
            from harness.store.remote import GuardedClient

            # MLflow prints two "View run" links per finished run (and fetches the run again to do so): noise in
            # the verdict output and one request more per run. An explicit setting wins.
            os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
            self.client = GuardedClient(self.client, uri)
        self.client.search_experiments(max_results=1)  # creates the SQLite schema once, before any worker opens it
        configure_sqlite(uri, wal=True)  # readers (UI, report) and writers (workers) side by side
        self._experiments: dict[str, str] = {}  # name -> id: looked up once per experiment, not once per run

    def experiment_id(self, name: str, description: str = "") -> str:
        """The experiment's id, created where missing; its description (the UI's) set to `description`, else the
        contract's for a known experiment, where it differs."""
        description = description or EXPERIMENT_NOTES.get(name, "")
        if name not in self._experiments:
            exp = self.client.get_experiment_by_name(name)
            if exp is not None:
                self._experiments[name] = exp.experiment_id
                if description and exp.tags.get(NOTE_TAG) != description:
                    self.client.set_experiment_tag(exp.experiment_id, NOTE_TAG, description)
            else:
                artifact_location = None
                path = sqlite_path(self.uri)
                if path is not None:  # keep artifacts beside the database, under mlruns/
                    artifact_location = (path.parent.resolve() / "artifacts" / name).as_uri()
                tags = {EXPERIMENT_KIND_TAG: EXPERIMENT_KIND, **({NOTE_TAG: description} if description else {})}
                self._experiments[name] = self.client.create_experiment(name, artifact_location=artifact_location,
                                                                        tags=tags)
                self._describe_default()
        return self._experiments[name]

    def _describe_default(self) -> None:
        """MLflow's Default experiment (every store has one, and the UI lists it) says what it is, once per store."""
        default = self.client.get_experiment_by_name("Default")
        if default is not None and not default.tags.get(NOTE_TAG):
            try:
                self.client.set_experiment_tag(default.experiment_id, NOTE_TAG, EXPERIMENT_NOTES["Default"])
            except MlflowException as e:  # a team store's user may not edit an experiment they do not own: no note
                if e.error_code != "PERMISSION_DENIED":
                    raise

    def start_parent(self, suite: str, run_name: str, tags: dict[str, str], params: dict[str, str] | None = None,
                     description: str = "", start_time: float | None = None) -> str:
        """Open an invocation's parent run, started at `start_time` (seconds since the epoch; None: now) so its span
        covers the whole command; `description` is the suite experiment's (its claim and source). It records the
        machine's logical CPUs and load average as it starts (harness evidence shows them)."""
        machine = {CPUS_TAG: logical_cpus(), LOAD_START_TAG: load_average()}
        run = self.client.create_run(self.experiment_id(suite, description), run_name=run_name,
                                     start_time=None if start_time is None else int(start_time * 1000),
                                     tags={**machine, **tags, ROLE_TAG: PARENT, SUITE_TAG: suite})
        if params:
            self.client.log_batch(run.info.run_id, params=[Param(k, str(v)) for k, v in params.items()])
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

    def log_dataset(self, run_id: str, name: str, loader: str, splits: dict) -> None:
        """Each split (context -> array, rows x features) as an MLflow dataset input: name, source, digest, shape."""
        inputs = []
        for context, array in splits.items():
            array = array.detach().cpu().numpy() if hasattr(array, "detach") else array  # a torch tensor
            digest = hashlib.sha256(array.tobytes()).hexdigest()[:16]  # of the split's values, as trained on
            source = json.dumps({"tags": {"loader": loader}})
            profile = json.dumps({"num_rows": int(array.shape[0]), "num_features": int(array.shape[1])})
            inputs.append(DatasetInput(Dataset(f"{name}/{context}", digest, "code", source, profile=profile),
                                       tags=[InputTag(DATASET_CONTEXT, context)]))
        retry_duplicate(lambda: self.client.log_inputs(run_id, datasets=inputs))  # workers log one dataset at once

    def log_text(self, run_id: str, text: str, name: str) -> None:
        self.client.log_text(run_id, text, name)

    def log_json(self, run_id: str, value, name: str) -> None:
        self.log_text(run_id, json.dumps(value, indent=1, default=str), name)

    def log_artifact(self, run_id: str, path: str, folder: str | None = None) -> None:
        self.client.log_artifact(run_id, path, folder)

    def log_traceback(self, run_id: str) -> None:
        """The exception being handled, as the run's traceback artifact."""
        self.log_text(run_id, traceback.format_exc(), TRACEBACK)

    def finish(self, run_id: str, status: str = "FINISHED", stop_reason: str | None = None,
               metrics: dict[str, float] | None = None) -> None:
        """End a run with its status, recording why it stopped (tag stop_reason) and its summary metrics (step 0)
        when given, in one batch; the status write is retried while the store is locked, so it is never lost."""
        tags = []
        if stop_reason is not None:
            if stop_reason not in STOP_REASONS:
                raise ValueError(f"invalid stop_reason {stop_reason!r}; valid: {', '.join(STOP_REASONS)}")
            tags = [RunTag(STOP_REASON_TAG, stop_reason)]
        now = int(time.time() * 1000)
        batch = [Metric(k, float(v), now, 0) for k, v in (metrics or {}).items()]
        if tags or batch:
            retry_locked(lambda: self.client.log_batch(run_id, metrics=batch, tags=tags))
        retry_locked(lambda: self.client.set_terminated(run_id, status=status))
