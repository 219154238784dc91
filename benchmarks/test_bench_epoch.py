"""One training epoch per activation x BN placement: the 20x100 MLP on digits, batch 32, 1 thread.

The epoch is the plain loop (benchmarks/plain_loop.py), which the harness matches within a few
percent (test_bench_overhead.py), so a slowdown here is the model's or torch's, not the harness's.
"""
from __future__ import annotations

import pytest

from benchmarks.plain_loop import PlainLoop
from harness.nn.activations import ACTIVATIONS
from harness.config.run_config import NORMS, RunConfig

pytestmark = pytest.mark.benchmark_suite

BASE = RunConfig.chapter_recipe(threads=1)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("activation", ACTIVATIONS.names())
def test_training_epoch(benchmark, bench_scale, activation, norm):
    benchmark.group = f"epoch {activation}"
    loop = PlainLoop(BASE.replace(activation=activation, norm=norm))
    losses = benchmark.pedantic(loop.epoch, rounds=bench_scale["epoch_rounds"], iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(activation=activation, norm=norm, batch_size=BASE.batch_size,
                                model=f"{BASE.depth}x{BASE.width}", dataset=BASE.dataset)
    assert losses == losses  # not NaN: a diverged epoch would time something else
