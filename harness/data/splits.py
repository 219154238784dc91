"""A configuration's data as tensors: the registered dataset loaded, distorted, split with a seeded generator and
standardized with training statistics. Plain torch and numpy (no Lightning): the DataModule serves it, and a plain
PyTorch loop in its own process (benchmarks/plain_loop.py) trains on exactly the same split."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
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


@dataclass(frozen=True)
class Split:
    """One configuration's training and validation tensors, standardized with training statistics."""

    x_train: torch.Tensor  # (N_train, F), or (N_train, C, ...) for image-shaped data
    y_train: torch.Tensor  # (N_train,) int64 labels
    x_val: torch.Tensor  # (N_val, F)
    y_val: torch.Tensor  # (N_val,)
    n_features: int | tuple[int, ...]  # F for flat features; the per-example shape for image-shaped ones
    n_classes: int


def load_split(cfg, arrays: tuple[np.ndarray, np.ndarray] | None = None) -> Split:  # cfg: a RunConfig (a layer above)
    """The config's split, drawn from split_seed: the same for every run seed, so paired arms see the same examples.
    `arrays`: what the dataset's loader returned, when the caller called it already (else it is called here)."""
    loaded = DATASETS.get(cfg.dataset).load(cfg) if arrays is None else arrays
    if not isinstance(loaded, (tuple, list)) or len(loaded) != 2:  # e.g. a LightningDataModule: only a fit serves it
        raise ValueError(f"invalid dataset {cfg.dataset!r} here: its loader returns a {type(loaded).__name__}; valid: "
                         f"(X, y) arrays (a LightningDataModule serves training runs only, as given)")
    X, y = loaded
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
    x_train, y_train = X[train_idx], y[train_idx]  # (N_train, F), (N_train,)
    x_val, y_val = X[val_idx], y[val_idx]  # (N_val, F), (N_val,)
    if len(x_train) < cfg.batch_size:
        raise ValueError(f"batch_size {cfg.batch_size} exceeds the {len(x_train)} training examples")
    if cfg.standardize:
        mean = x_train.mean(0)
        std = x_train.std(0)
        # A feature constant in the training split (digits' border pixels) keeps scale 1: dividing
        # by a tiny std would turn a rare non-zero validation pixel into a huge input.
        std = torch.where(std > 1e-6, std, torch.ones_like(std))
        x_train = (x_train - mean) / std
        x_val = (x_val - mean) / std
    # F for flat features; the per-example shape, (C, L) or (C, H, W), for image-shaped ones (harness.nn.mlp)
    n_features = x_train.shape[1] if x_train.ndim == 2 else tuple(x_train.shape[1:])
    return Split(x_train, y_train, x_val, y_val, n_features, int(y.max()) + 1)
