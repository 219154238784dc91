"""Inference latency: forward calls of several nets timed in turn on one input, the device synchronized.

For a suite that measures (Suite.measure) what a net costs at inference, e.g. BN against BN folded away
(harness.nn.fusion). Each net gets `warmup` untimed calls (allocator, caches, lazy init), then `repeats` timed
single calls, interleaved with the other nets' and rotating who goes first, so a busy machine slows all alike;
a net's latency is the median over its calls. Single calls, not blocks of calls: on a shared, oversubscribed
CPU a short call is rarely preempted, so the median stays the uncontended cost.
"""
from __future__ import annotations

import statistics
import time
from typing import Mapping

import torch

from harness.train.timing import synchronize


def inference_latency(nets: Mapping[str, torch.nn.Module], x: torch.Tensor, *, repeats: int = 60,
                      warmup: int = 5) -> dict[str, float]:
    """Net name -> median seconds per forward call on x (a batch on the nets' device), under inference_mode.

    The nets are called as given: put them in eval mode first for inference figures.
    """
    names = list(nets)
    device = x.device
    samples: dict[str, list[float]] = {name: [] for name in names}  # seconds per call
    with torch.inference_mode():
        for net in nets.values():
            for _ in range(warmup):
                net(x)
        for r in range(repeats):
            k = r % len(names)
            for name in names[k:] + names[:k]:  # rotate who goes first
                synchronize(device)
                t0 = time.perf_counter()
                nets[name](x)
                synchronize(device)
                samples[name].append(time.perf_counter() - t0)
    return {name: statistics.median(samples[name]) for name in names}
