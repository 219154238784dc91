"""The optimizer registry: name -> factory (parameters, lr, weight_decay) -> torch optimizer."""
from __future__ import annotations

from typing import Callable

import torch

from harness.registry import Registry

OPTIMIZERS: Registry[Callable[..., torch.optim.Optimizer]] = Registry("optimizer")
OPTIMIZERS.register("sgd", lambda p, lr, wd: torch.optim.SGD(p, lr=lr, weight_decay=wd))
OPTIMIZERS.register("momentum", lambda p, lr, wd: torch.optim.SGD(p, lr=lr, momentum=0.9, weight_decay=wd))
OPTIMIZERS.register("nesterov", lambda p, lr, wd: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True, weight_decay=wd))
OPTIMIZERS.register("adagrad", lambda p, lr, wd: torch.optim.Adagrad(p, lr=lr, weight_decay=wd))
OPTIMIZERS.register("rmsprop", lambda p, lr, wd: torch.optim.RMSprop(p, lr=lr, alpha=0.9, weight_decay=wd))
OPTIMIZERS.register("adam", lambda p, lr, wd: torch.optim.Adam(p, lr=lr, weight_decay=wd))
OPTIMIZERS.register("adamw", lambda p, lr, wd: torch.optim.AdamW(p, lr=lr, weight_decay=wd))
OPTIMIZERS.register("nadam", lambda p, lr, wd: torch.optim.NAdam(p, lr=lr, weight_decay=wd))
