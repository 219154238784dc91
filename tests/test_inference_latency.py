"""harness.inference_latency: nets called in turn, warmed up, timed per call, the median per net."""
from __future__ import annotations

import time

import torch

from harness import inference_latency


class Recorder(torch.nn.Module):
    """Records each call in a shared log and waits `seconds` (a net slower by a known amount)."""

    def __init__(self, name: str, log: list, seconds: float = 0.0):
        super().__init__()
        self.name, self.log, self.seconds = name, log, seconds

    def forward(self, x):
        self.log.append((self.name, torch.is_inference_mode_enabled()))
        if self.seconds:
            time.sleep(self.seconds)
        return x


def test_each_net_is_warmed_up_then_timed_in_rotating_order_under_inference_mode():
    log: list = []
    nets = {n: Recorder(n, log) for n in ("a", "b", "c")}
    out = inference_latency(nets, torch.zeros(2, 3), repeats=4, warmup=2)
    assert list(out) == ["a", "b", "c"] and all(s >= 0 for s in out.values())
    names = [n for n, _ in log]
    assert names[:6] == ["a", "a", "b", "b", "c", "c"]  # warm-up, untimed
    assert names[6:] == ["a", "b", "c", "b", "c", "a", "c", "a", "b", "a", "b", "c"]  # who goes first rotates
    assert all(inference for _, inference in log)


def test_a_net_slower_by_a_known_amount_reads_slower_by_about_it():
    log: list = []
    out = inference_latency({"fast": Recorder("fast", log), "slow": Recorder("slow", log, 0.02)}, torch.zeros(1),
                            repeats=9, warmup=1)
    assert out["slow"] - out["fast"] >= 0.02 > out["fast"]  # a sleep lasts at least as long as asked
