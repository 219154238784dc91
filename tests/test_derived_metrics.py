"""The per-epoch metrics a suite declares as callbacks (harness.train.derived): each computed from the epoch's own
figures or the model's weights, in every epoch of the run's history."""
from __future__ import annotations

import statistics

import pytest

from harness import LossGap, MCDropoutCost, NearZeroShare, RunConfig
from harness.train.fit import train

CONFIG = RunConfig(dataset="digits", depth=2, width=16, optimizer="adam", lr=0.01, max_epochs=3, stop_at_target=False,
                   threads=1)


def test_the_loss_gap_holds_its_first_matched_epoch():
    gap = LossGap(match_loss=0.5)
    epochs = [{"train/eval_loss": 0.9, "val/loss": 1.0}, {"train/eval_loss": 0.4, "val/loss": 0.7},
              {"train/eval_loss": 0.1, "val/loss": 0.8}]
    out = [gap.derive(m, e) for e, m in enumerate(epochs, start=1)]
    assert [o["gap/loss"] for o in out] == pytest.approx([0.1, 0.3, 0.7])
    assert "gap/loss_at_match" not in out[0]  # not yet at 0.5 nats
    assert [o["gap/loss_at_match"] for o in out[1:]] == pytest.approx([0.3, 0.3])  # epoch 3's 0.7 is not it
    assert [o["gap/match_epoch"] for o in out[1:]] == [2.0, 2.0]
    assert gap.derive({"val/loss": 1.0}, 4) == {}  # eval_train off: no training loss in eval mode, no gap


def test_the_loss_gap_is_logged_with_every_epoch_of_a_run():
    history = train(CONFIG.replace(eval_train=True), extra_callbacks=[LossGap()]).history
    assert [h["gap/loss"] for h in history] == pytest.approx([h["val/loss"] - h["train/eval_loss"] for h in history])


@pytest.mark.parametrize("threshold, share", [(0.0, 0.0), (1e9, 1.0)])
def test_the_near_zero_share_counts_the_hidden_weights_under_the_threshold(threshold, share):
    history = train(CONFIG.replace(max_epochs=1), extra_callbacks=[NearZeroShare(threshold)]).history
    assert history[-1]["weights/near_zero_share"] == share


def test_the_near_zero_share_in_between_is_the_share_of_small_weights():
    result = []

    class Keep(NearZeroShare):
        def on_train_epoch_end(self, trainer, pl_module):
            super().on_train_epoch_end(trainer, pl_module)
            result.append([lin.weight.detach().abs().flatten() for lin in pl_module.model.hidden_linears()])

    history = train(CONFIG.replace(max_epochs=1), extra_callbacks=[Keep(0.05)]).history
    weights = [w for layer in result[-1] for w in layer.tolist()]
    assert history[-1]["weights/near_zero_share"] == pytest.approx(sum(w < 0.05 for w in weights) / len(weights))
    assert 0 < history[-1]["weights/near_zero_share"] < 1


def test_the_near_zero_share_names_the_model_it_needs():
    config = CONFIG.replace(model="cnn", dataset="digits-image", max_epochs=1)
    with pytest.raises(ValueError, match="invalid model .* for NearZeroShare; valid: 'mlp'"):
        train(config, extra_callbacks=[NearZeroShare()])


def test_mc_dropouts_cost_is_the_median_over_the_epochs_so_far():
    t = 4
    history = train(CONFIG.replace(dropout=0.2, mc_samples=t), extra_callbacks=[MCDropoutCost()]).history
    for k in range(1, len(history) + 1):
        seen = history[:k]
        ratios = [h["val/mc_time_s"] / (t * h["val/forward_time_s"]) for h in seen]
        assert history[k - 1]["mc/latency_ratio"] == pytest.approx(statistics.median(ratios))
        assert history[k - 1]["mc/seconds_per_pass"] == pytest.approx(statistics.median(h["val/mc_time_s"] / t
                                                                                         for h in seen))
