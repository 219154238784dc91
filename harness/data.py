"""Where data comes from: a dataset registry and a DataModule that serves in-memory batches."""
from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pytorch_lightning as pl
import torch

from harness.config import RunConfig
from harness.registry import Registry


@dataclass(frozen=True)
class Dataset:
    load: Callable[[RunConfig], tuple[np.ndarray, np.ndarray]]  # config -> (X (N, F) float, y (N,) int)
    doc: str


def _digits(cfg: RunConfig):
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.data.astype(np.float32), d.target.astype(np.int64)  # (1797, 64) pixel values 0..16, 10 classes


def _synthetic(cfg: RunConfig):
    from sklearn.datasets import make_classification

    n = cfg.n_samples or 5000
    X, y = make_classification(
        n_samples=n,
        n_features=cfg.n_features,
        n_informative=max(2, cfg.n_features // 2),
        n_redundant=0,
        n_classes=cfg.n_classes,
        n_clusters_per_class=2,
        class_sep=1.0,
        random_state=cfg.split_seed,
    )
    return X.astype(np.float32), y.astype(np.int64)


def read_idx(path: Path) -> np.ndarray:
    """Read one IDX file (optionally gzipped), the format MNIST and Fashion-MNIST ship in."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file (magic {raw[:4].hex()})")
    shape = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says {shape} but holds {data.size} bytes")
    return data.reshape(shape)


def _find_idx(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"no {stem}[.gz] in {folder}")


def _idx(cfg: RunConfig):
    folder = Path(cfg.data_path)
    if not folder.is_dir():
        raise FileNotFoundError(f"data_path {cfg.data_path!r} is not a folder")
    images = read_idx(_find_idx(folder, "train-images-idx3-ubyte"))  # (N, 28, 28) uint8
    labels = read_idx(_find_idx(folder, "train-labels-idx1-ubyte"))  # (N,) uint8
    if len(images) != len(labels):
        raise ValueError(f"{folder}: {len(images)} images but {len(labels)} labels")
    return (images.reshape(len(images), -1).astype(np.float32) / 255.0), labels.astype(np.int64)


def distort_features(X: np.ndarray, cfg: RunConfig) -> np.ndarray:
    """Random per-feature scales and offsets (cfg.feature_scale_decades, cfg.feature_offset): x_j * 10**u_j + o_j.

    Drawn from split_seed, so every run seed (and the BN/no-BN arms of a pair) sees the same
    distortion; X (N, F) -> (N, F) float32. With both settings 0, X is returned unchanged.
    """
    if cfg.feature_scale_decades == 0 and cfg.feature_offset == 0:
        return X
    rng = np.random.default_rng([cfg.split_seed, 1])  # its own stream: the split's generator is not disturbed
    scale = 10.0 ** rng.uniform(-cfg.feature_scale_decades, cfg.feature_scale_decades, X.shape[1])  # (F,)
    offset = rng.uniform(-cfg.feature_offset, cfg.feature_offset, X.shape[1])  # (F,)
    return (X * scale + offset).astype(np.float32)


DATASETS: Registry[Dataset] = Registry("dataset")
DATASETS.register("digits", Dataset(_digits, "scikit-learn's 8x8 digits, 1797 examples, shipped with the package"))
DATASETS.register("synthetic", Dataset(_synthetic, "scikit-learn make_classification, any size"))
DATASETS.register("mnist", Dataset(_idx, "MNIST from local IDX files (data_path)"))
DATASETS.register("fashion-mnist", Dataset(_idx, "Fashion-MNIST from local IDX files (data_path)"))


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

    def __init__(self, config: RunConfig):
        super().__init__()
        self.config = config
        self._on_device: torch.device | None = None

    def setup(self, stage: str | None = None) -> None:
        if hasattr(self, "x_train"):
            return
        cfg = self.config
        X, y = DATASETS.get(cfg.dataset).load(cfg)
        X = distort_features(X, cfg)
        g = torch.Generator().manual_seed(cfg.split_seed)
        order = torch.randperm(len(X), generator=g)
        if cfg.n_samples and cfg.dataset != "synthetic":
            order = order[: cfg.n_samples]
        n_val = max(1, int(round(len(order) * cfg.val_fraction)))
        val_idx, train_idx = order[:n_val], order[n_val:]
        X, y = torch.from_numpy(X), torch.from_numpy(y)
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
        self.n_features = self.x_train.shape[1]
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
