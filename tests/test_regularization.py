"""Regularization axes against their definitions: l1/l2 penalties, max-norm, early stopping, MC dropout and ECE."""
from __future__ import annotations

import math

import pytest
import pytorch_lightning as pl
import torch
import torch.nn.functional as F

from harness.config.run_config import ConfigError, RunConfig
from harness.core.contract import MC_METRICS, RESTORED_EPOCH
from harness.nn.mlp import build_mlp
from harness.nn.regularization import apply_max_norm, expected_calibration_error, mc_dropout_probs, nll, penalty
from harness.train.fit import train
from harness.train.lifecycle import Recording
from harness.train.stopping import EarlyStopping
from harness.train.system import ClassifierSystem


def test_ece_on_a_hand_example():
    probs = torch.tensor([[0.9, 0.1], [0.9, 0.1], [0.3, 0.7], [0.55, 0.45]])
    labels = torch.tensor([0, 1, 1, 0])
    # bins of 1/15: 0.9 -> bin 14 (0.8667, 0.9333]: acc 1/2, conf 0.9 -> |0.5 - 0.9| * 2/4 = 0.2
    # 0.7 -> bin 11 (0.6667, 0.7333]: right -> |1 - 0.7| * 1/4 = 0.075; 0.55 -> bin 9 (0.5333, 0.6]: right -> 0.1125
    assert expected_calibration_error(probs, labels) == pytest.approx(0.2 + 0.075 + 0.1125)
    # a bin's upper edge belongs to it (4 bins: 0.75 sits in (0.5, 0.75] with 0.6, not alone in (0.75, 1])
    two = torch.tensor([[0.75, 0.25], [0.6, 0.4]])
    assert expected_calibration_error(two, torch.tensor([1, 0]), n_bins=4) == pytest.approx(abs(0.5 - 0.675))
    assert expected_calibration_error(torch.tensor([[1.0, 0.0]]), torch.tensor([0])) == 0.0
    assert nll(probs, labels) == pytest.approx(-(math.log(0.9) + math.log(0.1) + math.log(0.7) + math.log(0.55)) / 4)


def test_penalty_is_l1_plus_l2_of_the_weights():
    w = [torch.tensor([[1.0, -2.0]]), torch.tensor([[0.5], [-0.5]])]
    assert penalty(w, 0.0, 0.0) is None
    assert float(penalty(w, 0.1, 0.0)) == pytest.approx(0.1 * 4.0)
    assert float(penalty(w, 0.0, 0.01)) == pytest.approx(0.01 * 5.5)
    assert float(penalty(w, 0.1, 0.01)) == pytest.approx(0.4 + 0.055)


def _system(**changes) -> tuple[ClassifierSystem, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    config = RunConfig(depth=2, width=8, optimizer="sgd", lr=0.1, **changes)
    x, y = torch.randn(16, 5), torch.randint(0, 3, (16,))
    return ClassifierSystem(build_mlp(config, 5, 3), config), x, y


@pytest.mark.parametrize("l1, l2", [(0.01, 0.0), (0.0, 0.05), (0.01, 0.05)])
def test_the_epoch_loop_steps_on_cross_entropy_plus_the_penalty_of_hidden_weights_only(l1, l2):
    plain, x, y = _system()
    system, _, _ = _system(l1=l1, l2=l2)
    before = {k: v.clone() for k, v in system.model.state_dict().items()}
    for s in (plain, system):
        s.train_batch(torch.optim.SGD(s.model.parameters(), lr=0.1), x, y)
    hidden = {f"hidden.{i}.linear.weight" for i in range(2)}
    for name, p in system.model.state_dict().items():
        expected = plain.model.state_dict()[name]  # w - lr * d(CE)/dw
        if name in hidden:  # the penalty's gradient l1 sign(w) + 2 l2 w, at the weights before the step
            w = before[name]
            expected = expected - 0.1 * (l1 * torch.sign(w) + 2 * l2 * w)
        assert torch.allclose(p, expected, atol=1e-6), name


def test_the_step_loop_minimizes_cross_entropy_plus_the_penalty():
    system, x, y = _system(l1=0.01, l2=0.05, loop="step")
    loss = system.training_step((x, y), 0)
    ce = F.cross_entropy(system.model(x), y)
    weights = [system.model.hidden[i].linear.weight for i in range(2)]
    want = ce + 0.01 * sum(w.abs().sum() for w in weights) + 0.05 * sum(w.square().sum() for w in weights)
    assert float(loss.detach()) == pytest.approx(float(want.detach()))
    assert system._epoch_loss.n == 1 and float(system._epoch_loss.total) == pytest.approx(float(ce.detach()))  # train/loss: CE alone


def test_max_norm_clips_rows_outside_and_leaves_rows_inside_bit_identical():
    w = torch.tensor([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0], [-6.0, 8.0]])
    inside = w[1:3].clone()
    apply_max_norm([w], 1.0)
    assert torch.equal(w[1:3], inside)
    assert torch.allclose(w[0], torch.tensor([0.6, 0.8])) and torch.allclose(w[3], torch.tensor([-0.6, 0.8]))


class RowNorms(pl.Callback):
    """The largest hidden weight-row L2 norm after every optimizer step (batch end in 'step', epoch end in 'epoch')."""

    def __init__(self):
        self.seen: list[float] = []

    def _record(self, pl_module) -> None:
        self.seen.append(max(float(b.linear.weight.detach().norm(dim=1).max()) for b in pl_module.model.hidden))

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self._record(pl_module)


