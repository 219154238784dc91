"""The built-in CNN (model 'cnn'): it trains on digits as images with and without BN, and BN folds away exactly.

Fusion tolerance as in tests/test_fusion.py (its module docstring gives the reasoning): fused vs the eval-mode BN
model in float32, relative difference <= 2e-5; fused vs the float64 BN model, no more than 3x the BN model's
own float32 error.
"""
from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from harness.nn.cnn import CNN
from harness.config.run_config import ConfigError, RunConfig
from harness.nn.fusion import BiasMapConv, count_batchnorm, fuse_bn
from harness.nn.models import build_model
from harness.train.fit import train
from harness.train.lifecycle import Recording
from tests.test_fusion import REL_TOL, ROUNDING_FACTOR, rel

SHAPES = {"1d": (1, 40), "2d": (1, 8, 8)}  # MNIST-1D-like (C, L), digits-image (C, H, W)


def randomize_bn(model: nn.Module, generator: torch.Generator) -> None:
    """Non-trivial eval statistics and affine parameters for every BN (an identity BN would hide a wrong fold)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=generator) * 0.5)
                m.running_var.copy_(torch.rand(n, generator=generator) * 1.5 + 0.5)
                m.weight.copy_(torch.rand(n, generator=generator) + 0.5)
                m.bias.copy_(torch.randn(n, generator=generator) * 0.3)


def cnn_for(activation: str, norm: str, shape, depth: int = 4, width: int = 8, seed: int = 0) -> CNN:
    torch.manual_seed(seed)
    model = build_model(RunConfig(model="cnn", activation=activation, norm=norm, depth=depth, width=width), shape, 10)
    randomize_bn(model, torch.Generator().manual_seed(seed + 1))
    return model.eval()


def assert_same_function(bn_model: nn.Module, fused: nn.Module, x: torch.Tensor) -> None:
    with torch.no_grad():
        y_bn, y_fused = bn_model(x), fused(x)
        y_64 = copy.deepcopy(bn_model).double()(x.double())
    assert rel(y_fused, y_bn) <= REL_TOL, rel(y_fused, y_bn)
    assert rel(y_fused, y_64) <= ROUNDING_FACTOR * rel(y_bn, y_64) + 1e-12


@pytest.mark.parametrize("dims", sorted(SHAPES))
@pytest.mark.parametrize("norm", ["before", "after"])
@pytest.mark.parametrize("activation", ["relu", "elu", "tanh", "selu"])
def test_fused_cnn_equals_bn_cnn(activation, norm, dims):
    bn_model = cnn_for(activation, norm, SHAPES[dims])
    fused = fuse_bn(bn_model)
    assert count_batchnorm(bn_model) == 4 and count_batchnorm(fused) == 0
    x = torch.randn(128, *SHAPES[dims], generator=torch.Generator().manual_seed(7)) * 2 + 0.5
    assert_same_function(bn_model, fused, x)


def test_fused_cnn_after_real_training_steps():
    """Running statistics as training leaves them, on inputs with a large offset (a border error would show)."""
    torch.manual_seed(0)
    model = build_model(RunConfig(model="cnn", activation="relu", norm="after", depth=3, width=8), SHAPES["2d"], 10)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    g = torch.Generator().manual_seed(3)
    for _ in range(20):
        x = torch.randn(32, *SHAPES["2d"], generator=g) * 3 + 2
        loss = nn.functional.cross_entropy(model(x), torch.randint(0, 10, (32,), generator=g))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    assert_same_function(model, fuse_bn(model), torch.randn(64, *SHAPES["2d"], generator=g) * 3 + 2)


def test_a_constant_bias_fold_through_zero_padding_is_caught():
    """The bias map is needed: folding BN's shift into a constant bias is wrong at the padded border."""
    model = cnn_for("relu", "after", SHAPES["2d"], depth=2)
    fused = fuse_bn(model)
    conv = fused.hidden[1].conv
    assert isinstance(conv, BiasMapConv)
    wrong = copy.deepcopy(fused)
    inner = wrong.hidden[1].conv
    center = inner.bias_map[:, 4, 4]  # an interior position sees the whole shift: the "constant bias" fold
    inner.bias_map.copy_(center[:, None, None].expand_as(inner.bias_map))
    x = torch.randn(64, *SHAPES["2d"], generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        assert rel(wrong(x), model(x)) > 100 * REL_TOL
        assert rel(fused(x), model(x)) <= REL_TOL


def test_cnn_refuses_flat_features_and_unsupported_axes():
    with pytest.raises(ValueError, match="model 'cnn' takes"):
        build_model(RunConfig(model="cnn"), 64, 10)
    with pytest.raises(ValueError, match="model 'mlp' takes flat"):
        build_model(RunConfig(), (1, 8, 8), 10)
    with pytest.raises(ConfigError, match="invalid input_norm True for model 'cnn'"):
        RunConfig(model="cnn", input_norm=True)
    with pytest.raises(ConfigError, match="invalid diagnostics 'gradients' for model 'cnn'"):
        RunConfig(model="cnn", diagnostics="gradients")


@pytest.mark.parametrize("norm", ["none", "before", "after"])
def test_cnn_trains_on_digit_images_with_and_without_bn(norm, tracker):
    config = RunConfig(model="cnn", dataset="digits-image", depth=3, width=8, activation="relu", norm=norm,
                       optimizer="adam", lr=0.003, batch_size=32, max_epochs=8, target_value=0.9, threads=1)
    result = train(config, Recording(tracker, "cnn"))
    assert result.stop_reason == "target", result.history[-1]
    run = tracker.client.get_run(result.run_id)
    assert run.data.params["model"] == "cnn" and run.data.params["dataset"] == "digits-image"
