"""Where data comes from: the dataset registry, name -> loader (config) -> (X (N, ...) float32, y (N,) int64).

X is (N, F) for the MLP, or image-shaped, (N, C, L) or (N, C, H, W), for the CNN; the DataModule splits and
standardizes it per feature position whatever its shape.
"""
from __future__ import annotations

import gzip
import os
import random
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

from harness.core.registry import Registry, doc_line

IDX_DATASETS = ("mnist", "fashion-mnist")  # read from data_path, never downloaded


@dataclass(frozen=True)
class Dataset:
    load: Callable[["RunConfig"], tuple[np.ndarray, np.ndarray]]  # config -> (X (N, ...) float, y (N,) int)
    doc: str


def register_dataset(name: str, doc: str = ""):
    """Decorator: register a loader (config) -> (X float32 (N, ...), y int64 (N,)), or (config) -> a
    LightningDataModule served as given (its own loaders and batches, any target), under `name`; returns it unchanged."""

    def decorate(load):
        DATASETS.register(name, Dataset(load, doc or doc_line(load)))
        return load

    return decorate


def _digits(cfg: "RunConfig"):
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.data.astype(np.float32), d.target.astype(np.int64)  # (1797, 64) pixel values 0..16, 10 classes


def _digits_image(cfg: "RunConfig"):
    X, y = _digits(cfg)
    return X.reshape(-1, 1, 8, 8), y  # (1797, 1, 8, 8): one channel of 8x8 pixels, for the CNN


def _synthetic(cfg: "RunConfig"):
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


MNIST1D_SEED = 42  # the generator seed of the published MNIST-1D set (mnist1d's get_dataset_args)


def mnist1d_cache_dir() -> Path:
    """Where generated MNIST-1D sets are kept: $HARNESS_CACHE, else ~/.cache/harness."""
    return Path(os.environ.get("HARNESS_CACHE") or Path.home() / ".cache" / "harness")


@lru_cache(maxsize=4)
def make_mnist1d(n: int, seed: int = MNIST1D_SEED) -> tuple[np.ndarray, np.ndarray]:
    """MNIST-1D generated locally from its templates (never downloaded), cached in-process and as a .npz keyed by (n, seed).

    The package's own train/test split is undone (the harness splits by val_fraction and split_seed);
    its generator seeds numpy's and random's global state, which is restored afterwards.
    """
    path = mnist1d_cache_dir() / f"mnist1d-n{n}-seed{seed}.npz"
    if path.is_file():
        with np.load(path) as f:
            return f["x"], f["y"]
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.num_samples, args.seed = n, seed
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        d = make_dataset(args)
    finally:
        np.random.set_state(np_state), random.setstate(py_state)
    x = np.concatenate([d["x"], d["x_test"]]).astype(np.float32)  # (n, 40) signals
    y = np.concatenate([d["y"], d["y_test"]]).astype(np.int64)  # (n,) labels 0..9
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")  # written whole, then renamed: a reader never sees half a file
    np.savez(tmp, x=x, y=y)
    os.replace(tmp, path)
    return x, y


def _mnist1d(cfg: "RunConfig"):
    x, y = make_mnist1d(cfg.n_samples or 5000)
    return x.copy(), y.copy()


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


def find_idx(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"no {stem}[.gz] in {folder}")


def idx_files_present(folder) -> bool:
    """Whether a folder holds the IDX training images and labels that datasets 'mnist' and 'fashion-mnist' read."""
    try:
        return all(find_idx(Path(folder), stem) for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"))
    except FileNotFoundError:
        return False


def _idx(cfg: "RunConfig"):
    folder = Path(cfg.data_path)
    if not folder.is_dir():
        raise FileNotFoundError(f"data_path {cfg.data_path!r} is not a folder")
    images = read_idx(find_idx(folder, "train-images-idx3-ubyte"))  # (N, 28, 28) uint8
    labels = read_idx(find_idx(folder, "train-labels-idx1-ubyte"))  # (N,) uint8
    if len(images) != len(labels):
        raise ValueError(f"{folder}: {len(images)} images but {len(labels)} labels")
    return (images.reshape(len(images), -1).astype(np.float32) / 255.0), labels.astype(np.int64)


DATASETS: Registry[Dataset] = Registry("dataset")
DATASETS.register("digits", Dataset(_digits, "scikit-learn's 8x8 digits, 1797 examples, shipped with the package"))
DATASETS.register("digits-image", Dataset(_digits_image, "the digits as (N, 1, 8, 8) images, for model 'cnn'"))
DATASETS.register("synthetic", Dataset(_synthetic, "scikit-learn make_classification, any size"))
DATASETS.register("mnist1d", Dataset(_mnist1d, "MNIST-1D (Greydanus 2020): 40-feature 1D digits generated locally, "
                                               "5000 examples by default (n_samples), 10 classes"))
DATASETS.register("mnist", Dataset(_idx, "MNIST from local IDX files (data_path)"))
DATASETS.register("fashion-mnist", Dataset(_idx, "Fashion-MNIST from local IDX files (data_path)"))
