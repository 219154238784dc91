"""Load figures for a team's store: N concurrent writers recording short runs, PostgreSQL-backed server vs SQLite.

    python ci/store_load.py [--writers 1 2 4 8] [--runs 8] [--epochs 10] [--stores server sqlite] [--json out.json]

Each writer is a process that records `runs` runs the way harness.train.lifecycle does, through
harness.store.tracking.Tracker: a child run with the config's params and the environment tags, one batch
of metrics per epoch, the summary metrics, then FINISHED (no training: the figures are the store's).
Reported per (store, writers): runs/s over the whole cell, p50/p95 seconds to record one run (create
to finish), runs that raised, and a check that nothing was lost: every run a writer recorded is in
the store, FINISHED, with every epoch's metrics. Traffic goes to 127.0.0.1 only: the server (a
throwaway PostgreSQL and `mlflow server`, as in tests/server_fixtures.py) runs on this machine.
Bounded: at most writers x runs runs per cell, and a cell stops waiting after --max-seconds.
The measurement itself is benchmarks/store_load.py; tests/test_server_load.py runs it small.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.store_load import STORES, cell  # noqa: E402


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
    from harness.core.environment import cpu_model

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
