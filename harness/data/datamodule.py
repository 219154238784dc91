"""How data is served: a DataModule over a configuration's split (harness.data.splits) that serves in-memory batches."""
from __future__ import annotations

from typing import Iterator

import pytorch_lightning as pl
import torch

from harness.data.splits import load_split


class ShuffledBatches:
    """One epoch of shuffled, full-size batches sliced from in-memory tensors.

    The last partial batch is dropped; a fresh permutation each epoch means every example is still
    seen. Dropping it keeps every batch the same size, so batch norm never sees a batch of 1 or 2
    rows, whose statistics would cripple BN runs for a reason the claim is not about.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, generator: torch.Generator):
        self.x, self.y, self.batch_size, self.generator = x, y, batch_size, generator

    def __len__(self) -> int:
        return len(self.x) // self.batch_size

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        perm = torch.randperm(len(self.x), generator=self.generator).to(self.x.device)
        for i in range(len(self)):
            idx = perm[i * self.batch_size : (i + 1) * self.batch_size]
            yield self.x[idx], self.y[idx]  # (B, F), (B,)


class OneItem:
    """An iterable of exactly one item: how the 'epoch' loop hands Lightning one step per epoch."""

    def __init__(self, item):
        self.item = item

    def __len__(self) -> int:
        return 1

    def __iter__(self):
        yield self.item


class InMemoryDataModule(pl.LightningDataModule):
    """Serves a configuration's split (harness.data.splits.load_split) as in-memory batches, on the trainer's device."""

    def __init__(self, config):  # config: a RunConfig (harness.config, a layer above, built on this one)
        super().__init__()
        self.config = config
        self._on_device: torch.device | None = None

    def setup(self, stage: str | None = None) -> None:
        if hasattr(self, "x_train"):
            return
        split = load_split(self.config)
        self.x_train, self.y_train = split.x_train, split.y_train  # (N_train, F), (N_train,)
        self.x_val, self.y_val = split.x_val, split.y_val  # (N_val, F), (N_val,)
        self.n_features, self.n_classes = split.n_features, split.n_classes

    def _to_device(self) -> None:
        device = self.trainer.strategy.root_device if self.trainer is not None else torch.device("cpu")
        if self._on_device != device:
            for name in ("x_train", "y_train", "x_val", "y_val"):
                setattr(self, name, getattr(self, name).to(device))
            self._on_device = device

    def train_dataloader(self):
        self._to_device()
        shuffle = torch.Generator().manual_seed(self.config.seed)
        batches = ShuffledBatches(self.x_train, self.y_train, self.config.batch_size, shuffle)
        # 'epoch' loop: one item per epoch, the system iterates the batches itself.
        return OneItem(batches) if self.config.loop == "epoch" else batches

    def val_dataloader(self):
        self._to_device()
        return OneItem((self.x_val, self.y_val))  # the whole validation split as one batch


def load_data(config) -> InMemoryDataModule:  # config: a RunConfig
    """The config's data as a training run sees it, outside a Trainer (a measurement's forward pass, a few steps by
    hand): split, distorted and standardized; .x_train (N, F), .y_train (N,), .x_val, .y_val, .n_features, .n_classes."""
    data = InMemoryDataModule(config)
    data.setup("fit")
    return data
