"""Where benchmark results go: a pytest-benchmark JSON report into the MLflow experiment 'benchmarks'.

One parent run per report (tags: scale, machine, commit, environment), one child run per benchmark:
params = the benchmark's name, group and parameters; metrics = its timing statistics in seconds
(`time/median_s`, `time/iqr_s`, ...) and every numeric extra_info value (e.g. the harness-overhead
`ratio_median`) under `extra/`. The JSON itself is attached to the parent as an artifact.

    python -m harness.tools.benchlog bench.json [--tracking-uri URI]
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from harness.core.environment import environment_tags
from harness.store.location import StoreError, resolve_tracking_uri
from harness.store.tracking import Tracker

EXPERIMENT = "benchmarks"
STATS = ("min", "max", "mean", "median", "stddev", "iqr", "q1", "q3")  # seconds, from pytest-benchmark
COUNTS = ("rounds", "iterations")


def _numeric(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def log_report(report: dict, tracker: Tracker, source: str = "") -> str:
    """Record one pytest-benchmark report; returns the parent run id."""
    benches = report.get("benchmarks")
    if not isinstance(benches, list):
        raise ValueError(f"{source or 'report'}: not a pytest-benchmark JSON report (no 'benchmarks' list)")
    for i, bench in enumerate(benches):  # checked before anything is written: a bad report leaves the store as it was
        missing = [k for k in ("name", "fullname", "stats") if not isinstance(bench, dict) or k not in bench]
        if missing:
            raise ValueError(f"{source or 'report'}: benchmark #{i} lacks {', '.join(missing)}")
    meta = report.get("harness", {})
    threads = int(meta.get("threads", 0))
    commit = report.get("commit_info") or {}
    tags = {**environment_tags("cpu", threads), "scale": str(meta.get("scale", "unknown")),
            "pytest_benchmark_version": str(report.get("version", "")), "bench.datetime": str(report.get("datetime", "")),
            "bench.commit": str(commit.get("id", "")) + ("-dirty" if commit.get("dirty") else ""),
            "bench.node": str((report.get("machine_info") or {}).get("node", "")), "n_benchmarks": str(len(benches))}
    parent = tracker.start_parent(EXPERIMENT, f"benchmarks {meta.get('scale', '')} {report.get('datetime', '')}".strip(), tags)
    try:
        for bench in benches:
            stats, extra = bench["stats"], bench.get("extra_info") or {}
            params = {"name": bench["name"], "fullname": bench["fullname"], "group": str(bench.get("group")),
                      **{f"param.{k}": str(v) for k, v in (bench.get("params") or {}).items()}}
            child_tags = {"device_type": str(extra.get("device", "cpu")), "threads": str(threads)}
            child = tracker.start_child(EXPERIMENT, parent, bench["name"], params, child_tags)
            metrics = {f"time/{k}_s": stats[k] for k in STATS if _numeric(stats.get(k))}
            metrics.update({k: stats[k] for k in COUNTS if _numeric(stats.get(k))})
            metrics.update({f"extra/{k}": v for k, v in extra.items() if _numeric(v)})
            tracker.log_metrics(child, metrics)
            tracker.finish(child)
        tracker.log_text(parent, json.dumps(report, indent=1), "benchmark.json")
    except BaseException:
        tracker.finish(parent, "FAILED")
        raise
    tracker.finish(parent)
    return parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.tools.benchlog", description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="a pytest-benchmark --benchmark-json file")
    parser.add_argument("--tracking-uri", default=None,
                        help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI, else sqlite:///mlruns/mlflow.db)")
    args = parser.parse_args(argv)
    try:
        report = json.loads(args.report.read_text())
        tracker = Tracker(resolve_tracking_uri(args.tracking_uri))
        parent = log_report(report, tracker, str(args.report))
    except (OSError, ValueError, StoreError) as e:  # unreadable file, bad JSON or report, unusable store
        print(f"harness.tools.benchlog: error: {e}", file=sys.stderr)
        return 2
    print(f"logged {len(report['benchmarks'])} benchmarks to {tracker.uri} experiment '{EXPERIMENT}', parent run {parent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
