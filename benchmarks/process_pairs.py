"""The harness's cost as a user's process sees it: `harness train` in a process of its own against a plain PyTorch
loop in a process of its own (benchmarks/plain_loop.py), same model, data, optimizer, batch and threads.

The plain process loads torch alone: its split comes in a file (plain_loop.save_split), since loading digits
imports scikit-learn and with it pandas and pyarrow. A pair is one of each, run back to back; the order alternates from pair to pair (harness first in even pairs), so
a load that drifts over a pair's ~20 s favours neither side on the whole. Each side reports its median epoch: the
harness its recorded median_epoch_time_s (its EpochTimer), the plain loop the median of its own timed epochs.
The pair's ratio is harness / plain; a session's figure is the median over pairs (issue 27).

    python -m benchmarks.process_pairs [--pairs 5] [--epochs 8]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.plain_loop import save_split
from harness.config.run_config import RunConfig

ROOT = Path(__file__).resolve().parents[1]
# Issue 27's setup: a 20x100 ReLU MLP without BN, SGD with momentum 0.9, batch 32, 1 thread, digits (1,437 training
# rows: 44 steps an epoch), no stop at the target; 8 epochs a process.
CONFIG = RunConfig.chapter_recipe(activation="relu", norm="none", optimizer="momentum", threads=1,
                                  stop_at_target=False, loop="epoch")


@dataclass(frozen=True)
class Pair:
    harness_epoch_s: float  # the harness run's median_epoch_time_s (seconds)
    plain_epoch_s: float  # the plain process's median epoch (seconds)
    harness_first: bool
    load: float  # the 1-minute load average when the pair ended

    @property
    def ratio(self) -> float:
        return self.harness_epoch_s / self.plain_epoch_s


def changed_fields(config: RunConfig) -> dict:
    """The config's fields that differ from RunConfig's defaults: what both processes are told."""
    default = RunConfig()
    return {f.name: getattr(config, f.name) for f in dataclasses.fields(RunConfig)
            if getattr(config, f.name) != getattr(default, f.name)}


def cli_flags(fields: dict) -> list[str]:
    """`harness train`'s flags for these fields: --name value, --flag / --no-flag for booleans."""
    flags = []
    for name, value in fields.items():
        option = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            flags.append(option if value else "--no-" + name.replace("_", "-"))
        else:
            flags += [option, str(value)]
    return flags


def _run(argv: list[str]) -> str:
    done = subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    return done.stdout


def harness_epoch_s(config: RunConfig, epochs: int, store: Path) -> float:
    """`harness train` in its own process, recorded in `store`; its run's median_epoch_time_s read back from there."""
    from harness.store.tracking import Tracker  # here, not at the top: the plain process never imports this module

    fields = {**changed_fields(config), "max_epochs": epochs, "stop_at_target": False}
    out = _run(["-m", "harness.cli.main", "train", *cli_flags(fields), "--tracking-uri", f"sqlite:///{store}"])
    run_id = next(line.split()[1] for line in out.splitlines() if line.startswith("run "))
    return Tracker(f"sqlite:///{store}").client.get_run(run_id).data.metrics["median_epoch_time_s"]


def plain_epoch_s(config: RunConfig, epochs: int, data: Path) -> float:
    """benchmarks/plain_loop.py in its own process, its split read from `data` (torch alone); its median epoch."""
    if not data.exists():
        save_split(config, data)
    out = _run(["-m", "benchmarks.plain_loop", "--epochs", str(epochs), "--config", json.dumps(changed_fields(config)),
                "--data", str(data)])
    return statistics.median(json.loads(out.splitlines()[-1])["epoch_times"])


def run_pair(config: RunConfig, epochs: int, folder: Path, harness_first: bool) -> Pair:
    """One pair, back to back; `folder` holds the harness's store and the plain process's split file."""
    store, data = folder / "mlflow.db", folder / f"split-{config.config_id}.pt"
    if harness_first:
        h = harness_epoch_s(config, epochs, store)
        p = plain_epoch_s(config, epochs, data)
    else:
        p = plain_epoch_s(config, epochs, data)
        h = harness_epoch_s(config, epochs, store)
    return Pair(h, p, harness_first, os.getloadavg()[0])


def summarize(pairs: list[Pair]) -> dict[str, float]:
    """Median and spread of the pair ratios, the sides' median epochs, and the load the pairs ran under."""
    ratios = sorted(p.ratio for p in pairs)
    q = statistics.quantiles(ratios, n=4, method="inclusive") if len(ratios) > 1 else [ratios[0]] * 3
    return {"process_ratio_median": statistics.median(ratios), "process_ratio_q1": q[0], "process_ratio_q3": q[2],
            "process_ratio_min": ratios[0], "process_ratio_max": ratios[-1], "pairs": len(pairs),
            "process_harness_epoch_s_median": statistics.median(p.harness_epoch_s for p in pairs),
            "process_plain_epoch_s_median": statistics.median(p.plain_epoch_s for p in pairs),
            "load_median": statistics.median(p.load for p in pairs)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=8)
    args = parser.parse_args(argv)
    pairs = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.pairs):
            t0 = time.perf_counter()
            pair = run_pair(CONFIG, args.epochs, Path(tmp), harness_first=i % 2 == 0)
            pairs.append(pair)
            print(f"pair {i + 1}: harness {pair.harness_epoch_s * 1e3:.1f} ms, plain {pair.plain_epoch_s * 1e3:.1f} ms, "
                  f"ratio {pair.ratio:.3f} ({'harness' if pair.harness_first else 'plain'} first, load {pair.load:.2f}, "
                  f"{time.perf_counter() - t0:.0f} s)", flush=True)
    print({k: round(v, 4) if isinstance(v, float) else v for k, v in summarize(pairs).items()})


if __name__ == "__main__":
    main()
