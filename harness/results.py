"""Results as data: a suite's runs from the store as a tidy DataFrame, one row per run."""
from __future__ import annotations

import pandas as pd
from mlflow.tracking import MlflowClient

from harness.config import RunConfig
from harness.tracking import PARENT_TAG, ROLE_TAG, SUITE_TAG

TAG_COLUMNS = ("stop_reason", "config_id", "device", "device_type", "threads", "torch_version",
               "lightning_version", "harness_version", "git_sha")


def search_all(client: MlflowClient, experiment_id: str, filter_string: str) -> list:
    """Every run of an experiment matching a filter, across MLflow's result pages."""
    runs, token = [], None
    while True:
        page = client.search_runs([experiment_id], filter_string=filter_string, max_results=1000, page_token=token)
        runs.extend(page)
        token = page.token
        if not token:
            return runs


def parent_runs(client: MlflowClient, suite: str) -> list:
    """The suite's invocations, newest first."""
    exp = client.get_experiment_by_name(suite)
    if exp is None:
        return []
    return client.search_runs([exp.experiment_id], filter_string=f"tags.`{ROLE_TAG}` = 'parent'",
                              order_by=["attributes.start_time DESC"], max_results=1000)


def load_runs(client: MlflowClient, suite: str, parent_run_id: str | None = None,
              statuses: tuple[str, ...] = ("FINISHED",)) -> pd.DataFrame:
    """One row per child run: typed config fields, summary metrics, contract tags, status and ids.

    parent_run_id=None means every child run of the suite, across invocations.
    """
    exp = client.get_experiment_by_name(suite)
    if exp is None:
        return pd.DataFrame()
    filt = f"tags.`{ROLE_TAG}` = 'child'"
    if parent_run_id:
        filt += f" and tags.`{PARENT_TAG}` = '{parent_run_id}'"
    rows = []
    for run in search_all(client, exp.experiment_id, filt):
        if run.info.status not in statuses:
            continue
        config = RunConfig.from_params(run.data.params)
        row = {name: getattr(config, name) for name in RunConfig.field_names()}
        row.update(run.data.metrics)
        row.update({t: run.data.tags.get(t) for t in TAG_COLUMNS})
        row.update(run_id=run.info.run_id, parent_run_id=run.data.tags.get(PARENT_TAG), status=run.info.status,
                   suite=run.data.tags.get(SUITE_TAG), start_time=run.info.start_time)
        rows.append(row)
    df = pd.DataFrame(rows)
    if not df.empty:
        df = df.sort_values("start_time", kind="stable").reset_index(drop=True)
    return df


def load_history(client: MlflowClient, run_id: str) -> pd.DataFrame:
    """Per-epoch metrics of one run: one row per epoch (step), one column per metric."""
    from concurrent.futures import ThreadPoolExecutor

    run = client.get_run(run_id)
    frames = []
    keys = list(run.data.metrics)
    # One request per metric: per-layer diagnostics make ~200 per run, which one at a time through a tracking
    # server take ~45 ms each (issue 17: 40 s for a 4-run report); 8 in flight take a seventh of that.
    with ThreadPoolExecutor(max_workers=8) as pool:
        histories = list(pool.map(lambda key: client.get_metric_history(run_id, key), keys))
    for key, hist in zip(keys, histories):
        if len(hist) > 1 or (hist and hist[0].step > 0):
            frames.append(pd.Series({m.step: m.value for m in hist}, name=key))
    if not frames:
        return pd.DataFrame()
    # One consolidated frame (per-layer diagnostics give hundreds of columns), rows in step order.
    return pd.DataFrame({s.name: s for s in frames}).sort_index().rename_axis("epoch").reset_index()
