"""Optimizer hyperparameters are config fields passed to every registry entry; their defaults are the old fixed values."""
from __future__ import annotations

import pytest
import torch

from harness.config.run_config import RunConfig
from harness.nn.optimizers import OPTIMIZERS, make_optimizer, optimizer_steps
from harness.train.fit import train


def group(config: RunConfig) -> dict:
    return make_optimizer([torch.nn.Parameter(torch.zeros(1))], config).param_groups[0]


def test_defaults_are_the_values_each_optimizer_always_used():
    assert group(RunConfig(optimizer="momentum"))["momentum"] == 0.9 and not group(RunConfig(optimizer="momentum"))["nesterov"]
    assert group(RunConfig(optimizer="nesterov"))["nesterov"] and group(RunConfig(optimizer="nesterov"))["momentum"] == 0.9
    assert group(RunConfig(optimizer="sgd"))["momentum"] == 0
    for name in ("adam", "adamw", "nadam"):
        assert (group(RunConfig(optimizer=name))["betas"], group(RunConfig(optimizer=name))["eps"]) == ((0.9, 0.999), 1e-8)
    assert group(RunConfig(optimizer="adagrad"))["eps"] == 1e-10
    assert (group(RunConfig(optimizer="rmsprop"))["alpha"], group(RunConfig(optimizer="rmsprop"))["eps"]) == (0.9, 1e-8)


@pytest.mark.parametrize("name, change, key, value", [
    ("momentum", {"momentum": 0.5}, "momentum", 0.5),
    ("nesterov", {"momentum": 0.99}, "momentum", 0.99),
    ("adam", {"beta1": 0.8, "beta2": 0.99}, "betas", (0.8, 0.99)),
    ("nadam", {"eps": 1e-4}, "eps", 1e-4),
    ("adagrad", {"eps": 1e-3}, "eps", 1e-3),
    ("rmsprop", {"rho": 0.99}, "alpha", 0.99),
])
def test_fields_reach_the_optimizer(name, change, key, value):
    assert group(RunConfig(optimizer=name, **change))[key] == value


def test_every_entry_takes_every_hyperparameter():
    for name in OPTIMIZERS.names():
        assert isinstance(group(RunConfig(optimizer=name, momentum=0.5, beta1=0.5, beta2=0.5, rho=0.5, eps=1e-6)),
                          dict)


def test_momentum_value_changes_the_run(tiny):
    config = tiny.replace(optimizer="momentum", max_epochs=1, stop_at_target=False)
    assert train(config).history[0]["train/loss"] != train(config.replace(momentum=0.5)).history[0]["train/loss"]


def test_optimizer_steps_is_the_hand_written_loop_step_for_step():
    """zero_grad, backward, step, the config's optimizer and hyperparameters: bit for bit a loop written out."""
    h = torch.tensor([[3.0, 1.0], [1.0, 2.0]], dtype=torch.float64)
    config = RunConfig(optimizer="nesterov", lr=0.05, momentum=0.8)
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0], dtype=torch.float64))
    seen = [(k, w.detach().clone()) for k in optimizer_steps([w], config, lambda: 0.5 * w @ h @ w, 25)]
    v = torch.nn.Parameter(torch.tensor([1.0, -2.0], dtype=torch.float64))
    opt = torch.optim.SGD([v], lr=0.05, momentum=0.8, nesterov=True)
    by_hand = []
    for _ in range(25):
        opt.zero_grad()
        (0.5 * v @ h @ v).backward()
        opt.step()
        by_hand.append(v.detach().clone())
    assert [k for k, _ in seen] == list(range(1, 26))
    assert all(torch.equal(a, b) for (_, a), b in zip(seen, by_hand)) and not torch.equal(by_hand[0], by_hand[-1])


def test_optimizer_steps_stops_where_the_caller_leaves():
    w = torch.nn.Parameter(torch.zeros(1))
    calls = []

    def loss():
        calls.append(1)
        return ((w - 1) ** 2).sum()

    for k in optimizer_steps([w], RunConfig(optimizer="sgd", lr=0.1), loss, 100):
        if k == 3:
            break
    assert len(calls) == 3
