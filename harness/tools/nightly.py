"""The nightly pipeline's Python half (ci/nightly-gpu.sh drives it): what ran on which hardware, and
whether tonight's verdicts and timings regressed from the last good night's.

  python -m harness.tools.nightly environment --device cuda > environment.json
  python -m harness.tools.nightly plan --scale nightly                # 'suite scale' per line
  python -m harness.tools.nightly summarize --tracking-uri URI --environment environment.json --out summary.json
  python -m harness.tools.nightly compare baseline.json summary.json --time-threshold 0.25   # exit 1 on regression

The suites with an arm field (interleave: those that judge wall-clock time) also run as an A/A invocation
(`harness run SUITE --null`, every arm a copy of its baseline); its count of supported and refuted rows, each a false
finding, is reported beside the verdicts (`summarize` under the suite's "null"), never a regression by itself.

Regressions (exit 1), stated up front:
- a verdict row that flipped between supported and refuted, or that disappeared, or a suite with no
  finished verdict tonight;
- a configuration whose median epoch time (median over seeds of each run's median) grew by more
  than the threshold (default 25%), judged only when tonight's GPU is the baseline's GPU.
A verdict that moved to or from inconclusive, and timing changes on other hardware, are reported
but do not fail the night.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import platform
import statistics
import subprocess
import sys
from pathlib import Path
from harness.core.contract import HARNESS_COMMIT_TAG, MEDIAN_EPOCH_TIME

DECISIVE = ("supported", "refuted")


def environment(device: str) -> dict[str, str]:
    """GPU name, driver, CUDA and library versions: what tonight's figures were measured with."""
    import mlflow
    import pytorch_lightning
    import torch

    from harness.core.environment import device_name
    from harness.core.project import harness_commit
    from harness.version import __version__

    env = {"device": device, "device_name": device_name(device) if device != "cuda" or torch.cuda.is_available()
           else "no CUDA device", "torch": torch.__version__, "cuda": str(torch.version.cuda),
           "cudnn": str(torch.backends.cudnn.version()), "lightning": pytorch_lightning.__version__,
           "mlflow": mlflow.__version__, "harness": __version__, HARNESS_COMMIT_TAG: harness_commit() or "",
           "python": platform.python_version(), "platform": platform.platform(), "driver": "unknown"}
    try:
        smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30)
        if smi.returncode == 0 and smi.stdout.strip():
            env["nvidia_smi"] = smi.stdout.strip().splitlines()[0]
            env["driver"] = env["nvidia_smi"].split(",")[-1].strip()
    except (OSError, subprocess.TimeoutExpired):
        env["driver"] = "no nvidia-smi"
    return env


def plan(scale: str) -> list[tuple[str, str]]:
    """Every suite with the scale it will run at: `scale` where the suite defines it, else default (reported)."""
    from harness.discovery import suites

    return [(name, scale if scale in suite.scales or scale == "default" else "default")
            for name, suite in suites().items()]


def null_suites() -> list[str]:
    """The suites an A/A invocation (--null) runs for: those with an arm field (harness.execute.null)."""
    from harness.discovery import suites

    return [name for name, suite in suites().items() if suite.interleave]


def null_counts(client, suite: str) -> dict | None:
    """The newest A/A invocation of a suite: its parent run and how many rows read supported and refuted."""
    from harness.core.contract import null_experiment
    from harness.store.queries import parent_runs, recorded_verdict

    parents = [p for p in parent_runs(client, null_experiment(suite)) if p.info.status in ("FINISHED", "FAILED")]
    recorded = recorded_verdict(client, parents[0].info.run_id) if parents else None
    if recorded is None:
        return None
    outcomes = [v["outcome"] for v in json.loads(recorded)]
    return {"parent_run_id": parents[0].info.run_id, "rows": len(outcomes), "supported": outcomes.count("supported"),
            "refuted": outcomes.count("refuted")}


def _config_key(row) -> tuple[str, str]:
    """A configuration across seeds: hash of every config field but the seed, and a readable label."""
    from harness.config.run_config import RunConfig

    fields = {f: str(row[f]) for f in RunConfig.field_names() if f != "seed"}
    key = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:12]
    label = f"{row['activation']}-{row['norm']}-{row['depth']}x{row['width']}-{row['dataset']}"
    return key, label


def summarize(tracking_uri: str, suites: list[str] | None = None) -> dict:
    """Per suite, its newest invocation: the verdict rows and each configuration's median epoch time."""
    from mlflow.tracking import MlflowClient

    from harness.store.queries import invocation_runs, parent_runs, recorded_verdict

    client = MlflowClient(tracking_uri)
    from harness.core.contract import NULL_TAG

    names = suites or [e.name for e in client.search_experiments() if e.name not in ("Default", "train")
                       and not any(p.data.tags.get(NULL_TAG) for p in parent_runs(client, e.name)[:1])]
    out: dict[str, dict] = {}
    for name in names:
        parents = [p for p in parent_runs(client, name) if p.info.status in ("FINISHED", "FAILED")]
        if not parents:
            continue
        parent = parents[0]
        recorded = recorded_verdict(client, parent.info.run_id)
        verdicts = json.loads(recorded) if recorded is not None else []
        runs = invocation_runs(client, name, parent.info.run_id)  # the runs the verdict used (resume reuses earlier ones)
        timings: dict[str, dict] = {}
        for _, row in runs.iterrows():
            if MEDIAN_EPOCH_TIME not in row or row[MEDIAN_EPOCH_TIME] != row[MEDIAN_EPOCH_TIME]:
                continue  # a measurement run with no epochs (NaN)
            key, label = _config_key(row)
            timings.setdefault(key, {"label": label, "values": []})["values"].append(float(row[MEDIAN_EPOCH_TIME]))
        out[name] = {
            "parent_run_id": parent.info.run_id,
            "scale": parent.data.tags.get("scale", ""),
            "verdicts": [{k: v[k] for k in ("statement", "group", "arms", "tuned", "group_label", "arms_label",
                                            "tuned_label", "metric", "effect", "low", "high", "n", "outcome") if k in v}
                         for v in verdicts],
            "timings": {k: {"label": t["label"], MEDIAN_EPOCH_TIME: statistics.median(t["values"]), "n": len(t["values"])}
                        for k, t in timings.items()},
        }
        aa = null_counts(client, name)
        if aa is not None:
            out[name]["null"] = aa
    return out


