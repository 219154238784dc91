"""Hidden-layer activations, one registry; each names the init the chapter recommends for it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from torch import nn

from harness.core.registry import Registry


@dataclass(frozen=True)
class Activation:
    make: Callable[[], nn.Module]
    init: str  # key into harness.nn.inits.INITS, used when the config says init="auto"
    saturating: bool = False  # bounded output (sigmoid/tanh): saturation is a failure mode


ACTIVATIONS: Registry[Activation] = Registry("activation")
ACTIVATIONS.register("sigmoid", Activation(nn.Sigmoid, "glorot_uniform", saturating=True))
ACTIVATIONS.register("tanh", Activation(nn.Tanh, "glorot_uniform", saturating=True))
ACTIVATIONS.register("relu", Activation(nn.ReLU, "he_normal"))
ACTIVATIONS.register("leaky_relu", Activation(lambda: nn.LeakyReLU(0.01), "he_normal"))  # PyTorch's slope
ACTIVATIONS.register("leaky_relu_0.2", Activation(lambda: nn.LeakyReLU(0.2), "he_normal"))  # Xu et al.'s larger slope
ACTIVATIONS.register("elu", Activation(nn.ELU, "he_normal"))
ACTIVATIONS.register("selu", Activation(nn.SELU, "lecun_normal"))
ACTIVATIONS.register("gelu", Activation(nn.GELU, "he_normal"))
ACTIVATIONS.register("silu", Activation(nn.SiLU, "he_normal"))
