"""Folding batch norm into the adjacent Linear after training, so inference pays nothing for BN.

In eval mode a BatchNorm1d is a fixed per-feature affine map, y = a * z + c with
a = gamma / sqrt(running_var + eps) and c = beta - running_mean * a, shapes (width,). So:
- BN before the activation (Linear -> BN -> act) folds backward into the preceding Linear:
  W' = a[:, None] * W, b' = a * b + c (torch.nn.utils.fusion.fuse_linear_bn_eval does this).
- BN after the activation (Linear -> act -> BN -> [dropout] -> next Linear) cannot fold backward
  through the nonlinearity; it folds forward into the following Linear (the next block's linear,
  or the head after the last block): next(a * h + c) = W (a * h + c) + b, so
  W' = W * a[None, :] (column j scaled by a_j) and b' = b + W @ c.
  Dropout between them is the identity in eval mode, so the fold is exact there.
- BN as the first layer (config input_norm: BN on the raw inputs) folds forward the same way,
  into the first block's Linear.

The CNN (harness.nn.cnn) folds the same way, per channel: BN before the activation folds backward into its
conv (torch.nn.utils.fusion.fuse_conv_bn_eval); BN after it folds forward into the next conv or into the
head Linear over the flattened channels. Forward into a conv with zero padding needs care: the padded
border is 0 *after* BN, i.e. -c/a before it, so folding c into a constant bias would be wrong at the
border. The scale a folds exactly (a * 0 = 0); the shift's contribution W * c, convolved with the same
zero padding, is a fixed per-position map (out, *spatial) for the network's fixed input size, kept as a
buffer (BiasMapConv). For a conv without padding that map is constant and becomes the plain bias.

The fused model is for inference: it computes the eval-mode function of the BN model (exactly in
real arithmetic; in float32 up to rounding, the folded parameters are computed in float64 and
rounded once) and has the same module tree as the model built with norm='none'.
"""
from __future__ import annotations

import copy
from collections import OrderedDict

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval

from harness.nn.cnn import CNN
from harness.nn.mlp import MLP


class BiasMapConv(nn.Module):
    """A conv with a bias that varies by output position: conv(x) + bias_map, bias_map (out, *spatial)."""

    def __init__(self, conv: nn.Module, bias_map: torch.Tensor):
        super().__init__()
        self.conv = conv
        self.register_buffer("bias_map", bias_map)

    def forward(self, x):
        return self.conv(x) + self.bias_map


def bn_affine(bn: nn.modules.batchnorm._BatchNorm) -> tuple[torch.Tensor, torch.Tensor]:
    """The eval-mode BN as y = a * z + c: (a, c), each (num_features,), in float64."""
    if bn.running_mean is None or bn.running_var is None:
        raise ValueError("cannot fold a BatchNorm without running statistics (track_running_stats=False)")
    var, mean = bn.running_var.double(), bn.running_mean.double()
    gamma = bn.weight.double() if bn.weight is not None else torch.ones_like(var)
    beta = bn.bias.double() if bn.bias is not None else torch.zeros_like(var)
    a = gamma / torch.sqrt(var + bn.eps)
    return a, beta - mean * a


@torch.no_grad()
def fold_bn_forward(bn: nn.BatchNorm1d, linear: nn.Linear) -> nn.Linear:
    """A new Linear equal to linear(bn(h)) for eval-mode bn: W' = W * a[None, :], b' = b + W @ c."""
    a, c = bn_affine(bn)
    if linear.in_features % bn.num_features:
        raise ValueError(f"cannot fold BN of {bn.num_features} features into a Linear with {linear.in_features} inputs")
    # After a flatten of (B, C, *spatial), input j of the Linear is channel j // (spatial size): repeat per position.
    per_channel = linear.in_features // bn.num_features
    a, c = a.repeat_interleave(per_channel), c.repeat_interleave(per_channel)
    w = linear.weight.double()  # (out, in)
    b = linear.bias.double() if linear.bias is not None else torch.zeros(linear.out_features, dtype=torch.float64,
                                                                          device=w.device)
    fused = copy.deepcopy(linear)
    fused.weight = nn.Parameter((w * a[None, :]).to(linear.weight.dtype), linear.weight.requires_grad)
    fused.bias = nn.Parameter((b + w @ c).to(linear.weight.dtype), True)
    return fused


@torch.no_grad()
def fold_bn_backward(linear: nn.Module, bn: nn.modules.batchnorm._BatchNorm) -> nn.Module:
    """A new Linear (or conv) equal to bn(layer(x)) for eval-mode bn (torch's utility, in float64, rounded once)."""
    bn_affine(bn)  # same clear error as the forward fold when the statistics are missing
    lin64, bn64 = copy.deepcopy(linear).double().eval(), copy.deepcopy(bn).double().eval()
    fused64 = (fuse_linear_bn_eval if isinstance(linear, nn.Linear) else fuse_conv_bn_eval)(lin64, bn64)
    fused = copy.deepcopy(linear)
    fused.weight = nn.Parameter(fused64.weight.to(linear.weight.dtype), linear.weight.requires_grad)
    fused.bias = nn.Parameter(fused64.bias.to(linear.weight.dtype), True)
    return fused


