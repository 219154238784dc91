"""What a lockstep tail step costs beside the stopped arm's ghost (harness.train.lockstep.Ghost), in one run.

A 20x100 step without BN (the arm still timed) beside, in turn: the BN arm's full training step (what the ghost
took until 2026-12-06), its forward pass (what the ghost runs now), and nothing (the arm alone). Blocks of steps
alternate between the three, so drifting load reaches all three alike; each block's median step goes in. Recorded
as ratios to the full-step neighbour (extra_info), the figures docs/measurement.md quotes: the forward pass should
sit between alone (warm caches, faster) and a full step, close to the full step, at a fraction of its cost.
"""
from __future__ import annotations

import statistics
import time

import pytest
import torch
import torch.nn.functional as F

from harness.config.run_config import RunConfig
from harness.nn.models import build_model
from harness.nn.optimizers import make_optimizer

pytestmark = pytest.mark.benchmark_suite

BASE = RunConfig.chapter_recipe(threads=1)
FEATURES, CLASSES = 64, 10  # digits' shape
STEPS = 100  # per block


def _arm(norm: str):
    config = BASE.replace(norm=norm)
    model = build_model(config, FEATURES, CLASSES)
    return model, make_optimizer(model.parameters(), config)


def _step(model, optimizer, x, y) -> None:
    optimizer.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), y).backward()
    optimizer.step()


def test_tail_step_beside_the_ghost(benchmark, bench_scale):
    torch.manual_seed(0)
    timed, timed_opt = _arm("none")
    ghost, ghost_opt = _arm("before")
    x, y = torch.randn(BASE.batch_size, FEATURES), torch.randint(0, CLASSES, (BASE.batch_size,))

    def forward() -> None:
        with torch.no_grad():
            ghost(x)

    neighbours = {"full step": lambda: _step(ghost, ghost_opt, x, y), "forward pass": forward, "alone": lambda: None}
    medians: dict[str, list[float]] = {name: [] for name in neighbours}

    def blocks() -> None:
        for name, neighbour in neighbours.items():
            times = []
            for _ in range(STEPS):
                neighbour()
                t0 = time.perf_counter()
                _step(timed, timed_opt, x, y)
                times.append(time.perf_counter() - t0)
            medians[name].append(statistics.median(times))

    benchmark.pedantic(blocks, rounds=bench_scale["ghost_blocks"], iterations=1, warmup_rounds=1)
    full = medians["full step"]
    for name in ("forward pass", "alone"):
        ratios = [a / b for a, b in zip(medians[name], full)]
        benchmark.extra_info[f"{name} / full step"] = statistics.median(ratios)
    benchmark.extra_info["full step median s"] = statistics.median(full)
    costs = {}
    for name in ("full step", "forward pass"):
        t0 = time.perf_counter()
        for _ in range(STEPS):
            neighbours[name]()
        costs[name] = (time.perf_counter() - t0) / STEPS
    benchmark.extra_info["ghost cost / full step cost"] = costs["forward pass"] / costs["full step"]
