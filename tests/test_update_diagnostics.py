"""The `updates` diagnostic: one trial training step, measured and undone (update size, effective lr, gradient norm
before clipping, the clipped gradient's direction); the run it probes is bit-identical to one without it."""
from __future__ import annotations

import pytest

from harness.train.diagnostics import DIAGNOSTICS
from harness.train.fit import train

FIGURES = ("train/loss", "val/loss", "val/acc", "train/lr")


def sampled(config):
    """The diagnostic's samples, by step (0 = init), from a run without a tracker."""
    probe = DIAGNOSTICS.get("updates")(config, None, None)
    result = train(config, extra_callbacks=[probe])
    return result, probe.samples


@pytest.mark.parametrize("loop", ["epoch", "step"])
@pytest.mark.parametrize("changes", [
    dict(optimizer="adam", clip="norm", clip_threshold=0.5, schedule="exponential", decay_epochs=1.0),
    dict(optimizer="momentum", clip="value", clip_threshold=0.05, norm="before", dropout=0.2),
])
def test_the_probed_run_is_bit_identical(tiny, loop, changes):
    config = tiny.replace(max_epochs=3, stop_at_target=False, loop=loop, **changes)
    plain = train(config).history
    probed, samples = sampled(config.replace(diagnostics="updates"))
    assert [tuple(h[k] for k in FIGURES) for h in plain] == [tuple(h[k] for k in FIGURES) for h in probed.history]
    assert sorted(samples) == [0, 1, 2, 3]


def test_plain_sgd_has_its_lr_as_effective_lr_and_norm_clipping_keeps_direction(tiny):
    config = tiny.replace(optimizer="sgd", lr=0.1, max_epochs=1, stop_at_target=False, diagnostics="updates")
    _, free = sampled(config)
    _, norm = sampled(config.replace(clip="norm", clip_threshold=1e-3))
    _, value = sampled(config.replace(clip="value", clip_threshold=1e-3))
    init = free[0]
    assert init["upd/eff_lr"] == pytest.approx(0.1, rel=1e-5)
    assert init["upd/eff_lr/layer_01"] == pytest.approx(0.1, rel=1e-5)
    assert init["upd/clip_cosine"] == pytest.approx(1.0) and init["upd/clipped_norm"] == init["upd/grad_norm"] > 1e-3
    assert 0 < init["upd/ratio"] < 1
    # Same weights at init: the gradient before clipping is the same; after it, norm 1e-3, direction kept or not.
    assert norm[0]["upd/grad_norm"] == value[0]["upd/grad_norm"] == init["upd/grad_norm"]
    assert norm[0]["upd/clipped_norm"] == pytest.approx(1e-3, rel=1e-4)
    assert norm[0]["upd/clip_cosine"] == pytest.approx(1.0, abs=1e-9)
    assert value[0]["upd/clip_cosine"] < 0.99
    assert norm[0]["upd/ratio"] < init["upd/ratio"]
