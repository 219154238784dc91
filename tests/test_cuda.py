"""The GPU timing path: synchronized clocks, a run recorded on CUDA. Skipped cleanly without a GPU;
the same logic (harness.train.timing.synchronize, EpochTimer) runs on CPU in every other test."""
from __future__ import annotations

import time

import pytest
import torch

from harness.train.fit import train
from harness.train.lifecycle import Recording
from harness.train.timing import synchronize

pytestmark = [pytest.mark.cuda,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device; none here")]


def test_synchronized_clock_covers_queued_kernels():
    """Without synchronizing, a clock read returns before queued work ends; with it, the clock agrees with CUDA events."""
    device = torch.device("cuda")
    x = torch.randn(4096, 4096, device=device)
    synchronize(device)
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    t0 = time.perf_counter()
    start.record()
    for _ in range(20):
        x = x @ x
        x = x / x.norm()
    end.record()
    synchronize(device)
    wall_ms = (time.perf_counter() - t0) * 1000
    assert wall_ms >= 0.9 * start.elapsed_time(end)


def test_a_run_on_cuda_is_recorded_as_such(tracker, tiny):
    result = train(tiny.replace(device="cuda", max_epochs=2, stop_at_target=False), Recording(tracker))
    tags = tracker.client.get_run(result.run_id).data.tags
    assert tags["device_type"] == "cuda" and tags["cuda_version"] == str(torch.version.cuda)
    assert tags["device"] == torch.cuda.get_device_name()
    assert len(result.epoch_times) == 2 and all(t > 0 for t in result.epoch_times)
