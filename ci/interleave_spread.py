"""Spread of a timing suite's per-seed epoch-time ratios: arms one after another (solo) vs in lockstep (interleaved).

    python ci/interleave_spread.py bn-walltime --arms norm=none,before --fix activation=relu --seeds 8 --load bursts
    python ci/interleave_spread.py activations --arms activation=relu,elu --seeds 8 --epochs 8

For each seed: the arms solo (harness.train.fit.train, one after another, as the serial pipeline runs them) and in
lockstep (harness.train.fit.train_group), the order of the two alternating by seed. The ratio of each arm's median
epoch time to the first arm's (what the suites judge) is taken per seed; the table gives its sd and range for both
modes, the ratio over the epochs every arm ran (when arms stop at different epochs), and the cost: wall seconds of
the lockstep against the solo runs summed, and the RNG swaps' share of an epoch. --load bursts runs a busy loop on
one core in random 0.1-0.7 s bursts (idle 0.1-0.7 s between), for the whole measurement, then stops it.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's harness, not an installed one

import torch  # noqa: E402

from harness.config.run_config import ConfigError, RunConfig  # noqa: E402
from harness.data.datamodule import InMemoryDataModule  # noqa: E402
from harness.core.logs import quiet  # noqa: E402
from harness.train.fit import RunResult, train, train_group  # noqa: E402
from harness.discovery import suites  # noqa: E402

LOADS = ("none", "bursts")
BURSTS = """
import os, random, sys, time
random.seed(0)
parent, end = os.getppid(), time.monotonic() + float(sys.argv[1])
while time.monotonic() < end and os.getppid() == parent:  # bounded, and gone with the measurement
    busy = time.monotonic() + random.uniform(0.1, 0.7)
    while time.monotonic() < min(busy, end):
        pass
    time.sleep(random.uniform(0.1, 0.7))
"""


def parse_assignment(text: str) -> tuple[str, list[str]]:
    name, _, values = text.partition("=")
    if not values or name not in RunConfig.field_names():
        raise ConfigError(f"invalid assignment {text!r}; valid: FIELD=VALUE[,VALUE...] with FIELD a config field")
    return name, values.split(",")


def typed(name: str, value: str):
    return RunConfig.from_params({**RunConfig().as_params(), name: value}).__dict__[name]


def median_ratio(arm: list[float], base: list[float]) -> float:
    return statistics.median(arm) / statistics.median(base)


def ratios(results: list[RunResult]) -> tuple[list[float], list[float]]:
    """Per non-first arm: the median epoch-time ratio to the first arm, over all epochs and over the shared ones."""
    shared = min(len(r.epoch_times) for r in results)
    base = results[0].epoch_times
    return ([median_ratio(r.epoch_times, base) for r in results[1:]],
            [median_ratio(r.epoch_times[:shared], base[:shared]) for r in results[1:]])


@dataclass
class Mode:
    """One way of running the arms, over seeds: the first non-baseline arm's ratios, wall seconds, epochs run."""

    label: str
    ratio: list[float] = field(default_factory=list)  # per seed, over every epoch each arm ran
    shared: list[float] = field(default_factory=list)  # per seed, over the epochs every arm ran
    mean_epoch: list[list[float]] = field(default_factory=list)  # per seed, per arm: mean timed epoch, seconds
    wall: float = 0.0  # seconds, Trainer set-up included
    epochs: int = 0  # arm-epochs run

    def add(self, results: list[RunResult], wall: float) -> None:
        every, shared = ratios(results)
        self.ratio.append(every[0])
        self.shared.append(shared[0])
        self.mean_epoch.append([statistics.mean(r.epoch_times) for r in results])
        self.wall += wall
        self.epochs += sum(len(r.epoch_times) for r in results)


def rng_swap_seconds(n: int = 2000) -> float:
    """Seconds of one arm's swap in and out (set + get of the CPU generator's state)."""
    state = torch.get_rng_state()
    t0 = time.perf_counter()
    for _ in range(n):
        torch.set_rng_state(state)
        state = torch.get_rng_state()
    return (time.perf_counter() - t0) / n


