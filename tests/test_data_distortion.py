"""Input distortion (random per-feature scales and offsets) and BN as the first layer."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from harness.config.run_config import ConfigError, RunConfig
from harness.data.datamodule import InMemoryDataModule
from harness.data.splits import distort_features
from harness.nn.mlp import build_mlp


def _setup(**kw) -> InMemoryDataModule:
    dm = InMemoryDataModule(RunConfig(dataset="digits", **kw))
    dm.setup("fit")
    return dm


def test_no_distortion_by_default_returns_the_same_array():
    X = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert distort_features(X, RunConfig()) is X


def test_distortion_is_an_affine_map_per_feature_with_scales_in_range():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 8)).astype(np.float32)  # (N, F)
    cfg = RunConfig(feature_scale_decades=2.0, feature_offset=10.0)
    Xd = distort_features(X, cfg)
    assert Xd.shape == X.shape and Xd.dtype == np.float32
    scales = (Xd[1] - Xd[0]) / (X[1] - X[0])  # (F,): x -> s x + o, so differences scale by s
    assert np.allclose((Xd[2] - Xd[0]) / (X[2] - X[0]), scales, rtol=1e-3)  # the same s for every row
    assert np.all(scales >= 10 ** -2.0 * 0.999) and np.all(scales <= 10 ** 2.0 * 1.001)
    assert np.log10(scales).max() - np.log10(scales).min() > 1.0  # features really differ by decades
    offsets = Xd[0] - scales * X[0]
    assert np.all(np.abs(offsets) <= 10.0 + 1e-3) and np.abs(offsets).max() > 1.0


def test_distortion_is_seeded_by_split_seed_not_run_seed():
    X = np.ones((4, 6), dtype=np.float32)
    a = distort_features(X, RunConfig(feature_scale_decades=1.0, feature_offset=1.0, seed=0))
    b = distort_features(X, RunConfig(feature_scale_decades=1.0, feature_offset=1.0, seed=7))
    c = distort_features(X, RunConfig(feature_scale_decades=1.0, feature_offset=1.0, split_seed=1))
    assert np.array_equal(a, b)  # every run seed (and both arms of a pair) sees the same data
    assert not np.array_equal(a, c)


def test_raw_distorted_inputs_are_badly_scaled_and_standardizing_undoes_it():
    distorted = dict(feature_scale_decades=2.0, feature_offset=10.0)
    raw = _setup(standardize=False, **distorted)
    stds = raw.x_train.std(0)
    stds = stds[stds > 0]
    assert stds.max() / stds.min() > 100  # per-feature spreads differ by orders of magnitude
    clean, fixed = _setup(), _setup(**distorted)
    assert torch.equal(clean.y_train, fixed.y_train)  # the split is unchanged by the distortion
    # Standardizing removes a per-feature affine map exactly, up to float32 rounding of the large features;
    # a feature constant in the training split keeps scale 1, so its distortion cannot be undone there.
    varies = clean.x_train.std(0) > 0
    assert 50 < int(varies.sum()) < 64
    assert torch.allclose(clean.x_train, fixed.x_train, atol=2e-3)
    assert torch.allclose(clean.x_val[:, varies], fixed.x_val[:, varies], atol=2e-3)


def test_input_norm_puts_a_batchnorm_on_the_raw_inputs():
    cfg = RunConfig(depth=2, width=8, input_norm=True, standardize=False)
    model = build_mlp(cfg, n_features=5, n_classes=3)
    assert isinstance(model.input_norm, nn.BatchNorm1d) and model.input_norm.num_features == 5
    seen = {}
    model.hidden[0].linear.register_forward_pre_hook(lambda m, args: seen.setdefault("x", args[0]))
    # (64, 5) features of very different scales and offsets; none with a variance near BN's eps (1e-5),
    # which would shrink it below unit variance.
    x = torch.randn(64, 5) * torch.tensor([1e-1, 1.0, 1e2, 3.0, 10.0]) + torch.tensor([5.0, -50.0, 0.0, 1e3, 2.0])
    model.train()(x)
    assert torch.allclose(seen["x"].mean(0), torch.zeros(5), atol=1e-4)  # the first Linear sees standardized features
    assert torch.allclose(seen["x"].std(0, unbiased=False), torch.ones(5), atol=1e-2)


def test_without_input_norm_the_first_module_is_identity_and_has_no_parameters():
    plain = build_mlp(RunConfig(depth=2, width=8), n_features=5, n_classes=3)
    assert isinstance(plain.input_norm, nn.Identity)
    assert not any(name.startswith("input_norm") for name in plain.state_dict())


@pytest.mark.parametrize("field,value", [("feature_scale_decades", -1.0), ("feature_offset", float("inf")),
                                         ("feature_offset", float("nan"))])
def test_invalid_distortion_is_one_line_naming_the_value(field, value):
    with pytest.raises(ConfigError) as err:
        RunConfig(**{field: value})
    message = str(err.value)
    assert field in message and "must be a finite number >= 0" in message and "\n" not in message


def test_distortion_and_input_norm_round_trip_through_params():
    cfg = RunConfig(feature_scale_decades=1.5, feature_offset=3.0, input_norm=True)
    assert RunConfig.from_params(cfg.as_params()) == cfg
