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

The fused model is for inference: it computes the eval-mode function of the BN model (exactly in
real arithmetic; in float32 up to rounding, the folded parameters are computed in float64 and
rounded once) and has the same module tree as the model built with norm='none'.
"""
from __future__ import annotations

import copy
from collections import OrderedDict

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_linear_bn_eval

from harness.model import MLP


def bn_affine(bn: nn.BatchNorm1d) -> tuple[torch.Tensor, torch.Tensor]:
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
    if linear.in_features != bn.num_features:
        raise ValueError(f"cannot fold BN of {bn.num_features} features into a Linear with {linear.in_features} inputs")
    a, c = bn_affine(bn)
    w = linear.weight.double()  # (out, in)
    b = linear.bias.double() if linear.bias is not None else torch.zeros(linear.out_features, dtype=torch.float64,
                                                                          device=w.device)
    fused = copy.deepcopy(linear)
    fused.weight = nn.Parameter((w * a[None, :]).to(linear.weight.dtype), linear.weight.requires_grad)
    fused.bias = nn.Parameter((b + w @ c).to(linear.weight.dtype), True)
    return fused


@torch.no_grad()
def fold_bn_backward(linear: nn.Linear, bn: nn.BatchNorm1d) -> nn.Linear:
    """A new Linear equal to bn(linear(x)) for eval-mode bn (torch's utility, applied in float64, rounded once)."""
    bn_affine(bn)  # same clear error as the forward fold when the statistics are missing
    lin64, bn64 = copy.deepcopy(linear).double().eval(), copy.deepcopy(bn).double().eval()
    fused64 = fuse_linear_bn_eval(lin64, bn64)
    fused = copy.deepcopy(linear)
    fused.weight = nn.Parameter(fused64.weight.to(linear.weight.dtype), linear.weight.requires_grad)
    fused.bias = nn.Parameter(fused64.bias.to(linear.weight.dtype), True)
    return fused


def placement(block: nn.Sequential) -> str:
    """'before', 'after' or 'none': where the block's BN sits relative to its activation (read from child order)."""
    names = [name for name, _ in block.named_children()]
    if "norm" not in names:
        return "none"
    return "before" if names.index("norm") < names.index("act") else "after"


def _without_norm(block: nn.Sequential, linear: nn.Linear) -> nn.Sequential:
    """The block with its BN removed and its linear replaced, other children (act, drop) kept in order."""
    children = [(name, linear if name == "linear" else module) for name, module in block.named_children() if name != "norm"]
    return nn.Sequential(OrderedDict(children))


def fuse_bn(model: MLP) -> MLP:
    """A copy of the model, in eval mode, with every BN folded into its adjacent Linear: no BN modules left.

    The copy computes model.eval()'s function; the original is left untouched.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"fuse_bn folds harness.model.MLP blocks; got {type(model).__name__}")
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


def count_batchnorm(model: nn.Module) -> int:
    """How many batch-norm modules a model still holds."""
    return sum(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())