def _padded(conv: nn.Module) -> bool:
    return conv.padding != "valid" and any(p != 0 for p in conv.padding)


@torch.no_grad()
def fold_bn_forward_conv(bn: nn.modules.batchnorm._BatchNorm, conv: nn.Module, in_spatial: tuple[int, ...]) -> nn.Module:
    """A module equal to conv(bn(h)) for eval-mode bn and inputs h of spatial size in_spatial (see the module doc).

    W' = W * a (per input channel); the shift W * c convolved with conv's own zero padding gives a bias map.
    """
    if conv.groups != 1 or conv.padding_mode != "zeros" or conv.in_channels != bn.num_features:
        raise ValueError(f"cannot fold BN of {bn.num_features} channels into {conv}: needs groups=1, zero padding "
                         f"and {bn.num_features} input channels")
    a, c = bn_affine(bn)
    conv64 = copy.deepcopy(conv).double()
    w = conv64.weight  # (out, in, *kernel)
    shape = (1, -1) + (1,) * len(in_spatial)
    shift = c.view(shape).expand(1, len(c), *in_spatial)  # (1, in, *spatial): the BN shift as an input
    bias_map = conv64._conv_forward(shift, w, conv64.bias)[0]  # (out, *out_spatial): conv of the shift, plus bias
    fused = copy.deepcopy(conv)
    fused.weight = nn.Parameter((w * a.view(shape)).to(conv.weight.dtype), conv.weight.requires_grad)
    if not _padded(conv):  # every position sees the whole shift: the map is constant, a plain bias
        fused.bias = nn.Parameter(bias_map.flatten(1)[:, 0].to(conv.weight.dtype), True)
        return fused
    fused.bias = None
    return BiasMapConv(fused, bias_map.to(conv.weight.dtype))


def placement(block: nn.Sequential) -> str:
    """'before', 'after' or 'none': where the block's BN sits relative to its activation (read from child order)."""
    names = [name for name, _ in block.named_children()]
    if "norm" not in names:
        return "none"
    return "before" if names.index("norm") < names.index("act") else "after"


def _without_norm(block: nn.Sequential, linear: nn.Linear) -> nn.Sequential:
    """The block with its BN removed and its linear replaced, other children (act, drop) kept in order."""
    children = [(name, linear if name in ("linear", "conv") else module) for name, module in block.named_children()
                if name != "norm"]
    return nn.Sequential(OrderedDict(children))


def fuse_bn(model: MLP | CNN) -> MLP | CNN:
    """A copy of the model, in eval mode, with every BN folded into its adjacent Linear or conv: no BN modules left.

    The copy computes model.eval()'s function; the original is left untouched.
    """
    if isinstance(model, CNN):
        return _fuse_cnn(model)
    if not isinstance(model, MLP):
        raise TypeError(f"fuse_bn folds harness.nn.mlp.MLP and harness.nn.cnn.CNN blocks; got {type(model).__name__}")
    fused = copy.deepcopy(model).eval()
    blocks = list(fused.hidden)
    linears = [block.linear for block in blocks] + [fused.head]  # linears[i + 1] follows block i
    if isinstance(fused.input_norm, nn.BatchNorm1d):  # BN as the first layer folds forward into the first Linear
        linears[0] = fold_bn_forward(fused.input_norm, linears[0])
        fused.input_norm = nn.Identity()
    for i, block in enumerate(blocks):
        where = placement(block)
        if where == "before":
            linears[i] = fold_bn_backward(linears[i], block.norm)
        elif where == "after":
            linears[i + 1] = fold_bn_forward(block.norm, linears[i + 1])
    fused.hidden = nn.Sequential(*[_without_norm(block, linears[i]) for i, block in enumerate(blocks)])
    fused.head = linears[-1]
    return fused.eval()


def _fuse_cnn(model: CNN) -> CNN:
    """fuse_bn for the CNN: every conv block keeps the input's spatial size, model.shape[1:]."""
    fused = copy.deepcopy(model).eval()
    blocks = list(fused.hidden)
    layers = [block.conv for block in blocks] + [fused.head]  # layers[i + 1] follows block i
    for i, block in enumerate(blocks):
        where = placement(block)
        if where == "before":
            layers[i] = fold_bn_backward(layers[i], block.norm)
        elif where == "after" and i + 1 < len(blocks):
            layers[i + 1] = fold_bn_forward_conv(block.norm, layers[i + 1], model.shape[1:])
        elif where == "after":
            layers[i + 1] = fold_bn_forward(block.norm, layers[i + 1])
    fused.hidden = nn.Sequential(*[_without_norm(block, layers[i]) for i, block in enumerate(blocks)])
    fused.head = layers[-1]
    return fused.eval()


def count_batchnorm(model: nn.Module) -> int:
    """How many batch-norm modules a model still holds."""
    return sum(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())
