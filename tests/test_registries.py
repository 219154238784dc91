"""Every registry cell builds and trains; inits give the variance their formula says; unknown names list valid ones."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from harness.nn.activations import ACTIVATIONS
from harness.config.run_config import NORMS, ConfigError, RunConfig
from harness.data.datasets import DATASETS
from harness.nn.inits import INITS
from harness.nn.mlp import build_mlp
from harness.nn.optimizers import OPTIMIZERS
from harness.train.fit import train


@pytest.mark.parametrize("activation", ACTIVATIONS.names())
@pytest.mark.parametrize("norm", NORMS)
def test_every_activation_and_norm_trains_through_the_trainer(tiny, activation, norm):
    result = train(tiny.replace(activation=activation, norm=norm, max_epochs=1, stop_at_target=False))
    assert len(result.history) == 1
    h = result.history[0]
    assert math.isfinite(h["train/loss"]) and 0.0 <= h["val/acc"] <= 1.0
    assert h["train/epoch_time_s"] > 0


@pytest.mark.parametrize("init", INITS.names())
@pytest.mark.parametrize("activation", ACTIVATIONS.names())
def test_every_init_and_activation_builds_and_takes_a_step(init, activation):
    cfg = RunConfig(activation=activation, init=init, depth=3, width=12)
    torch.manual_seed(0)
    model = build_mlp(cfg, n_features=5, n_classes=3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(8, 5), torch.randint(0, 3, (8,))
    before = [p.detach().clone() for p in model.parameters()]
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    assert math.isfinite(loss.item())
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


@pytest.mark.parametrize("optimizer", OPTIMIZERS.names())
def test_every_optimizer_trains(tiny, optimizer):
    result = train(tiny.replace(optimizer=optimizer, max_epochs=1, stop_at_target=False))
    assert math.isfinite(result.history[0]["train/loss"])


@pytest.mark.parametrize("name", INITS.names())
def test_init_variance_matches_its_formula(name):
    fan_in, fan_out = 400, 300
    layer = nn.Linear(fan_in, fan_out)  # 120k weights: sample variance within ~1% of the truth
    torch.manual_seed(0)
    INITS.get(name).apply(layer)
    expected = INITS.get(name).variance(fan_in, fan_out)
    assert layer.weight.var().item() == pytest.approx(expected, rel=0.03)


def test_formulas_are_the_textbook_ones():
    # Glorot 1/fan_avg, He 2/fan_in, LeCun 1/fan_in, PyTorch default 1/(3 fan_in): a sixth of He.
    assert INITS.get("glorot_uniform").variance(100, 300) == pytest.approx(1 / 200)
    assert INITS.get("he_normal").variance(100, 300) == pytest.approx(2 / 100)
    assert INITS.get("lecun_normal").variance(100, 300) == pytest.approx(1 / 100)
    assert INITS.get("default").variance(100, 300) == pytest.approx(INITS.get("he_normal").variance(100, 300) / 6)


def test_non_default_inits_zero_the_bias():
    layer = nn.Linear(10, 10)
    INITS.get("he_normal").apply(layer)
    assert torch.count_nonzero(layer.bias) == 0


def test_auto_init_is_the_activations_recommendation():
    assert RunConfig(activation="selu").resolved_init == "lecun_normal"
    assert RunConfig(activation="relu").resolved_init == "he_normal"
    assert RunConfig(activation="tanh").resolved_init == "glorot_uniform"
    assert RunConfig(activation="relu", init="default").resolved_init == "default"
    for name, act in ACTIVATIONS.items():
        assert act.init in INITS, f"{name} recommends an unregistered init {act.init}"


def test_norm_placement_orders_the_block():
    before = build_mlp(RunConfig(norm="before", depth=1, width=4), 3, 2).hidden[0]
    after = build_mlp(RunConfig(norm="after", depth=1, width=4), 3, 2).hidden[0]
    none = build_mlp(RunConfig(norm="none", depth=1, width=4), 3, 2).hidden[0]
    assert [n for n, _ in before.named_children()] == ["linear", "norm", "act"]
    assert [n for n, _ in after.named_children()] == ["linear", "act", "norm"]
    assert [n for n, _ in none.named_children()] == ["linear", "act"]


@pytest.mark.parametrize("field,value,valid", [
    ("activation", "relu6", "sigmoid"),
    ("init", "orthogonal", "he_normal"),
    ("norm", "middle", "before"),
    ("dataset", "cifar", "digits"),
    ("optimizer", "lbfgs", "nesterov"),
    ("device", "tpu", "cuda"),
])
def test_unknown_names_fail_listing_the_valid_ones(field, value, valid, monkeypatch):
    monkeypatch.setenv("COLUMNS", "1000")  # a line wide enough for every valid name
    with pytest.raises(ConfigError) as err:
        RunConfig(**{field: value})
    message = str(err.value)
    assert repr(value) in message and valid in message and "\n" not in message


@pytest.mark.parametrize("field,value", [("depth", 0), ("batch_size", 1), ("lr", 0.0), ("lr", float("nan")),
                                         ("val_fraction", 1.0), ("threads", 0), ("dropout", 1.0)])
def test_out_of_range_numbers_fail(field, value):
    with pytest.raises(ConfigError, match=field):
        RunConfig(**{field: value})


def test_config_id_is_stable_and_sensitive():
    a, b = RunConfig(), RunConfig()
    assert a.config_id == b.config_id
    assert len(a.config_id) == 12
    assert a.replace(seed=1).config_id != a.config_id
    assert a.replace(lr=0.02).config_id != a.config_id
    # Round trip through MLflow's string params gives back the same config and id.
    assert RunConfig.from_params(a.as_params()) == a
    assert RunConfig.from_params(a.as_params()).config_id == a.config_id


def test_every_dataset_is_registered_with_docs():
    assert {"digits", "synthetic", "mnist", "fashion-mnist"} <= set(DATASETS.names())
    assert all(entry.doc.strip() for _, entry in DATASETS.items())
