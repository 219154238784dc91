"""Benchmark settings: quick (what CI runs) or full, torch threads pinned, the scale written into the JSON report.

Run them with ci/bench.sh, or directly:
    python -m pytest benchmarks -m benchmark_suite [--bench-quick] --benchmark-json=bench.json
The default test run (python -m pytest) never collects or runs them: pyproject's addopts deselect
the benchmark_suite marker, and every file here carries it.
"""
from __future__ import annotations

import pytest
import torch

THREADS = 1  # torch intra-op threads for every benchmark: thread count changes timings, so it is pinned and recorded

# Repeats per benchmark. quick: CI's regression signal in about two minutes on 2 idle cores (3 process pairs take
# ~45 s of it: a harness process starts in ~8 s, a plain one in ~4 s; the report benchmarks ~40 s at 3 rounds);
# full: tighter spreads, and the rounds docs/benchmarks.md's figures come from (5 per command-line benchmark). A
# command-line benchmark is a new process each round (nothing in it to warm), so quick skips the warm-up round:
# ~15 s of the report benchmarks; full keeps it (the OS's file cache after the first round). process_pairs_suspect:
# how many pairs the process-level benchmark goes up to when its first pairs' median is over the gate's line (the
# lower bound at 8 pairs is the 2nd smallest ratio, at 11 the 3rd: benchmarks/process_pairs.py's gate).
SCALES = {
    "quick": {"inference_rounds": 15, "epoch_rounds": 3, "overhead_rounds": 3, "overhead_epochs": 4,
              "process_pairs": 3, "process_pairs_suspect": 8, "process_epochs": 8, "cli_rounds": 3, "cli_warmup": 0,
              "ghost_blocks": 3},
    "full": {"inference_rounds": 100, "epoch_rounds": 10, "overhead_rounds": 20, "overhead_epochs": 8,
             "process_pairs": 7, "process_pairs_suspect": 11, "process_epochs": 8, "cli_rounds": 5, "cli_warmup": 1,
             "ghost_blocks": 30},
}


def pytest_addoption(parser):
    parser.addoption("--bench-quick", action="store_true", default=False,
                     help="benchmarks: few repeats (what CI runs); default is the full scale")


def _scale_name(config) -> str:
    return "quick" if config.getoption("--bench-quick") else "full"


@pytest.fixture(scope="session")
def bench_scale(request) -> dict:
    return SCALES[_scale_name(request.config)]


@pytest.fixture(scope="session", autouse=True)
def _pinned_threads():
    """For the whole session, module fixtures included (they are made before any function-scoped fixture): the
    inference nets' set-up took 6.5 s at torch's default 2 threads on our 2 cores at load 2.5, 0.3 s at 1."""
    previous = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    yield
    torch.set_num_threads(previous)


def pytest_benchmark_update_json(config, benchmarks, output_json):
    """The scale and thread count travel with the results (the JSON, hence MLflow and the baseline)."""
    output_json["harness"] = {"scale": _scale_name(config), "threads": THREADS, "torch_version": torch.__version__}
