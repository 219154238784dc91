"""Diagnostics: right values on nets built to have a known answer, logged per layer, sampled off the timed path, and invisible to training."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import pytorch_lightning as pl
import torch
import torch.nn.functional as F

from harness.config.run_config import ConfigError, RunConfig
from harness.train.diagnostics import DIAGNOSTICS, ActivationHealth, GradientHealth, probe_mode
from harness.nn.mlp import build_mlp
from harness.store.queries import load_history, load_runs
from harness.train.fit import train
from harness.train.lifecycle import Recording

DIAG = "gradients,activations"


@pytest.fixture
def bn_dropout() -> RunConfig:
    """BN (running statistics) and dropout (RNG) are exactly what a careless probe would disturb."""
    return RunConfig(dataset="digits", depth=3, width=32, activation="relu", norm="before", dropout=0.2,
                     optimizer="momentum", lr=0.05, max_epochs=3, stop_at_target=False, threads=1)


def _history(result, key):
    return [h[key] for h in result.history]


@pytest.mark.parametrize("loop", ["epoch", "step"])
def test_diagnostics_leave_the_training_trajectory_unchanged(bn_dropout, tracker, loop):
    config = bn_dropout.replace(loop=loop)
    plain = train(config)
    probed = train(config.replace(diagnostics=DIAG), Recording(tracker, "diag"))
    for key in ("train/loss", "val/acc", "val/loss"):
        assert _history(probed, key) == _history(plain, key), key  # bit for bit, not approximately


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_diagnostics_leave_the_training_trajectory_unchanged_on_cuda(bn_dropout):
    config = bn_dropout.replace(device="cuda")
    plain = train(config)
    probed = train(config.replace(diagnostics=DIAG))
    for key in ("train/loss", "val/acc", "val/loss"):
        assert _history(probed, key) == _history(plain, key), key


class CarelessProbe(pl.Callback):
    """What the diagnostics must not do: a train-mode forward at epoch end that restores nothing."""

    def on_train_epoch_end(self, trainer, pl_module):
        with torch.no_grad():
            pl_module.model.train()
            pl_module.model(trainer.datamodule.x_val)  # updates BN running stats, draws dropout masks


def test_the_trajectory_check_would_catch_a_careless_probe(bn_dropout):
    plain = train(bn_dropout)
    careless = train(bn_dropout, extra_callbacks=[CarelessProbe()])
    assert _history(careless, "train/loss") != _history(plain, "train/loss")
    assert _history(careless, "val/loss") != _history(plain, "val/loss")


def test_per_layer_metrics_are_logged_per_sample_and_summaries_reach_load_runs(tracker):
    config = RunConfig(dataset="digits", depth=4, width=16, optimizer="adam", lr=0.01, max_epochs=4,
                       stop_at_target=False, diagnostics=DIAG, diag_every=2, threads=1)
    result = train(config, Recording(tracker, "diag"))
    hist = load_history(tracker.client, result.run_id).set_index("epoch")
    for layer in ("01", "04"):
        for key in (f"grad/norm/layer_{layer}", f"act/pre_mean/layer_{layer}", f"act/post_std/layer_{layer}",
                    f"act/dead_frac/layer_{layer}", f"act/negative_frac/layer_{layer}"):
            assert hist[key].dropna().index.tolist() == [0, 2, 4], key  # init, then every 2nd epoch
    assert "act/saturated_frac/layer_01" not in hist  # relu does not saturate: no such metric
    runs = load_runs(tracker.client, "diag")
    row = runs.iloc[0]
    first, last = hist.loc[0, "grad/norm/layer_01"], hist.loc[0, "grad/norm/layer_04"]
    assert row["grad/first_last_ratio_init"] == pytest.approx(first / last)
    assert row["grad/first_last_ratio"] == pytest.approx(hist.loc[4, "grad/first_last_ratio"])  # latest sample
    assert "grad/first_last_ratio_epoch1" not in runs  # epoch 1 was not sampled
    for q in (15, 50, 85):
        assert math.isfinite(row[f"act/last_pre_p{q}"])
    assert row["act/last_pre_p15"] <= row["act/last_pre_p50"] <= row["act/last_pre_p85"]


class WhenSampled(GradientHealth):
    """Records what the epoch had already finished when a sample was taken."""

    def __init__(self, config):
        super().__init__(config)
        self.seen: dict[int, set[str]] = {}

    def _sample(self, trainer, pl_module, step):
        self.seen[step] = set(pl_module.epoch_metrics) if step else {"before any epoch"}
        super()._sample(trainer, pl_module, step)


def test_samples_are_taken_at_init_and_after_the_timed_region_and_validation(tiny):
    config = tiny.replace(max_epochs=3, stop_at_target=False)
    probe = WhenSampled(config)
    train(config, extra_callbacks=[probe])
    assert sorted(probe.samples) == [0, 1, 2, 3]
    for epoch in (1, 2, 3):  # the epoch clock has stopped and validation has run
        assert {"train/epoch_time_s", "val/acc", "val/time_s"} <= probe.seen[epoch]


def _net(config: RunConfig, n_features=8, n_classes=3):
    torch.manual_seed(0)
    return build_mlp(config, n_features, n_classes)


def _data(n=200, n_features=8, n_classes=3):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(n, n_features, generator=g)
    y = torch.randint(0, n_classes, (n,), generator=g)
    return SimpleNamespace(x_train=x, y_train=y, x_val=x[:120], y_val=y[:120])


def test_gradient_norms_match_a_plain_backward_and_leave_grads_alone():
    config = RunConfig(depth=3, width=10, activation="tanh", norm="before")
    model, data = _net(config), _data()
    sentinel = [torch.full_like(p, 7.0) for p in model.parameters()]
    for p, s in zip(model.parameters(), sentinel):
        p.grad = s.clone()
    out = GradientHealth(config).measure(model, data)
    for p, s in zip(model.parameters(), sentinel):
        assert torch.equal(p.grad, s)  # the probe used autograd.grad, not .backward()
    reference = _net(config)
    with probe_mode(reference):
        F.cross_entropy(reference(data.x_train), data.y_train).backward()
    norms = [float(b.linear.weight.grad.norm()) for b in reference.hidden]
    assert [out[f"grad/norm/layer_{i:02d}"] for i in (1, 2, 3)] == pytest.approx(norms, rel=1e-6)
    assert out["grad/first_last_ratio"] == pytest.approx(norms[0] / norms[2], rel=1e-6)


def test_probe_mode_restores_bn_buffers_modes_and_rng():
    config = RunConfig(depth=2, width=6, norm="after", dropout=0.3)
    model, data = _net(config), _data()
    model.eval()
    before = [b.clone() for b in model.buffers()]
    rng = torch.get_rng_state()
    with probe_mode(model):
        assert model.hidden[0].norm.training and not model.hidden[0].drop.training
        model(data.x_val)
    assert all(torch.equal(a, b) for a, b in zip(before, model.buffers()))
    assert not any(m.training for m in model.modules())
    assert torch.equal(torch.get_rng_state(), rng)


def test_dead_units_are_those_with_zero_output_on_every_example():
    config = RunConfig(depth=2, width=10, activation="relu")
    model, data = _net(config), _data()
    with torch.no_grad():
        model.hidden[1].linear.bias[:4] = -1e3  # 4 of 10 units in layer 2 can never fire
        model.hidden[1].linear.bias[4:] = 1e3  # the other 6 always do
    out = ActivationHealth(config).measure(model, data)
    assert out["act/dead_frac/layer_01"] == 0.0
    assert out["act/dead_frac/layer_02"] == pytest.approx(0.4)
    assert out["act/negative_frac/layer_02"] == pytest.approx(0.4)
    assert out["act/dead_frac"] == pytest.approx(4 / 20)  # pooled over all 20 hidden units


def test_leaky_units_are_never_dead_but_can_be_stuck():
    config = RunConfig(depth=1, width=10, activation="leaky_relu")
    model, data = _net(config), _data()
    with torch.no_grad():
        model.hidden[0].linear.bias[:3] = -1e3
    out = ActivationHealth(config).measure(model, data)
    assert out["act/dead_frac"] == 0.0 and out["act/negative_frac"] == pytest.approx(0.3)


def test_saturation_statistics_and_percentiles_of_the_last_inputs():
    config = RunConfig(depth=2, width=10, activation="sigmoid")
    model, data = _net(config), _data()
    with torch.no_grad():
        model.hidden[1].linear.weight.mul_(1e3)  # layer 2's inputs are huge: outputs pinned at 0 or 1
    out = ActivationHealth(config).measure(model, data)
    assert out["act/saturated_frac/layer_02"] > 0.95
    assert out["act/saturated_frac/layer_01"] < 0.2
    with torch.no_grad():
        pre = model.hidden[1].linear(model.hidden[0](data.x_val)).numpy()  # (120, 10) inputs of the last sigmoid
    assert [out[f"act/last_pre_p{q}"] for q in (15, 50, 85)] == pytest.approx(np.percentile(pre, [15, 50, 85]), rel=1e-5)
    assert out["act/post_mean/layer_02"] == pytest.approx(float(torch.sigmoid(torch.from_numpy(pre)).mean()), rel=1e-5)


def test_a_run_that_ends_between_samples_is_sampled_at_its_last_epoch(tiny):
    config = tiny.replace(max_epochs=4, stop_at_target=False, diag_every=3)
    probe = DIAGNOSTICS.get("gradients")(config, None, None)
    train(config, extra_callbacks=[probe])
    assert sorted(probe.samples) == [0, 3, 4]


def test_values_stay_on_the_callback_without_a_tracker(tiny):
    probe = DIAGNOSTICS.get("activations")(tiny, None, None)
    train(tiny.replace(stop_at_target=False, max_epochs=2), extra_callbacks=[probe])
    assert sorted(probe.samples) == [0, 1, 2]
    assert "act/dead_frac_init" in probe.samples[0] and "act/dead_frac_epoch1" in probe.samples[1]


def test_an_unknown_diagnostic_is_refused_naming_the_valid_ones(monkeypatch):
    monkeypatch.setenv("COLUMNS", "1000")  # a line wide enough for every valid name
    with pytest.raises(ConfigError, match=r"unknown diagnostic 'gradient'; valid: gradients, activations"):
        RunConfig(diagnostics="gradients,gradient")


# --- the verdict rules the diagnostics suites judge with -----------------------------------------

def _runs(rows):
    import pandas as pd

    return pd.DataFrame(rows)


def test_threshold_rule_applies_where_it_should_and_bounds_censored_values():
    from harness.judge.measures import column, epochs_to_target
    from harness.judge.rules import threshold_verdicts
    from harness.judge.verdict import ThresholdStatement

    runs = _runs([{"act": a, "seed": s, "ratio": r, "converged": c, "epochs_to_target": e, "epochs_run": 9,
                   "stop_reason": "target" if c else "max_epochs"}
                  for a, s, r, c, e in [(a, s + 3 * rep, r, c, e) for rep in range(2) for a, s, r, c, e in [
                      ("sig", 0, 1e-9, 0, None), ("sig", 1, 2e-9, 0, None), ("sig", 2, 3e-9, 0, None),
                      ("relu", 0, 0.3, 1, 3), ("relu", 1, 0.5, 1, 4), ("relu", 2, 0.4, 1, 5)]]])  # 6 seeds
    rows = threshold_verdicts(runs, [
        ThresholdStatement("vanishes", "ratio", column("ratio"), "<", 0.1, (("act", "sig"),)),
        ThresholdStatement("does not vanish", "ratio", column("ratio"), ">", 0.1, (("act", "relu"),)),
        ThresholdStatement("slow", "epochs", epochs_to_target, ">", 8, (("act", "sig"),)),
        ThresholdStatement("fast", "epochs", epochs_to_target, "<", 8, (("act", "sig"),)),
    ], group_by=["act"])
    by = {(v.group["act"], v.statement): v for v in rows}
    assert set(by) == {("sig", "vanishes"), ("relu", "does not vanish"), ("sig", "slow"), ("sig", "fast")}
    assert by["sig", "vanishes"].outcome == "supported" and by["sig", "vanishes"].effect == 2e-9
    assert by["relu", "does not vanish"].outcome == "supported" and by["relu", "does not vanish"].n == 6
    # Censored at 9 epochs: the true value is > 9, so '> 8' holds and '< 8' is refuted, not dropped.
    assert by["sig", "slow"].outcome == "supported" and by["sig", "slow"].high == math.inf
    assert by["sig", "fast"].outcome == "refuted" and "censored in 6 of 6 seeds" in by["sig", "fast"].note


def test_difference_rule_pairs_by_seed_and_leaves_diverged_pairs_out():
    from harness.judge.measures import column, unless_diverged
    from harness.judge.rules import paired_verdicts
    from harness.judge.verdict import DifferenceStatement

    runs = _runs([{"lr": lr, "seed": s, "dead": d, "stop_reason": "diverged" if d is None else "max_epochs"}
                  for lr, s, d in [(lr, s + 3 * rep, d) for rep in range(3) for lr, s, d in [
                      (0.01, 0, 0.1), (0.01, 1, 0.2), (0.01, 2, 0.1), (0.3, 0, 0.5), (0.3, 1, 0.4), (0.3, 2, None)]]])
    (v,) = paired_verdicts(runs, [DifferenceStatement("more die", "diff", unless_diverged(column("dead")), ">", 0.01)],
                                      factor="lr", baseline=0.01, group_by=[])
    assert v.n == 6 and v.effect == pytest.approx(0.3) and v.low == pytest.approx(0.2) and v.outcome == "supported"
    assert "3 pair(s) without a value (3 with a diverged run)" in v.note
    assert v.group == {} and v.arms == ({"lr": 0.3}, {"lr": 0.01})
