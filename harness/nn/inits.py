"""Weight initializations, one registry; each states the variance it gives a Linear's weight."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from harness.core.registry import Registry


@dataclass(frozen=True)
class Init:
    apply: Callable[[nn.Linear], None]  # re-initializes the layer in place
    variance: Callable[[int, int], float] | None  # (fan_in, fan_out) -> weight variance
    doc: str


def _zero_bias(layer: nn.Linear) -> None:
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)


def _with_zero_bias(fn: Callable[[torch.Tensor], object]) -> Callable[[nn.Linear], None]:
    def apply(layer: nn.Linear) -> None:
        fn(layer.weight)
        _zero_bias(layer)

    return apply


INITS: Registry[Init] = Registry("init")
# PyTorch's own nn.Linear init: uniform +-1/sqrt(fan_in), variance 1/(3 fan_in), a sixth of He's.
# This is the "standard" init Glorot & Bengio criticized. Bias keeps PyTorch's uniform init too.
INITS.register("default", Init(lambda m: m.reset_parameters(), lambda fi, fo: 1 / (3 * fi), "PyTorch nn.Linear default"))
INITS.register("glorot_uniform", Init(_with_zero_bias(nn.init.xavier_uniform_), lambda fi, fo: 2 / (fi + fo), "Glorot/Xavier, var = 1/fan_avg"))
INITS.register("glorot_normal", Init(_with_zero_bias(nn.init.xavier_normal_), lambda fi, fo: 2 / (fi + fo), "Glorot/Xavier normal"))
INITS.register("he_uniform", Init(_with_zero_bias(lambda w: nn.init.kaiming_uniform_(w, nonlinearity="relu")), lambda fi, fo: 2 / fi, "He, var = 2/fan_in"))
INITS.register("he_normal", Init(_with_zero_bias(lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")), lambda fi, fo: 2 / fi, "He normal"))
# LeCun normal, as PyTorch's SELU docs ask: kaiming_normal_ with nonlinearity='linear' (gain 1).
INITS.register("lecun_normal", Init(_with_zero_bias(lambda w: nn.init.kaiming_normal_(w, nonlinearity="linear")), lambda fi, fo: 1 / fi, "LeCun normal, var = 1/fan_in"))


def initialize(hidden: list[nn.Module], head: nn.Module, init: str) -> None:
    """Apply `init` to the hidden layers (Linear or Conv) and the chapter's softmax-head init to the head.

    The head gets Glorot (the chapter's init for softmax) unless `init` is PyTorch's default everywhere,
    the "naive init" baseline.
    """
    for layer in hidden:
        INITS.get(init).apply(layer)
    INITS.get("default" if init == "default" else "glorot_uniform").apply(head)
