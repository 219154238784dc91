"""The reference: a plain PyTorch training loop on the harness's data and model, no framework at all."""
from __future__ import annotations

import time

import torch
import torch.nn.functional as F

from harness.config.run_config import RunConfig
from harness.data.datamodule import InMemoryDataModule
from harness.nn.mlp import build_mlp
from harness.nn.optimizers import OPTIMIZERS
from harness.train.timing import synchronize


class PlainLoop:
    """The config's model, optimizer and training split, trained by hand: what a careful engineer writes without a harness."""

    def __init__(self, config: RunConfig):
        torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)
        self.config = config
        self.device = torch.device(config.resolved().device)
        dm = InMemoryDataModule(config)
        dm.setup("fit")
        self.x, self.y = dm.x_train.to(self.device), dm.y_train.to(self.device)  # (N, F), (N,)
        self.model = build_mlp(config, dm.n_features, dm.n_classes).to(self.device).train()
        self.opt = OPTIMIZERS.get(config.optimizer)(self.model.parameters(), config.lr, config.weight_decay)
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
        """Seconds per epoch, training steps only, device synchronized before each clock read."""
        times = []
        for _ in range(epochs):
            synchronize(self.device)
            t0 = time.perf_counter()
            loss_sum = self.steps()
            synchronize(self.device)
            times.append(time.perf_counter() - t0)
            float(loss_sum)  # read after the clock, as the harness reads train/loss after its timed region
        return times
