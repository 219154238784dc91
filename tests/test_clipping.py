"""Gradient clipping: the chapter's example exactly, and inside the training step of both loops (and lockstep)."""
from __future__ import annotations

import pytest
import pytorch_lightning as pl
import torch

from harness.nn.clipping import clip_gradients, total_grad_norm
from harness.config.run_config import ConfigError, RunConfig
from harness.train.fit import train, train_group


def clipped(mode: str, grad: list[float], threshold: float = 1.0) -> list[float]:
    p = torch.nn.Parameter(torch.zeros(len(grad), dtype=torch.float64))
    p.grad = torch.tensor(grad, dtype=torch.float64)
    clip_gradients([p], mode, threshold)
    return p.grad.tolist()


def test_the_chapters_example():
    """[0.9, 100.0] at threshold 1.0: by value [0.9, 1.0] (direction turned), by norm [0.0089996, 0.9999595] (kept)."""
    assert clipped("value", [0.9, 100.0]) == [0.9, 1.0]
    assert clipped("norm", [0.9, 100.0]) == pytest.approx([0.0089996, 0.9999595], abs=5e-8)
    assert clipped("none", [0.9, 100.0]) == [0.9, 100.0]
    assert clipped("norm", [0.3, 0.4]) == pytest.approx([0.3, 0.4])  # norm 0.5 <= 1: untouched


def test_norm_clipping_spans_all_parameters_together():
    a, b = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    a.grad, b.grad = torch.tensor([3.0]), torch.tensor([4.0])
    assert float(total_grad_norm([a, b])) == pytest.approx(5.0)
    clip_gradients([a, b], "norm", 1.0)
    assert (float(a.grad), float(b.grad)) == pytest.approx((0.6, 0.8), rel=1e-5)


class StepSize(pl.Callback):
    """The parameters' change over the run: with one optimizer step, that step's update."""

    def on_train_start(self, trainer, pl_module):
        self.before = [p.detach().clone() for p in pl_module.parameters()]

    def on_train_end(self, trainer, pl_module):
        self.delta = torch.cat([(p.detach() - b).flatten() for p, b in zip(pl_module.parameters(), self.before)])


@pytest.mark.parametrize("loop", ["epoch", "step"])
@pytest.mark.parametrize("mode", ["none", "value", "norm"])
def test_clipping_happens_in_the_training_step(loop, mode):
    """One plain-SGD step at lr 1 (80 rows, batch 80): the update is the clipped gradient, so its size is set by the threshold."""
    t = 1e-3  # far below this net's gradient (norm ~1, largest entries ~0.1)
    config = RunConfig(depth=2, width=16, optimizer="sgd", lr=1.0, n_samples=100, batch_size=80, max_epochs=1,
                       stop_at_target=False, loop=loop, clip=mode, clip_threshold=t)
    probe = StepSize()
    train(config, extra_callbacks=[probe])
    size, largest = float(probe.delta.norm()), float(probe.delta.abs().max())
    if mode == "norm":
        assert size == pytest.approx(t, rel=1e-4)
    elif mode == "value":
        assert largest == pytest.approx(t, rel=1e-4) and size > t
    else:
        assert size > 100 * t  # unclipped: the check above can fail


def test_lockstep_arms_clip_as_their_solo_runs(tiny):
    arms = [tiny.replace(max_epochs=2, stop_at_target=False, lr=0.05, clip=c, clip_threshold=0.1) for c in ("none", "norm")]
    lockstep = train_group(arms, interleave="clip")
    solo = [train(c) for c in arms]
    for a, b in zip(lockstep, solo):
        assert [h["val/acc"] for h in a.history] == [h["val/acc"] for h in b.history]
        assert [h["train/loss"] for h in a.history] == [h["train/loss"] for h in b.history]
    assert lockstep[0].history != lockstep[1].history


@pytest.mark.parametrize("change, message", [
    ({"clip": "sideways"}, "invalid clip 'sideways'; valid: none, value, norm"),
    ({"clip_threshold": 0.0}, "invalid clip_threshold 0.0"),
    ({"momentum": 1.0}, "invalid momentum 1.0; must be in [0.0, 1.0)"),
    ({"optimizer": "nesterov", "momentum": 0.0}, "invalid momentum 0.0 for optimizer 'nesterov'"),
    ({"beta2": -0.1}, "invalid beta2 -0.1"),
    ({"eps": -1.0}, "invalid eps -1.0"),
])
def test_bad_optimization_values_name_themselves(change, message):
    with pytest.raises(ConfigError, match=None) as err:
        RunConfig(**change)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)