def compare(baseline: dict, current: dict, time_threshold: float = 0.25) -> tuple[list[str], list[str]]:
    """(regressions, notes), each a list of one-line messages; see the module doc for the rules."""
    regressions, notes = [], []
    same_gpu = baseline.get("environment", {}).get("device_name") == current.get("environment", {}).get("device_name")
    if not same_gpu:
        notes.append(f"hardware changed: {baseline.get('environment', {}).get('device_name')!r} -> "
                     f"{current.get('environment', {}).get('device_name')!r}; timing changes are not judged")
    for suite, cur in current.get("suites", {}).items():
        if "null" in cur:  # reported, not judged: an A/A row that reads decisive is a false finding, expected at ~2.5%
            aa = cur["null"]
            notes.append(f"{suite} A/A (--null): {aa['supported']} supported, {aa['refuted']} refuted of {aa['rows']} rows")
    for suite, base in baseline.get("suites", {}).items():
        cur = current.get("suites", {}).get(suite)
        if cur is None:
            regressions.append(f"{suite}: no finished verdict tonight")
            continue
        from harness.judge.verdict import is_current
        from harness.report.history import row_id, row_label_of

        if not all(is_current(v) for v in base["verdicts"]):
            notes.append(f"{suite}: the baseline's verdicts were recorded with an older format (groups as text): "
                         f"not compared tonight (docs/contract.md, 'Stored names')")
            base = {**base, "verdicts": []}
        now = {row_id(v): v for v in cur["verdicts"]}
        for v in base["verdicts"]:
            row = row_id(v)
            label = f"{suite}: {v['statement']} [{row_label_of(v)}]"
            if row not in now:
                regressions.append(f"{label}: verdict row missing tonight (was {v['outcome']})")
                continue
            was, is_ = v["outcome"], now[row]["outcome"]
            if was != is_:
                line = f"{label}: {was} -> {is_} (effect {v['effect']:.3g} -> {now[row]['effect']:.3g})"
                (regressions if was in DECISIVE and is_ in DECISIVE else notes).append(line)
        for key, t in base.get("timings", {}).items():
            c = cur.get("timings", {}).get(key)
            if c is None or not t[MEDIAN_EPOCH_TIME] > 0:
                continue
            ratio = c[MEDIAN_EPOCH_TIME] / t[MEDIAN_EPOCH_TIME]
            if ratio > 1 + time_threshold:
                line = (f"{suite}: {t['label']} median epoch time {t[MEDIAN_EPOCH_TIME]:.4g}s -> "
                        f"{c[MEDIAN_EPOCH_TIME]:.4g}s (x{ratio:.2f}, threshold x{1 + time_threshold:.2f})")
                (regressions if same_gpu else notes).append(line)
    return regressions, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.tools.nightly")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("environment")
    p.add_argument("--device", default="cuda")
    p = sub.add_parser("plan")
    p.add_argument("--scale", default="nightly")
    p = sub.add_parser("summarize")
    p.add_argument("--tracking-uri", required=True)
    p.add_argument("--suites", default="", help="space- or comma-separated suite names (default: every experiment)")
    p.add_argument("--environment", default=None, help="environment.json to embed")
    p.add_argument("--out", required=True)
    p = sub.add_parser("compare")
    p.add_argument("baseline")
    p.add_argument("current")
    p.add_argument("--time-threshold", type=float, default=0.25, help="allowed growth of a median epoch time (0.25 = 25%%)")
    args = parser.parse_args(argv)

    if args.command == "environment":
        print(json.dumps(environment(args.device), indent=1))
    elif args.command == "plan":  # 'suite scale null' (or '-'): null = also an A/A invocation
        aa = set(null_suites())
        for name, scale in plan(args.scale):
            print(name, scale, "null" if name in aa else "-")
    elif args.command == "summarize":
        names = [s for s in args.suites.replace(",", " ").split() if s] or None
        env = json.loads(Path(args.environment).read_text()) if args.environment else {}
        Path(args.out).write_text(json.dumps({"environment": env, "suites": summarize(args.tracking_uri, names)}, indent=1))
    elif args.command == "compare":
        baseline = json.loads(Path(args.baseline).read_text())
        current = json.loads(Path(args.current).read_text())
        regressions, notes = compare(baseline, current, args.time_threshold)
        for line in notes:
            print(f"note: {line}")
        for line in regressions:
            print(f"REGRESSION: {line}")
        print(f"{len(regressions)} regression(s), {len(notes)} note(s) against {args.baseline}")
        return 1 if regressions else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
