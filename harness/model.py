"""Where a model is built: an MLP from the activation, init and norm-placement registries."""
from __future__ import annotations

from collections import OrderedDict

from torch import nn

from harness.activations import ACTIVATIONS
from harness.config import RunConfig
from harness.inits import INITS


def hidden_block(n_in: int, width: int, activation: str, norm: str, dropout: float, dropout_kind: str) -> nn.Sequential:
    """Linear, then activation with BN before or after it (or none), then optional dropout.

    Children are named (linear, norm, act, drop) and ordered as they run, so diagnostics can hook
    `act` (its input is the pre-activation) and fusion can read the placement from the order.
    """
    linear = nn.Linear(n_in, width)
    act = ACTIVATIONS.get(activation).make()
    layers: list[tuple[str, nn.Module]] = [("linear", linear)]
    if norm == "before":
        layers += [("norm", nn.BatchNorm1d(width)), ("act", act)]
    elif norm == "after":
        layers += [("act", act), ("norm", nn.BatchNorm1d(width))]
    else:
        layers += [("act", act)]
    if dropout > 0:
        layers.append(("drop", nn.AlphaDropout(dropout) if dropout_kind == "alpha" else nn.Dropout(dropout)))
    return nn.Sequential(OrderedDict(layers))


class MLP(nn.Module):
    """x (B, F) -> hidden blocks (B, width) -> head logits (B, C)."""

    def __init__(self, n_features: int, n_classes: int, depth: int, width: int, activation: str,
                 norm: str = "none", dropout: float = 0.0, dropout_kind: str = "plain", input_norm: bool = False):
        super().__init__()
        # BN as the first layer normalizes each raw input feature (B, F); Identity otherwise keeps the tree's shape.
        self.input_norm = nn.BatchNorm1d(n_features) if input_norm else nn.Identity()
        blocks = [hidden_block(n_features if i == 0 else width, width, activation, norm, dropout, dropout_kind)
                  for i in range(depth)]
        self.hidden = nn.Sequential(*blocks)
        self.head = nn.Linear(width, n_classes)

    def forward(self, x):
        return self.head(self.hidden(self.input_norm(x)))

    def hidden_linears(self) -> list[nn.Linear]:
        return [block.linear for block in self.hidden]


def build_mlp(config: RunConfig, n_features: int, n_classes: int) -> MLP:
    """The model for a config; the caller seeds torch first so weights are reproducible."""
    model = MLP(n_features, n_classes, config.depth, config.width, config.activation,
                config.norm, config.dropout, config.dropout_kind, config.input_norm)
    init = INITS.get(config.resolved_init)
    for linear in model.hidden_linears():
        init.apply(linear)
    # The softmax head gets Glorot (the chapter's init for softmax) unless the config asks for
    # PyTorch's default everywhere, the "naive init" baseline.
    head_init = INITS.get("default" if config.resolved_init == "default" else "glorot_uniform")
    head_init.apply(model.head)
    return model
