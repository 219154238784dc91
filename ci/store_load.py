"""Load figures for a team's store: N concurrent writers recording short runs, PostgreSQL-backed server vs SQLite.

    python ci/store_load.py [--writers 1 2 4 8] [--runs 8] [--epochs 10] [--stores server sqlite] [--json out.json]

Each writer is a process that records `runs` runs the way harness.runner does, through
harness.tracking.Tracker: a child run with the config's params and the environment tags, one batch
of metrics per epoch, the summary metrics, then FINISHED (no training: the figures are the store's).
Reported per (store, writers): runs/s over the whole cell, p50/p95 seconds to record one run (create
to finish), runs that raised, and a check that nothing was lost: every run a writer recorded is in
the store, FINISHED, with every epoch's metrics. Traffic goes to 127.0.0.1 only: the server (a
throwaway PostgreSQL and `mlflow server`, as in tests/server_fixtures.py) runs on this machine.
Bounded: at most writers x runs runs per cell, and a cell stops waiting after --max-seconds.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import queue
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EXPERIMENT = "store-load"
# server: `mlflow server` as MLflow 3 starts it (uvicorn); server-gunicorn: the same app under gunicorn, which
# answers a kept-alive connection without uvicorn's ~40 ms wait per request seen here; sqlite: a local file.
STORES = {"server": "postgresql, mlflow server (uvicorn)", "server-gunicorn": "postgresql, mlflow server (gunicorn)",
          "sqlite": "sqlite file"}
EPOCH_KEYS = ("train/loss", "train/epoch_time_s", "val/loss", "val/acc")


def _writer(uri: str, parent: str, runs: int, epochs: int, ready, start, results, index: int) -> None:
    """One writer: `runs` runs recorded one after another; puts (latencies, errors) on the results queue."""
    from harness.config import RunConfig
    from harness.hardware import environment_tags
    from harness.tracking import Tracker

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
    from harness.results import search_all
    from harness.tracking import PARENT_TAG, Tracker

    tracker = Tracker(uri)
    parent = tracker.start_parent(EXPERIMENT, f"{writers} writers", {"writers": str(writers)})
    ctx = mp.get_context("forkserver")  # writers fork from a clean process that imported the harness once
    ctx.set_forkserver_preload(["harness.tracking", "harness.hardware", "mlflow.store.tracking.sqlalchemy_store"])
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


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--writers", type=int, nargs="+", default=[1, 2, 4, 8])
    p.add_argument("--runs", type=int, default=8, help="runs per writer (default 8)")
    p.add_argument("--epochs", type=int, default=10, help="metric batches per run, one per epoch (default 10)")
    p.add_argument("--stores", nargs="+", default=list(STORES), choices=list(STORES))
    p.add_argument("--server-workers", type=int, default=4, help="mlflow server worker processes (its default, 4)")
    p.add_argument("--max-seconds", type=float, default=300, help="per cell, before it stops waiting")
    p.add_argument("--json", default=None, help="also write the figures here")
    args = p.parse_args(argv)
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally below stops the servers
    if min(args.writers) < 1 or max(args.writers) > 32 or not 1 <= args.runs <= 100 or not 1 <= args.epochs <= 200:
        print("store_load: error: writers 1..32, runs 1..100, epochs 1..200", file=sys.stderr)
        return 2
    import logging

    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from tests.server_fixtures import MlflowServer, Postgres, Unavailable

    rows, tmp = [], Path(tempfile.mkdtemp(prefix="store-load-"))
    from harness.hardware import cpu_model

    machine = {"host": socket.gethostname(), "cpu": cpu_model(), "cpus": os.cpu_count(),
               "load_before": os.getloadavg()}
    for store in args.stores:
        pg = server = None
        try:
            if store.startswith("server"):
                try:
                    pg = Postgres().start()
                except Unavailable as e:
                    print(f"store_load: skipping the server: {e}", file=sys.stderr)
                    continue
                extra = ("--gunicorn-opts", f"--workers {args.server_workers}") if store == "server-gunicorn" else ()
                server = MlflowServer(pg.create_db("load"), tmp / "artifacts", workers=args.server_workers,
                                      extra_args=extra).start()
                uri = server.url
            else:
                uri = f"sqlite:///{tmp / 'sqlite' / 'mlflow.db'}"
            for n in args.writers:
                row = {"store": STORES[store],
                       **cell(uri, n, args.runs, args.epochs, args.max_seconds)}
                rows.append(row)
                print(json.dumps(row), flush=True)
        finally:
            if server is not None:
                server.stop()
            if pg is not None:
                pg.stop()
    machine["load_after"] = os.getloadavg()
    print("\n| store | writers | runs/s | p50 s/run | p95 s/run | errors | lost |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['store']} | {r['writers']} | {r['runs_per_s']} | {r['p50_s']} | {r['p95_s']} | "
              f"{r['errors']} | {r['lost']} |")
    print(f"\nmachine: {machine}")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine, "rows": rows}, indent=1))
    return 1 if any(r["lost"] or r["writers_reported"] < r["writers"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
