"""The built-in small CNN (model 'cnn'): conv blocks with the MLP's activation, init, BN-placement and dropout axes.

For image-shaped data: (N, C, L) features get Conv1d/BatchNorm1d blocks, (N, C, H, W) features Conv2d/
BatchNorm2d blocks, so the batch-norm claims can be tested on convolutions. Every block keeps the spatial
size (kernel 3, zero padding 1), and the head is a Linear on the flattened last block: no pooling, so a
small input (digits' 8x8) keeps its layout. width = channels per block, depth = blocks.
"""
from __future__ import annotations

import math
from collections import OrderedDict

from torch import nn

from harness.nn.activations import ACTIVATIONS
from harness.nn.inits import initialize

KERNEL, PADDING = 3, 1  # 'same' convolutions: output spatial size = input spatial size
CONV = {1: nn.Conv1d, 2: nn.Conv2d}
BATCHNORM = {1: nn.BatchNorm1d, 2: nn.BatchNorm2d}


def conv_block(dims: int, n_in: int, width: int, activation: str, norm: str, dropout: float,
               dropout_kind: str) -> nn.Sequential:
    """Conv, then activation with BN before or after it (or none), then optional dropout; children named like the MLP's."""
    layers: list[tuple[str, nn.Module]] = [("conv", CONV[dims](n_in, width, KERNEL, padding=PADDING))]
    act = ACTIVATIONS.get(activation).make()
    if norm == "before":
        layers += [("norm", BATCHNORM[dims](width)), ("act", act)]
    elif norm == "after":
        layers += [("act", act), ("norm", BATCHNORM[dims](width))]
    else:
        layers += [("act", act)]
    if dropout > 0:
        layers.append(("drop", nn.AlphaDropout(dropout) if dropout_kind == "alpha" else nn.Dropout(dropout)))
    return nn.Sequential(OrderedDict(layers))


class CNN(nn.Module):
    """x (B, C, L) or (B, C, H, W) -> conv blocks (B, width, same spatial size) -> flatten -> head logits (B, classes)."""

    def __init__(self, shape: tuple[int, ...], n_classes: int, depth: int, width: int, activation: str,
                 norm: str = "none", dropout: float = 0.0, dropout_kind: str = "plain"):
        super().__init__()
        dims = len(shape) - 1
        if dims not in CONV:
            raise ValueError(f"model 'cnn' takes (N, C, L) or (N, C, H, W) features; got per-example shape "
                             f"{tuple(shape)} (use model 'mlp' for flat (N, F) features)")
        self.shape = tuple(shape)
        self.hidden = nn.Sequential(*(conv_block(dims, shape[0] if i == 0 else width, width, activation, norm,
                                                 dropout, dropout_kind) for i in range(depth)))
        self.head = nn.Linear(width * math.prod(shape[1:]), n_classes)

    def forward(self, x):
        return self.head(self.hidden(x).flatten(1))

    def hidden_convs(self) -> list[nn.Module]:
        return [block.conv for block in self.hidden]


def build_cnn(config, n_features, n_classes: int) -> CNN:
    """The built-in CNN for per-example shape n_features, (C, L) or (C, H, W); the caller seeds torch first."""
    shape = (n_features,) if isinstance(n_features, int) else tuple(n_features)
    model = CNN(shape, n_classes, config.depth, config.width, config.activation, config.norm, config.dropout,
                config.dropout_kind)
    initialize(model.hidden_convs(), model.head, config.resolved_init)
    return model
