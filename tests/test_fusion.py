"""Folding BN into the adjacent Linear: same function as the eval-mode BN model, no BN left.

Tolerance, and why. Fused and BN models are two float32 evaluations of the same real function,
so they differ by rounding only: each of the 20 layers adds ~sqrt(width) * eps32 (eps32 = 1.2e-7)
of relative error, which the nonlinearities and the next layers carry on. Measured on this grid
(20x100, random running statistics): norm-wise relative difference <= 2e-6. We assert two things:
- fused vs BN, float32: relative difference (Frobenius norm over the batch) <= 2e-5, ten times the
  measured worst case and still ~100x below anything a wrong fold gives (test_wrong_fold_is_caught);
- fused vs the float64 BN model: no more than 3x the BN float32 model's own error against float64
  (measured: <= 1.0x), i.e. fusing adds no error beyond float32 rounding itself.
"""
from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from harness.nn.activations import ACTIVATIONS
from harness.config.run_config import RunConfig
from harness.nn.fusion import count_batchnorm, fold_bn_backward, fuse_bn, placement
from harness.nn.mlp import build_mlp

N_FEATURES, N_CLASSES = 64, 10
REL_TOL = 2e-5  # fused vs BN in float32; see the module docstring
ROUNDING_FACTOR = 3.0  # fused's error vs float64 may be at most this multiple of BN-float32's own


