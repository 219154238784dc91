"""Datasets load, split reproducibly, and never hand batch norm a crippled batch; IDX files load from a path."""
from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
import torch

from harness.config.run_config import ConfigError, RunConfig
from harness.data.datamodule import InMemoryDataModule, ShuffledBatches, load_data
from harness.data.datasets import idx_files_present, read_idx
from harness.train.fit import train


def _write_idx(path, array: np.ndarray, gz: bool = False):
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(np.uint8).tobytes()
    (gzip.open if gz else open)(path, "wb").write(payload)


@pytest.fixture
def idx_folder(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.arange(120) % 10
    images = rng.integers(0, 50, size=(120, 28, 28))
    images[np.arange(120), labels, labels] = 255  # a class-dependent bright pixel: learnable
    _write_idx(tmp_path / "train-images-idx3-ubyte.gz", images, gz=True)
    _write_idx(tmp_path / "train-labels-idx1-ubyte", labels)
    return tmp_path


def test_idx_reader_round_trip(tmp_path):
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    _write_idx(tmp_path / "a-idx3-ubyte", arr)
    _write_idx(tmp_path / "b-idx3-ubyte.gz", arr, gz=True)
    assert np.array_equal(read_idx(tmp_path / "a-idx3-ubyte"), arr)
    assert np.array_equal(read_idx(tmp_path / "b-idx3-ubyte.gz"), arr)


def test_idx_reader_rejects_a_non_idx_file(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    with pytest.raises(ValueError, match="not an unsigned-byte IDX"):
        read_idx(tmp_path / "bad")


def test_fashion_mnist_from_a_path_trains(idx_folder):
    cfg = RunConfig(dataset="fashion-mnist", data_path=str(idx_folder), depth=2, width=32, optimizer="adam",
                    lr=0.01, max_epochs=2, batch_size=16, stop_at_target=False)
    dm = InMemoryDataModule(cfg)
    dm.setup()
    assert dm.n_features == 784 and dm.n_classes == 10
    assert len(dm.x_train) + len(dm.x_val) == 120
    result = train(cfg)
    assert len(result.history) == 2


def test_idx_dataset_needs_a_path():
    with pytest.raises(ConfigError, match="data_path"):
        RunConfig(dataset="mnist")


def test_missing_idx_folder_is_one_clear_error(tmp_path):
    cfg = RunConfig(dataset="mnist", data_path=str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="nowhere"):
        InMemoryDataModule(cfg).setup()


def test_split_is_seeded_and_fixed_across_run_seeds():
    a = InMemoryDataModule(RunConfig(seed=0))
    b = InMemoryDataModule(RunConfig(seed=5))
    c = InMemoryDataModule(RunConfig(split_seed=1))
    for dm in (a, b, c):
        dm.setup()
    assert torch.equal(a.x_val, b.x_val)  # BN/no-BN pairs and seeds share the split
    assert not torch.equal(a.x_val, c.x_val)
    assert len(a.x_val) == round(1797 * 0.2)


def test_standardize_uses_training_statistics():
    dm = InMemoryDataModule(RunConfig())
    dm.setup()
    varying = dm.x_train.std(0) > 0
    assert torch.allclose(dm.x_train.mean(0), torch.zeros(64), atol=1e-5)
    assert torch.allclose(dm.x_train.std(0)[varying], torch.ones(int(varying.sum())), atol=1e-4)
    raw = InMemoryDataModule(RunConfig(standardize=False))
    raw.setup()
    assert raw.x_train.max() == 16.0  # digits' raw pixel range


def test_synthetic_any_size():
    dm = InMemoryDataModule(RunConfig(dataset="synthetic", n_samples=3000, n_features=7, n_classes=4))
    dm.setup()
    assert dm.x_train.shape[1] == 7 and dm.n_classes == 4
    assert len(dm.x_train) + len(dm.x_val) == 3000


def test_batches_are_full_size_and_reshuffled_each_epoch():
    x, y = torch.arange(65.0).unsqueeze(1), torch.arange(65)
    batches = ShuffledBatches(x, y, batch_size=32, generator=torch.Generator().manual_seed(0))
    first = [b for b, _ in batches]
    second = [b for b, _ in batches]
    assert [len(b) for b in first] == [32, 32]  # 65 = 2 x 32 + 1: the 1-row remainder is dropped
    assert not torch.equal(torch.cat(first), torch.cat(second))


def test_bn_never_sees_a_one_row_batch():
    # 1437 training rows; batch 1436 leaves a remainder of 1 that would crash BatchNorm in train mode.
    result = train(RunConfig(norm="before", depth=2, width=8, batch_size=1436, max_epochs=1, stop_at_target=False))
    assert len(result.history) == 1


def test_batch_larger_than_the_training_split_is_a_clear_error():
    with pytest.raises(ValueError, match="batch_size 5000 exceeds"):
        train(RunConfig(depth=1, width=4, batch_size=5000, max_epochs=1))


def test_a_feature_constant_in_training_does_not_explode_in_validation():
    # Digits' border pixels are 0 in almost every image: a near-zero training std must not blow up
    # the rare validation image where they are not (it made val/loss ~300 at 80% accuracy once).
    dm = InMemoryDataModule(RunConfig())
    dm.setup()
    assert dm.x_val.abs().max() < 1000  # rare pixels legitimately reach z ~ 50; the bug gave ~1e7


def test_mnist1d_is_generated_locally_reproducibly_and_cached(tmp_path, monkeypatch):
    from harness.data.datasets import make_mnist1d

    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    make_mnist1d.cache_clear()
    state = np.random.get_state()[1].copy()
    dm = InMemoryDataModule(RunConfig(dataset="mnist1d", n_samples=500))
    dm.setup()
    assert np.array_equal(np.random.get_state()[1], state)  # the generator's global seeding is undone
    assert dm.x_train.shape == (400, 40) and len(dm.x_val) == 100 and dm.n_classes == 10
    cached = list(tmp_path.glob("mnist1d-n500-seed42.npz"))
    assert len(cached) == 1
    make_mnist1d.cache_clear()  # the second load reads the .npz: the same examples
    again = InMemoryDataModule(RunConfig(dataset="mnist1d", n_samples=500))
    again.setup()
    assert torch.equal(dm.x_train, again.x_train) and torch.equal(dm.y_val, again.y_val)
    make_mnist1d.cache_clear()


def test_idx_files_present_needs_both_training_files(idx_folder, tmp_path):
    assert idx_files_present(idx_folder) and idx_files_present(str(idx_folder))
    assert not idx_files_present(tmp_path / "nowhere")
    (idx_folder / "train-labels-idx1-ubyte").unlink()
    assert not idx_files_present(idx_folder)


def test_load_data_is_the_data_a_training_run_sees():
    config = RunConfig(dataset="digits", val_fraction=0.25)
    data, module = load_data(config), InMemoryDataModule(config)
    module.setup("fit")
    assert torch.equal(data.x_train, module.x_train) and torch.equal(data.y_val, module.y_val)
    assert (data.n_features, data.n_classes, len(data.x_val)) == (64, 10, 449)
