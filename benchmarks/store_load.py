"""N concurrent writers recording short runs through harness.store.tracking.Tracker: the figures of ci/store_load.py.

A module (not the script) so that the writer processes, forked from multiprocessing's forkserver, can import it.
"""
from __future__ import annotations

import multiprocessing as mp
import queue
import statistics
import time

EXPERIMENT = "store-load"
# server: `mlflow server` as MLflow 3 starts it (uvicorn); server-gunicorn: the same app under gunicorn, which
# answers a kept-alive connection without uvicorn's ~40 ms wait per request seen here; sqlite: a local file.
STORES = {"server": "postgresql, mlflow server (uvicorn)", "server-gunicorn": "postgresql, mlflow server (gunicorn)",
          "sqlite": "sqlite file"}
EPOCH_KEYS = ("train/loss", "train/epoch_time_s", "val/loss", "val/acc")


def _writer(uri: str, parent: str, runs: int, epochs: int, ready, start, results, index: int) -> None:
    """One writer: `runs` runs recorded one after another; puts (latencies, errors) on the results queue."""
    from harness.config.run_config import RunConfig
    from harness.core.environment import environment_tags
    from harness.store.tracking import Tracker

    tracker = Tracker(uri)
    tags = environment_tags("cpu", 1)
    latencies, errors = [], []
    ready.put(index)
    start.wait()  # every writer connected: the clock starts for all at once
    for i in range(runs):
        config = RunConfig(dataset="digits", seed=index * 1000 + i)
        t0 = time.perf_counter()
        try:
            run_id = tracker.start_child(EXPERIMENT, parent, f"w{index}-r{i}", config.as_params(),
                                         {**tags, "config_id": config.config_id})
            for epoch in range(1, epochs + 1):
                tracker.log_metrics(run_id, {k: 1.0 / (epoch + j) for j, k in enumerate(EPOCH_KEYS)}, step=epoch)
            tracker.log_metrics(run_id, {"converged": 1.0, "wall_time_s": 1.0, "epochs_run": float(epochs)})
            tracker.finish(run_id, stop_reason="max_epochs")
            latencies.append(time.perf_counter() - t0)
        except Exception as e:  # counted and reported: SQLite's "database is locked" is one of the figures
            errors.append(f"{type(e).__name__}: {str(e).splitlines()[0][:160]}")
    results.put((latencies, errors))


def cell(uri: str, writers: int, runs: int, epochs: int, max_seconds: float) -> dict:
    """One measurement: `writers` processes at once against the store; the figures and the lost-run check."""
    from harness.store.queries import search_all
    from harness.core.contract import PARENT_TAG
    from harness.store.tracking import Tracker

    tracker = Tracker(uri)
    parent = tracker.start_parent(EXPERIMENT, f"{writers} writers", {"writers": str(writers)})
    ctx = mp.get_context("forkserver")  # writers fork from a clean process that imported the harness once
    ctx.set_forkserver_preload(["harness.store.tracking", "harness.core.environment", "mlflow.store.tracking.sqlalchemy_store"])
    ready, start, results = ctx.Queue(), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(uri, parent, runs, epochs, ready, start, results, i))
             for i in range(writers)]
    for p in procs:
        p.start()
    out = []
    try:
        for _ in procs:  # every writer connected (Tracker() probes the store: not part of the figures)
            ready.get(timeout=120)
        t0 = time.perf_counter()
        start.set()
        deadline = time.monotonic() + max_seconds
        while len(out) < writers and time.monotonic() < deadline:
            try:
                out.append(results.get(timeout=1))
            except queue.Empty:  # a writer is still going
                if not any(p.is_alive() for p in procs) and results.empty():
                    break
        wall = time.perf_counter() - t0
    finally:
        for p in procs:
            p.join(5)
            if p.is_alive():
                p.kill()
                p.join()
    tracker.finish(parent)
    latencies = sorted(x for lat, _ in out for x in lat)
    errors = [e for _, errs in out for e in errs]
    exp = tracker.client.get_experiment_by_name(EXPERIMENT)
    stored = search_all(tracker.client, exp.experiment_id, f"tags.`{PARENT_TAG}` = '{parent}'")
    finished = [r for r in stored if r.info.status == "FINISHED"]
    whole = sum(len(tracker.client.get_metric_history(r.info.run_id, "val/acc")) == epochs for r in finished)
    return {"writers": writers, "runs": len(latencies), "wall_s": round(wall, 2),
            "runs_per_s": round(len(latencies) / wall, 2) if wall else None,
            "p50_s": round(statistics.median(latencies), 3) if latencies else None,
            "p95_s": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 3) if latencies else None,
            "errors": len(errors), "first_error": errors[0] if errors else "",
            "writers_reported": len(out), "stored_finished": len(finished), "stored_whole": whole,
            "lost": len(latencies) - whole}