def randomize_bn(model: nn.Module, generator: torch.Generator) -> None:
    """Give every BN non-trivial eval statistics and affine parameters (identity BN would hide a wrong fold)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm1d):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=generator) * 0.5)
                m.running_var.copy_(torch.rand(n, generator=generator) * 1.5 + 0.5)  # in [0.5, 2]
                m.weight.copy_(torch.rand(n, generator=generator) + 0.5)  # gamma in [0.5, 1.5]
                m.bias.copy_(torch.randn(n, generator=generator) * 0.3)


def model_for(activation: str, norm: str, seed: int = 0, depth: int = 20, width: int = 100, **kw) -> nn.Module:
    torch.manual_seed(seed)
    model = build_mlp(RunConfig(activation=activation, norm=norm, depth=depth, width=width, **kw), N_FEATURES, N_CLASSES)
    randomize_bn(model, torch.Generator().manual_seed(seed + 1))
    return model.eval()


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    """Norm-wise relative difference of a from the reference b, computed in float64."""
    return float((a.double() - b.double()).norm() / b.double().norm())


def assert_same_function(bn_model: nn.Module, fused: nn.Module, x: torch.Tensor) -> None:
    with torch.no_grad():
        y_bn, y_fused = bn_model(x), fused(x)  # (B, C) float32
        y_64 = copy.deepcopy(bn_model).double()(x.double())  # (B, C) the real function, near enough
    assert rel(y_fused, y_bn) <= REL_TOL
    assert rel(y_fused, y_64) <= ROUNDING_FACTOR * rel(y_bn, y_64) + 1e-12


@pytest.mark.parametrize("norm", ["before", "after"])
@pytest.mark.parametrize("activation", ACTIVATIONS.names())
def test_fused_equals_bn_for_every_activation_and_placement(activation, norm):
    bn_model = model_for(activation, norm)
    fused = fuse_bn(bn_model)
    assert count_batchnorm(bn_model) == 20
    assert count_batchnorm(fused) == 0
    x = torch.randn(256, N_FEATURES, generator=torch.Generator().manual_seed(7))  # fresh inputs, never seen by BN
    assert_same_function(bn_model, fused, x)


@pytest.mark.parametrize("norm", ["before", "after"])
def test_fused_after_real_training_steps(norm):
    """Running statistics as training leaves them (momentum updates from real batches), not set by hand."""
    torch.manual_seed(0)
    model = build_mlp(RunConfig(activation="elu", norm=norm, depth=8, width=64), N_FEATURES, N_CLASSES)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    g = torch.Generator().manual_seed(3)
    shift, scale = torch.randn(N_FEATURES, generator=g) * 2, torch.rand(N_FEATURES, generator=g) * 3 + 0.5
    model.train()
    for _ in range(30):
        x = torch.randn(32, N_FEATURES, generator=g) * scale + shift  # unstandardized: BN statistics move far from (0, 1)
        loss = nn.functional.cross_entropy(model(x), torch.randint(0, N_CLASSES, (32,), generator=g))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    first_bn = next(m for m in model.modules() if isinstance(m, nn.BatchNorm1d))
    assert first_bn.running_mean.abs().max() > 0.1  # the statistics really are non-trivial
    fused = fuse_bn(model)
    assert count_batchnorm(fused) == 0
    assert_same_function(model, fused, torch.randn(128, N_FEATURES, generator=g) * scale + shift)


@pytest.mark.parametrize("kind, activation", [("plain", "relu"), ("alpha", "selu")])
@pytest.mark.parametrize("norm", ["before", "after"])
def test_dropout_is_kept_and_the_fold_is_exact_in_eval_mode(kind, activation, norm):
    """With BN after the activation, dropout sits between BN and the next Linear: identity in eval, so the fold holds."""
    bn_model = model_for(activation, norm, depth=6, width=50, dropout=0.3, dropout_kind=kind)
    fused = fuse_bn(bn_model)
    assert count_batchnorm(fused) == 0
    assert [name for name, _ in fused.hidden[0].named_children()] == ["linear", "act", "drop"]
    assert not fused.training
    assert_same_function(bn_model, fused, torch.randn(64, N_FEATURES, generator=torch.Generator().manual_seed(1)))


@pytest.mark.parametrize("norm", ["before", "after", "none"])
def test_fused_model_has_the_no_bn_architecture(norm):
    """The fused parameters load into the model built with norm='none': same module tree, no BN left."""
    fused = fuse_bn(model_for("tanh", norm, depth=4, width=30))
    plain = build_mlp(RunConfig(activation="tanh", norm="none", depth=4, width=30), N_FEATURES, N_CLASSES).eval()
    plain.load_state_dict(fused.state_dict())  # strict: fails on any missing or extra key
    x = torch.randn(16, N_FEATURES)
    with torch.no_grad():
        torch.testing.assert_close(plain(x), fused(x), rtol=0, atol=0)


def test_original_model_is_untouched():
    bn_model = model_for("relu", "after", depth=4, width=30)
    before = {k: v.clone() for k, v in bn_model.state_dict().items()}
    fuse_bn(bn_model)
    assert count_batchnorm(bn_model) == 4
    for k, v in bn_model.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_placement_is_read_from_the_block():
    assert placement(model_for("relu", "before", depth=2, width=8).hidden[0]) == "before"
    assert placement(model_for("relu", "after", depth=2, width=8).hidden[0]) == "after"
    assert placement(model_for("relu", "none", depth=2, width=8).hidden[0]) == "none"


def test_wrong_fold_is_caught():
    """The equivalence check has teeth: folding an after-activation BN backward (through the nonlinearity) fails it."""
    bn_model = model_for("relu", "after", depth=6, width=50)
    wrong = copy.deepcopy(bn_model)
    for block in wrong.hidden:
        block.linear = fold_bn_backward(block.linear, block.norm)
        block.norm = nn.Identity()
    x = torch.randn(64, N_FEATURES, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        assert rel(wrong(x), bn_model(x)) > 100 * REL_TOL


def test_bn_without_running_stats_is_refused():
    model = model_for("relu", "before", depth=2, width=8)
    model.hidden[0].norm = nn.BatchNorm1d(8, track_running_stats=False).eval()
    with pytest.raises(ValueError, match="running statistics"):
        fuse_bn(model)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("norm", ["before", "after"])
def test_fusion_on_cuda(norm):
    bn_model = model_for("gelu", norm).cuda()
    fused = fuse_bn(bn_model)
    assert next(fused.parameters()).is_cuda
    x = torch.randn(256, N_FEATURES, device="cuda", generator=torch.Generator("cuda").manual_seed(7))
    # TF32 matmuls would make both float32 models coarser than eps32; pin full float32 for the comparison.
    prev = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        assert_same_function(bn_model, fused, x)
    finally:
        torch.backends.cuda.matmul.allow_tf32 = prev


@pytest.mark.parametrize("norm", ["none", "before", "after"])
def test_bn_as_the_first_layer_folds_into_the_first_linear(norm):
    """input_norm (BN on the raw inputs, bn-input-scaling's 'BN first') folds forward like an after-activation BN."""
    bn_model = model_for("elu", norm, input_norm=True)
    assert isinstance(bn_model.input_norm, nn.BatchNorm1d)
    fused = fuse_bn(bn_model)
    assert count_batchnorm(fused) == 0 and isinstance(fused.input_norm, nn.Identity)
    # Raw-scale inputs, as BN-first sees them: per-feature scales over decades and offsets.
    g = torch.Generator().manual_seed(11)
    x = torch.randn(256, N_FEATURES, generator=g) * 10 ** torch.empty(N_FEATURES).uniform_(-1, 1, generator=g)
    assert_same_function(bn_model, fused, x)
