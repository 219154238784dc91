"""The optimizer registry: name -> factory (parameters, lr, weight_decay, **hyperparameters) -> torch optimizer.

Hyperparameters are config fields, not registry entries: every factory takes momentum, beta1, beta2,
rho and eps as keywords whose defaults are the values each entry always used (eps 0 = torch's own
default), so a config that leaves them alone trains exactly as before they existed.
"""
from __future__ import annotations

from typing import Callable, Iterator

import torch

from harness.core.registry import Registry

HYPERPARAMETERS = ("momentum", "beta1", "beta2", "rho", "eps")  # config fields every factory receives

OPTIMIZERS: Registry[Callable[..., torch.optim.Optimizer]] = Registry("optimizer")


def _eps(eps: float, default: float) -> float:
    return eps if eps > 0 else default


def _sgd(p, lr, wd, momentum=0.9, nesterov=False, **_):
    return torch.optim.SGD(p, lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=wd)


def _adam_family(cls):
    return lambda p, lr, wd, beta1=0.9, beta2=0.999, eps=0.0, **_: cls(
        p, lr=lr, betas=(beta1, beta2), eps=_eps(eps, 1e-8), weight_decay=wd)


OPTIMIZERS.register("sgd", lambda p, lr, wd, **_: torch.optim.SGD(p, lr=lr, weight_decay=wd))  # no momentum
OPTIMIZERS.register("momentum", _sgd)  # heavy ball: v <- momentum*v + g; w <- w - lr*v
OPTIMIZERS.register("nesterov", lambda p, lr, wd, **kw: _sgd(p, lr, wd, nesterov=True, **kw))
OPTIMIZERS.register("adagrad", lambda p, lr, wd, eps=0.0, **_: torch.optim.Adagrad(
    p, lr=lr, eps=_eps(eps, 1e-10), weight_decay=wd))
OPTIMIZERS.register("rmsprop", lambda p, lr, wd, rho=0.9, eps=0.0, **_: torch.optim.RMSprop(
    p, lr=lr, alpha=rho, eps=_eps(eps, 1e-8), weight_decay=wd))
OPTIMIZERS.register("adam", _adam_family(torch.optim.Adam))  # weight_decay = l2 added to the gradient
OPTIMIZERS.register("adamw", _adam_family(torch.optim.AdamW))  # decoupled: w <- w - lr*wd*w
OPTIMIZERS.register("nadam", _adam_family(torch.optim.NAdam))


def make_optimizer(parameters, config) -> torch.optim.Optimizer:
    """The config's optimizer on these parameters, with every hyperparameter field passed through."""
    hyper = {name: getattr(config, name) for name in HYPERPARAMETERS}
    return OPTIMIZERS.get(config.optimizer)(parameters, config.lr, config.weight_decay, **hyper)


def optimizer_steps(parameters, config, loss: Callable[[], torch.Tensor], steps: int) -> Iterator[int]:
    """Step the config's optimizer on `loss()` up to `steps` times, yielding the 1-based step after each.

    For a hand-built problem outside the Trainer (an analytic loss, a few steps that give a BN net real running
    statistics): each step is zero_grad, loss().backward(), step, so a caller reads the parameters between
    steps and stops by leaving the loop. `loss` may draw its own minibatch (from a seeded generator).
    """
    parameters = list(parameters)
    opt = make_optimizer(parameters, config)
    for k in range(1, steps + 1):
        opt.zero_grad(set_to_none=True)
        loss().backward()
        opt.step()
        yield k
