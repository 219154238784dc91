"""The reference: a plain PyTorch training loop on the harness's data and model, no framework at all.

Importing this module loads torch, numpy and the harness's torch-only layers (config, data splits, models,
optimizers), never Lightning, MLflow, pandas or SQLAlchemy. Loading digits imports scikit-learn, which imports
pandas and with it pyarrow (and pyarrow's jemalloc, with its background thread); so the process-level benchmark
hands the split over in a file (--data, written by save_split), and the plain process loads torch alone
(tests/test_plain_process.py checks): what a user's bare PyTorch process sees.

    python -m benchmarks.plain_loop --epochs 8 --config '{"optimizer": "momentum"}' [--data split.pt]

prints one JSON line, {"epoch_times": [seconds, ...], "epoch_cpu_times": [...]}, each epoch's training steps timed as
the harness times its own (wall clock; process CPU clock).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import time

import torch
import torch.nn.functional as F

from harness.config.run_config import RunConfig
from harness.data.splits import Split, load_split
from harness.nn.models import build_model
from harness.nn.optimizers import make_optimizer


def synchronize(device: torch.device) -> None:
    """What a careful engineer writes before reading a clock: wait for queued CUDA work (a no-op on CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class PlainLoop:
    """The config's model, optimizer and training split, trained by hand: what a careful engineer writes without a harness."""

    def __init__(self, config: RunConfig, split: Split | None = None):
        torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)
        self.config = config
        self.device = torch.device(config.resolved().device)
        split = split or load_split(config)
        self.x, self.y = split.x_train.to(self.device), split.y_train.to(self.device)  # (N, F), (N,)
        self.model = build_model(config, split.n_features, split.n_classes).to(self.device).train()
        self.opt = make_optimizer(self.model.parameters(), config)
        self.shuffle = torch.Generator().manual_seed(config.seed)

    def steps(self) -> torch.Tensor:
        """One epoch of shuffled full batches (the last partial one dropped, as the harness does); the summed loss, on device."""
        b = self.config.batch_size
        perm = torch.randperm(len(self.x), generator=self.shuffle).to(self.device)
        loss_sum = torch.zeros((), device=self.device)
        for i in range(len(self.x) // b):
            idx = perm[i * b:(i + 1) * b]
            self.opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(self.model(self.x[idx]), self.y[idx])
            loss.backward()
            self.opt.step()
            loss_sum += loss.detach()  # kept on device, as the harness does: no sync per step
        return loss_sum

    def epoch(self) -> float:
        """One epoch; its mean training loss (the one device sync)."""
        return float(self.steps()) / (len(self.x) // self.config.batch_size)

    def timed_epochs(self, epochs: int) -> list[float]:
        """Seconds per epoch, training steps only, device synchronized before each clock read; the same windows on
        the process's CPU clock go to self.cpu_times (as the harness's train/epoch_cpu_s)."""
        times, self.cpu_times = [], []
        for _ in range(epochs):
            synchronize(self.device)
            c0 = time.process_time()
            t0 = time.perf_counter()
            loss_sum = self.steps()
            synchronize(self.device)
            times.append(time.perf_counter() - t0)
            self.cpu_times.append(time.process_time() - c0)
            float(loss_sum)  # read after the clock, as the harness reads train/loss after its timed region
        return times


def save_split(config: RunConfig, path) -> None:
    """The config's split in a file the plain process reads with torch alone (no scikit-learn, hence no pandas)."""
    torch.save(dataclasses.asdict(load_split(config)), path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A plain PyTorch loop in its own process: seconds per epoch as JSON.")
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--config", default="{}", help="RunConfig fields as a JSON object")
    parser.add_argument("--data", default=None, help="the config's split, as save_split wrote it (default: load it)")
    args = parser.parse_args(argv)
    config = RunConfig(**json.loads(args.config))
    split = Split(**torch.load(args.data)) if args.data else None
    loop = PlainLoop(config, split)
    print(json.dumps({"epoch_times": loop.timed_epochs(args.epochs), "epoch_cpu_times": loop.cpu_times}))


if __name__ == "__main__":
    main()