def describe(label: str, values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else float("nan")
    return (f"{label:<34} median {statistics.median(values):.3f}  sd {sd:.3f}  range [{min(values):.3f}, "
            f"{max(values):.3f}]  per seed {' '.join(f'{v:.3f}' for v in values)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite")
    parser.add_argument("--arms", required=True, help="FIELD=BASELINE,OTHER,...: the interleaved field and its levels")
    parser.add_argument("--fix", action="append", default=[], help="FIELD=VALUE for the suite's other grid fields")
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=0, help="train exactly this many epochs (0 = the suite's own "
                                                              "budget and stopping)")
    parser.add_argument("--load", choices=LOADS, default="bursts")
    args = parser.parse_args(argv)
    quiet()
    try:
        return measure(args)
    except ValueError as e:  # ConfigError, an unknown suite: one line, exit 2
        print(f"interleave_spread: {e}", file=sys.stderr)
        return 2


def measure(args: argparse.Namespace) -> int:
    axis, levels = parse_assignment(args.arms)
    base = suites().get(args.suite).base
    for text in args.fix:
        name, (value,) = parse_assignment(text)
        base = base.replace(**{name: typed(name, value)})
    if args.epochs:
        base = base.replace(max_epochs=args.epochs, stop_at_target=False)
    load = None
    if args.load == "bursts":
        load = subprocess.Popen([sys.executable, "-c", BURSTS, "36000"])
    modes = {"solo": Mode("solo (arm after arm)"), "lockstep": Mode("interleaved (lockstep, per step)")}
    try:
        for seed in range(args.seeds):
            configs = [base.replace(seed=seed, **{axis: typed(axis, v)}) for v in levels]
            for name in ("solo", "lockstep") if seed % 2 == 0 else ("lockstep", "solo"):
                t0 = time.perf_counter()
                results = [train(c) for c in configs] if name == "solo" else train_group(configs, interleave=axis)
                modes[name].add(results, time.perf_counter() - t0)
                print(f"seed {seed} {name}: ratio {modes[name].ratio[-1]:.3f}", file=sys.stderr, flush=True)
    finally:
        if load is not None:
            load.kill()
            load.wait()
    solo, lock = modes["solo"], modes["lockstep"]
    print(f"{args.suite}: {axis} {levels[1]}/{levels[0]} median epoch-time ratio, {args.seeds} seeds, "
          f"{base.max_epochs} epochs{' (stop at target)' if base.stop_at_target else ''}, load {args.load}")
    for mode in (solo, lock):
        print(describe(mode.label, mode.ratio))
    if solo.shared != solo.ratio or lock.shared != lock.ratio:
        for mode in (solo, lock):
            print(describe(f"{mode.label.split(' (')[0]}, shared epochs only", mode.shared))
    print(f"cost: wall per arm-epoch solo {solo.wall / solo.epochs * 1e3:.1f} ms, lockstep "
          f"{lock.wall / lock.epochs * 1e3:.1f} ms (lockstep / solo summed {lock.wall / solo.wall:.3f}; "
          f"walls include Trainer set-up)")
    for i, level in enumerate(levels):
        print(f"  {axis}={level}: mean timed epoch solo {statistics.mean(t[i] for t in solo.mean_epoch) * 1e3:.1f} ms, "
              f"interleaved {statistics.mean(t[i] for t in lock.mean_epoch) * 1e3:.1f} ms")
    data = InMemoryDataModule(base)
    data.setup("fit")
    steps = len(data.x_train) // base.batch_size  # optimization steps per arm-epoch
    swap_ms = rng_swap_seconds() * 1e3 * steps
    lock_epoch_ms = statistics.mean(statistics.mean(t) for t in lock.mean_epoch) * 1e3
    print(f"RNG swaps (set+get of the CPU generator state, outside the timers): {swap_ms:.2f} ms per arm-epoch of "
          f"{steps} steps, {swap_ms / lock_epoch_ms:.1%} of a timed epoch")
    return 0


if __name__ == "__main__":
    sys.exit(main())