@pytest.mark.parametrize("loop", ["epoch", "step"])
def test_every_hidden_row_norm_stays_within_r_after_steps(tiny, loop):
    r = 0.5  # He rows of fan-in 64 start near norm sqrt(2): most rows start outside
    config = tiny.replace(dataset="digits", width=32, optimizer="sgd", lr=0.5, max_epochs=2, loop=loop, max_norm=r,
                          stop_at_target=False)
    free, clipped = RowNorms(), RowNorms()
    train(config.replace(max_norm=0.0), extra_callbacks=[free])
    train(config, extra_callbacks=[clipped])
    assert max(free.seen) > r  # without the constraint rows do leave the ball: the check below can fail
    assert len(clipped.seen) == len(free.seen) > 0 and max(clipped.seen) <= r + 1e-6


class FakeTrainer:
    def __init__(self):
        self.current_epoch, self.should_stop = 0, False


def test_early_stopping_follows_its_definition():
    """Patience 2 on val/loss 1.0, 0.8, 0.9, 0.85, ...: best at epoch 2, no lower loss in epochs 3 and 4 -> stop after 4,
    restore epoch 2's weights."""
    system, _, _ = _system(early_stopping=2)
    rule, trainer = EarlyStopping(system.config), FakeTrainer()
    snapshots = []
    for epoch, loss in enumerate([1.0, 0.8, 0.9, 0.85, 0.7], start=1):
        with torch.no_grad():
            system.model.head.weight.fill_(float(epoch))  # each epoch leaves different weights
        snapshots.append(system.model.head.weight.clone())
        trainer.current_epoch = epoch - 1
        system.epoch_metrics = {"val/loss": loss}
        rule.on_train_epoch_end(trainer, system)
        if trainer.should_stop:
            break
    assert epoch == 4 and system.stop_reason == "early_stopped"
    rule.on_fit_end(trainer, system)
    assert system.restored_epoch == 2 and torch.equal(system.model.head.weight, snapshots[1])


def test_an_equal_or_nan_loss_is_no_improvement():
    system, _, _ = _system(early_stopping=1)
    rule, trainer = EarlyStopping(system.config), FakeTrainer()
    for epoch, loss in enumerate([0.5, 0.5], start=1):
        trainer.current_epoch, system.epoch_metrics = epoch - 1, {"val/loss": loss}
        rule.on_train_epoch_end(trainer, system)
    assert trainer.should_stop and rule.best_epoch == 1
    nan_rule, nan_trainer = EarlyStopping(system.config), FakeTrainer()
    system.epoch_metrics = {"val/loss": math.nan}
    nan_rule.on_train_epoch_end(nan_trainer, system)
    assert nan_trainer.should_stop and nan_rule.best_epoch is None


def test_an_early_stopped_run_is_recorded_with_its_restored_epoch(tracker):
    # 359 training digits and an oversized net at a high rate: validation loss turns up within the budget
    config = RunConfig(depth=3, width=256, val_fraction=0.8, optimizer="adam", lr=0.003, max_epochs=40,
                       stop_at_target=False, early_stopping=3)
    result = train(config, Recording(tracker))
    run = tracker.client.get_run(result.run_id)
    losses = [h["val/loss"] for h in result.history]
    best = losses.index(min(losses)) + 1
    assert run.data.tags["stop_reason"] == "early_stopped" and len(losses) < 40
    assert run.data.metrics[RESTORED_EPOCH] == best == len(losses) - 3


def test_mc_dropout_averages_passes_with_dropout_on_and_leaves_modes_and_rng_alone():
    torch.manual_seed(0)
    model = build_mlp(RunConfig(depth=2, width=32, dropout=0.5, norm="before"), 5, 3).eval()
    x = torch.randn(10, 5)
    rng = torch.get_rng_state()
    one, many = mc_dropout_probs(model, x, 1), mc_dropout_probs(model, x, 50)
    assert torch.equal(torch.get_rng_state(), rng) and not model.training
    assert not any(m.training for m in model.modules())
    deterministic = torch.softmax(model(x), dim=1)
    assert not torch.allclose(one, deterministic)  # dropout was on
    assert torch.allclose(many.sum(1), torch.ones(10))


def test_mc_metrics_are_recorded_per_epoch(tiny, tracker):
    result = train(tiny.replace(dropout=0.2, mc_samples=4), Recording(tracker))
    history = tracker.client.get_metric_history(result.run_id, "val/mc_time_s")
    assert len(history) == len(result.history)
    assert all(set(MC_METRICS) <= set(h) for h in result.history)


@pytest.mark.parametrize("changes, bad", [
    (dict(l1=-0.1), "l1"), (dict(l2=float("inf")), "l2"), (dict(max_norm=-1.0), "max_norm"),
    (dict(early_stopping=-1), "early_stopping"), (dict(mc_samples=-2), "mc_samples"),
    (dict(mc_samples=10), "mc_samples 10 with dropout 0.0"),
    (dict(model="cnn", dataset="digits-image", max_norm=3.0), "max_norm 3.0 for model 'cnn'"),
])
def test_bad_values_fail_in_one_line_naming_them(changes, bad):
    with pytest.raises(ConfigError, match=f"invalid {bad}"):
        RunConfig(**changes)
