"""Inference latency of the 20x100 MLP without BN, with BN, and with BN fused away, at batch sizes 1, 32 and 1024.

The nets are those of the bn-inference suite (suites/bn_inference.py): the BN net after a few
training steps, its fused copy, and the same MLP built without BN; eval mode, inference_mode,
threads pinned; CPU (the bn-inference suite covers CUDA). Each round is a block of calls long
enough (>= 2 ms) for the clock; pytest-benchmark reports seconds per call. Compare the three
within one run (same group), never across machines.
"""
from __future__ import annotations

import time

import pytest
import torch

from harness.config.run_config import RunConfig
from harness.data.datamodule import InMemoryDataModule
from harness.nn.fusion import fuse_bn
from harness.nn.mlp import build_mlp
from suites.bn_inference import trained_bn_net

pytestmark = pytest.mark.benchmark_suite

CONFIG = RunConfig.chapter_recipe(activation="relu", norm="before", threads=1)
MIN_ROUND_S = 2e-3  # seconds per round, so clock resolution is negligible


@pytest.fixture(scope="module")
def nets() -> dict[str, torch.nn.Module]:
    torch.manual_seed(0)
    data = InMemoryDataModule(CONFIG)
    data.setup("fit")
    bn = trained_bn_net(CONFIG, data, torch.device("cpu"))
    none = build_mlp(CONFIG.replace(norm="none"), data.n_features, data.n_classes).eval()
    return {"none": none, "bn": bn, "fused": fuse_bn(bn), "n_features": data.n_features}


@pytest.mark.parametrize("batch", [1, 32, 1024])
@pytest.mark.parametrize("variant", ["none", "bn", "fused"])
def test_inference_latency(benchmark, bench_scale, nets, variant, batch):
    benchmark.group = f"inference batch {batch}"
    net = nets[variant]
    x = torch.randn(batch, nets["n_features"], generator=torch.Generator().manual_seed(1))  # (batch, F)
    with torch.inference_mode():
        t0 = time.perf_counter()
        for _ in range(3):  # warm-up, and a first estimate of one call's cost
            net(x)
        per_call = (time.perf_counter() - t0) / 3
        iterations = max(1, int(MIN_ROUND_S / per_call))
        out = benchmark.pedantic(net, args=(x,), rounds=bench_scale["inference_rounds"], iterations=iterations,
                                 warmup_rounds=1)
    benchmark.extra_info.update(variant=variant, batch=batch, depth=CONFIG.depth, width=CONFIG.width)
    assert out.shape == (batch, 10)
