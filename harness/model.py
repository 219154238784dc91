"""Where a model is built: an MLP from the activation, init and norm-placement registries."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from torch import nn

from harness.activations import ACTIVATIONS
from harness.config import RunConfig
from harness.inits import INITS


@dataclass(frozen=True)
class Block:
    """What every hidden block of an MLP is made of (the config's model axes)."""

    width: int  # units
    activation: str  # key into harness.activations.ACTIVATIONS
    norm: str = "none"  # batch norm before or after the activation, or none
    dropout: float = 0.0  # drop probability after the block; 0 = no dropout module
    dropout_kind: str = "plain"  # plain (nn.Dropout) or alpha (nn.AlphaDropout, for SELU)

    @classmethod
    def of(cls, config: RunConfig) -> "Block":
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


def build_mlp(config: RunConfig, n_features: int, n_classes: int) -> MLP:
    """The model for a config; the caller seeds torch first so weights are reproducible."""
    model = MLP(n_features, n_classes, config.depth, Block.of(config), config.input_norm)
    init = INITS.get(config.resolved_init)
    for linear in model.hidden_linears():
        init.apply(linear)
    # The softmax head gets Glorot (the chapter's init for softmax) unless the config asks for
    # PyTorch's default everywhere, the "naive init" baseline.
    head_init = INITS.get("default" if config.resolved_init == "default" else "glorot_uniform")
    head_init.apply(model.head)
    return model
