"""The harness's own cost: an epoch through the harness vs a plain PyTorch loop, as a ratio taken in one run.

Same model (the 20x100 MLP, built with the same seed), same data (digits, the harness's own split
and standardization), same batch size (32), same optimizer, same thread count (1). Each round
trains the plain loop and the harness for EPOCHS epochs, in alternating order so drift of a shared
machine hits both alike; an epoch's time is the harness's own timer (EpochTimer, what every suite
reports) and a perf_counter around the plain loop's epoch, synchronized on CUDA. The first epoch
of each is warm-up and dropped. Ratio per round = median harness epoch / median plain epoch; the
benchmark reports the median over rounds with the spread (min, quartiles, max) in extra_info.
"""
from __future__ import annotations

import statistics

import pytest
import torch

from benchmarks.plain_loop import PlainLoop
from harness.config import RunConfig
from harness.runner import train

pytestmark = pytest.mark.benchmark_suite

# The reference setup: 20x100 MLP, batch 32, 1 thread, digits, the bn-walltime recipe.
CONFIG = RunConfig(dataset="digits", depth=20, width=100, activation="relu", norm="none", optimizer="nesterov",
                   lr=0.01, batch_size=32, threads=1, stop_at_target=False, loop="epoch")
GOAL = 1.05  # the goal for the median ratio


def plain_epochs(config: RunConfig, epochs: int) -> list[float]:
    """The reference: a plain PyTorch loop (benchmarks/plain_loop.py) on the same model, data and settings."""
    return PlainLoop(config).timed_epochs(epochs)


def harness_epochs(config: RunConfig, epochs: int) -> tuple[list[float], float]:
    """The same epochs through harness.runner.train (Lightning Trainer, ClassifierSystem, EpochTimer).

    Returns the timed epochs and the run's untimed seconds per epoch (setup, hooks, Lightning's
    switch to validation: overhead_time_s / epochs), which a suite's ratios never see.
    """
    result = train(config.replace(max_epochs=epochs))
    return result.epoch_times, result.summary()["overhead_time_s"] / epochs


def overhead_round(config: RunConfig, epochs: int, harness_first: bool) -> dict[str, float]:
    """One round: both loops, order alternated by the caller; medians skip the warm-up epoch."""
    if harness_first:
        h, untimed = harness_epochs(config, epochs)
        p = plain_epochs(config, epochs)
    else:
        p = plain_epochs(config, epochs)
        h, untimed = harness_epochs(config, epochs)
    hm, pm = statistics.median(h[1:]), statistics.median(p[1:])
    return {"harness_epoch_s": hm, "plain_epoch_s": pm, "ratio": hm / pm, "untimed_s_per_epoch": untimed}


def summarize(rounds: list[dict[str, float]]) -> dict[str, float]:
    ratios = sorted(r["ratio"] for r in rounds)
    q = statistics.quantiles(ratios, n=4, method="inclusive") if len(ratios) > 1 else [ratios[0]] * 3
    return {"ratio_median": statistics.median(ratios), "ratio_q1": q[0], "ratio_q3": q[2],
            "ratio_min": ratios[0], "ratio_max": ratios[-1], "rounds": len(ratios),
            "harness_epoch_s_median": statistics.median(r["harness_epoch_s"] for r in rounds),
            "plain_epoch_s_median": statistics.median(r["plain_epoch_s"] for r in rounds),
            "untimed_s_per_epoch_median": statistics.median(r["untimed_s_per_epoch"] for r in rounds)}


@pytest.mark.parametrize("device", [
    "cpu",
    pytest.param("cuda", marks=[pytest.mark.cuda,
                                pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]),
])
def test_harness_overhead_ratio(benchmark, bench_scale, device):
    config = CONFIG.replace(device=device)
    rounds: list[dict[str, float]] = []

    def one_round():
        rounds.append(overhead_round(config, bench_scale["overhead_epochs"], harness_first=len(rounds) % 2 == 1))

    # The benchmark's own time is one round (plain loop + harness fit); the figure that matters is the ratio.
    benchmark.pedantic(one_round, rounds=bench_scale["overhead_rounds"], iterations=1)
    summary = summarize(rounds)
    benchmark.extra_info.update(summary, threads=config.threads, batch_size=config.batch_size,
                                model=f"{config.depth}x{config.width}", device=device, goal=GOAL)
    assert summary["rounds"] == bench_scale["overhead_rounds"]
    assert all(r["harness_epoch_s"] > 0 and r["plain_epoch_s"] > 0 for r in rounds)


if __name__ == "__main__":  # python -m benchmarks.test_bench_overhead [rounds] [epochs]: the figure alone
    import logging
    import sys

    logging.getLogger("pytorch_lightning").setLevel(logging.WARNING)
    n_rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    n_epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    out = [overhead_round(CONFIG, n_epochs, harness_first=i % 2 == 1) for i in range(n_rounds)]
    for r in out:
        print({k: round(v, 5) for k, v in r.items()})
    print({k: round(v, 4) if isinstance(v, float) else v for k, v in summarize(out).items()})
