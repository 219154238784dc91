"""Where the built-in MLP is built (model 'mlp' in harness.nn.models): Linear blocks from the activation, init
and norm-placement registries. This module reads configs by attribute only."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from torch import nn

from harness.nn.activations import ACTIVATIONS
from harness.nn.inits import initialize


@dataclass(frozen=True)
class Block:
    """What every hidden block of an MLP is made of (the config's model axes)."""

    width: int  # units
    activation: str  # key into harness.nn.activations.ACTIVATIONS
    norm: str = "none"  # batch norm before or after the activation, or none
    dropout: float = 0.0  # drop probability after the block; 0 = no dropout module
    dropout_kind: str = "plain"  # plain (nn.Dropout) or alpha (nn.AlphaDropout, for SELU)

    @classmethod
    def of(cls, config) -> "Block":
        return cls(config.width, config.activation, config.norm, config.dropout, config.dropout_kind)


def hidden_block(n_in: int, block: Block) -> nn.Sequential:
    """Linear, then activation with BN before or after it (or none), then optional dropout.

    Children are named (linear, norm, act, drop) and ordered as they run, so diagnostics can hook
    `act` (its input is the pre-activation) and fusion can read the placement from the order.
    """
    width, norm, dropout = block.width, block.norm, block.dropout
    linear = nn.Linear(n_in, width)
    act = ACTIVATIONS.get(block.activation).make()
    layers: list[tuple[str, nn.Module]] = [("linear", linear)]
    if norm == "before":
        layers += [("norm", nn.BatchNorm1d(width)), ("act", act)]
    elif norm == "after":
        layers += [("act", act), ("norm", nn.BatchNorm1d(width))]
    else:
        layers += [("act", act)]
    if dropout > 0:
        layers.append(("drop", nn.AlphaDropout(dropout) if block.dropout_kind == "alpha" else nn.Dropout(dropout)))
    return nn.Sequential(OrderedDict(layers))


class MLP(nn.Module):
    """x (B, F) -> hidden blocks (B, width) -> head logits (B, C)."""

    def __init__(self, n_features: int, n_classes: int, depth: int, block: Block, input_norm: bool = False):
        super().__init__()
        # BN as the first layer normalizes each raw input feature (B, F); Identity otherwise keeps the tree's shape.
        self.input_norm = nn.BatchNorm1d(n_features) if input_norm else nn.Identity()
        self.hidden = nn.Sequential(*(hidden_block(n_features if i == 0 else block.width, block) for i in range(depth)))
        self.head = nn.Linear(block.width, n_classes)

    def forward(self, x):
        return self.head(self.hidden(self.input_norm(x)))

    def hidden_linears(self) -> list[nn.Linear]:
        return [block.linear for block in self.hidden]


def build_mlp(config, n_features: int, n_classes: int) -> MLP:
    """The built-in MLP: Linear blocks with the config's activation, init, BN placement, depth, width and dropout."""
    if isinstance(n_features, (tuple, list)):
        raise ValueError(f"model 'mlp' takes flat (N, F) features; got per-example shape {tuple(n_features)} "
                         f"(use model 'cnn', or a dataset that returns (N, F))")
    model = MLP(n_features, n_classes, config.depth, Block.of(config), config.input_norm)
    initialize(model.hidden_linears(), model.head, config.resolved_init)
    return model
