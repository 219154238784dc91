"""How data is served: a DataModule that splits, distorts and standardizes a registered dataset and serves in-memory batches."""
from __future__ import annotations

from typing import Iterator

import numpy as np
import pytorch_lightning as pl
import torch

from harness.data.datasets import DATASETS


def distort_features(X: np.ndarray, cfg) -> np.ndarray:  # cfg: a RunConfig (harness.config, a layer above)
    """Random per-feature scales and offsets (cfg.feature_scale_decades, cfg.feature_offset): x_j * 10**u_j + o_j.

    Drawn from split_seed, so every run seed (and the BN/no-BN arms of a pair) sees the same
    distortion; X (N, F) -> (N, F) float32. With both settings 0, X is returned unchanged.
    """
    if cfg.feature_scale_decades == 0 and cfg.feature_offset == 0:
        return X
    rng = np.random.default_rng([cfg.split_seed, 1])  # its own stream: the split's generator is not disturbed
    scale = 10.0 ** rng.uniform(-cfg.feature_scale_decades, cfg.feature_scale_decades, X.shape[1:])  # (F,) or (C, ...)
    offset = rng.uniform(-cfg.feature_offset, cfg.feature_offset, X.shape[1:])  # (F,) or (C, ...)
    return (X * scale + offset).astype(np.float32)


def keep_classes(X: np.ndarray, y: np.ndarray, cfg) -> tuple[np.ndarray, np.ndarray]:  # cfg: a RunConfig
    """Only the examples of cfg.classes, relabelled 0..n-1 in the order listed; unchanged when classes is ''."""
    labels = cfg.class_labels
    if not labels:
        return X, y
    missing = sorted(set(labels) - set(np.unique(y).tolist()))
    if missing:
        raise ValueError(f"invalid classes {cfg.classes!r}: dataset {cfg.dataset!r} has no label {missing[0]}")
    keep = np.isin(y, labels)
    relabel = np.full(int(y.max()) + 1, -1, dtype=np.int64)
    relabel[list(labels)] = np.arange(len(labels))
    return X[keep], relabel[y[keep]]


def first_per_class(y: torch.Tensor, idx: torch.Tensor, n: int) -> torch.Tensor:
    """The first n indices of each class in idx's (random) order, order kept; idx (N,) -> (<= n * classes,)."""
    seen: dict[int, int] = {}
    keep = []
    for i in idx.tolist():
        label = int(y[i])
        if seen.get(label, 0) < n:
            seen[label] = seen.get(label, 0) + 1
            keep.append(i)
    return torch.tensor(keep, dtype=torch.long)


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
    """Loads a registered dataset, splits it with a seeded generator, standardizes with train statistics."""

    def __init__(self, config):  # config: a RunConfig (harness.config, a layer above, built on this one)
        super().__init__()
        self.config = config
        self._on_device: torch.device | None = None

    def setup(self, stage: str | None = None) -> None:
        if hasattr(self, "x_train"):
            return
        cfg = self.config
        X, y = DATASETS.get(cfg.dataset).load(cfg)
        X, y = keep_classes(X, y, cfg)
        X = distort_features(X, cfg)
        g = torch.Generator().manual_seed(cfg.split_seed)
        order = torch.randperm(len(X), generator=g)
        if cfg.n_samples and cfg.dataset != "synthetic":
            order = order[: cfg.n_samples]
        n_val = max(1, int(round(len(order) * cfg.val_fraction)))
        val_idx, train_idx = order[:n_val], order[n_val:]
        X, y = torch.from_numpy(X), torch.from_numpy(y)
        if cfg.train_per_class:  # few labels: the validation split stays whole
            train_idx = first_per_class(y, train_idx, cfg.train_per_class)
        self.x_train, self.y_train = X[train_idx], y[train_idx]  # (N_train, F), (N_train,)
        self.x_val, self.y_val = X[val_idx], y[val_idx]  # (N_val, F), (N_val,)
        if len(self.x_train) < cfg.batch_size:
            raise ValueError(f"batch_size {cfg.batch_size} exceeds the {len(self.x_train)} training examples")
        if cfg.standardize:
            mean = self.x_train.mean(0)
            std = self.x_train.std(0)
            # A feature constant in the training split (digits' border pixels) keeps scale 1: dividing
            # by a tiny std would turn a rare non-zero validation pixel into a huge input.
            std = torch.where(std > 1e-6, std, torch.ones_like(std))
            self.x_train = (self.x_train - mean) / std
            self.x_val = (self.x_val - mean) / std
        # F for flat features; the per-example shape, (C, L) or (C, H, W), for image-shaped ones (harness.nn.mlp)
        self.n_features = self.x_train.shape[1] if self.x_train.ndim == 2 else tuple(self.x_train.shape[1:])
        self.n_classes = int(y.max()) + 1

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
