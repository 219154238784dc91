"""Layer reuse against its definition, on a real SQLite store: exact weights at start, frozen then unfrozen, the stated lr."""
from __future__ import annotations

import math

import numpy as np
import pytest
import pytorch_lightning as pl
import torch
from torch.optim.optimizer import register_optimizer_step_pre_hook

from harness.config.run_config import ConfigError, RunConfig
from harness.core.contract import CONFIG_ID_TAG, REUSED_FROM_TAG
from harness.data.datamodule import InMemoryDataModule
from harness.store.queries import load_history
from harness.train.diagnostics import DIAGNOSTICS
from harness.train.reuse import load_state
from harness.train.fit import train
from harness.train.lifecycle import Recording

SOURCE = RunConfig(dataset="digits", depth=3, width=32, optimizer="sgd", lr=0.05, max_epochs=2, stop_at_target=False,
                   classes="2,3,4,5,6,7,8,9", save_model=True)
# the 2-class task, a new run from the source's first 2 hidden layers (reuse_from is set per test)
TARGET = dict(classes="0,1", train_per_class=10, save_model=False, reuse_layers=2, freeze_epochs=2,
              unfreeze_lr_factor=0.1, max_epochs=4, batch_size=4)
LR = 0.05  # both configs' lr; after the freeze: LR * 0.1


class Snapshots(pl.Callback):
    """The model's state at the start of fit and after each epoch, and which parameters held a gradient at any
    optimizer step of each epoch (a global optimizer pre-step hook: what the step could apply)."""

    def __init__(self):
        self.states, self.had_grad, self._epoch_grads = [], [], set()

    def on_train_start(self, trainer, pl_module):
        self.states.append({k: v.clone() for k, v in pl_module.model.state_dict().items()})
        names = {id(p): n for n, p in pl_module.model.named_parameters()}

        def seen(optimizer, args, kwargs):
            self._epoch_grads |= {names[id(p)] for g in optimizer.param_groups for p in g["params"] if p.grad is not None}

        self._hook = register_optimizer_step_pre_hook(seen)

    def on_train_epoch_end(self, trainer, pl_module):
        self.states.append({k: v.clone() for k, v in pl_module.model.state_dict().items()})
        self.had_grad.append(self._epoch_grads)
        self._epoch_grads = set()

    def on_train_end(self, trainer, pl_module):
        self._hook.remove()


@pytest.fixture(scope="module")
def reused(tmp_path_factory):
    from harness.store.tracking import Tracker

    tracker = Tracker(f"sqlite:///{tmp_path_factory.mktemp('reuse')}/mlflow.db")
    source = train(SOURCE, Recording(tracker))
    snaps = Snapshots()
    target = train(SOURCE.replace(**TARGET, reuse_from=source.run_id), Recording(tracker), extra_callbacks=[snaps])
    return tracker, source, target, snaps


def reused_keys(state):
    return [k for k in state if k.startswith(("hidden.0.", "hidden.1."))]


def test_reused_layers_start_bit_for_bit_from_the_saved_weights(reused):
    tracker, source, _, snaps = reused
    saved, start = load_state(tracker.client, source.run_id), snaps.states[0]
    assert reused_keys(start) == ["hidden.0.linear.weight", "hidden.0.linear.bias", "hidden.1.linear.weight",
                                  "hidden.1.linear.bias"]
    for key in reused_keys(start):
        assert torch.equal(start[key], saved[key]), key
    assert not torch.equal(start["hidden.2.linear.weight"], saved["hidden.2.linear.weight"])  # layer 3: new
    assert start["head.weight"].shape == (2, 32) and saved["head.weight"].shape == (8, 32)  # a new output layer


def test_frozen_layers_take_no_update_then_train_after_unfreezing(reused):
    _, _, _, snaps = reused
    start = snaps.states[0]
    for epoch in (1, 2):  # the freeze: no gradient reaches the reused weights, so no step moves them
        state = snaps.states[epoch]
        assert all(torch.equal(state[k], start[k]) for k in reused_keys(start))
        assert not torch.equal(state["hidden.2.linear.weight"], start["hidden.2.linear.weight"])
        assert "hidden.2.linear.weight" in snaps.had_grad[epoch - 1]
        assert not any(n.startswith(("hidden.0.", "hidden.1.")) for n in snaps.had_grad[epoch - 1])
    for epoch in (3, 4):
        assert not torch.equal(snaps.states[epoch]["hidden.0.linear.weight"], snaps.states[epoch - 1]["hidden.0.linear.weight"])
        assert "hidden.0.linear.weight" in snaps.had_grad[epoch - 1]


def test_the_lr_after_unfreezing_is_the_stated_one_and_the_source_is_recorded(reused):
    tracker, source, target, _ = reused
    lrs = load_history(tracker.client, target.run_id).set_index("epoch")["train/lr"].to_dict()
    assert lrs == pytest.approx({1: LR, 2: LR, 3: LR * 0.1, 4: LR * 0.1}, rel=1e-12)
    assert tracker.client.get_run(target.run_id).data.tags[REUSED_FROM_TAG] == source.run_id


def test_gradient_and_update_diagnostics_measure_frozen_layers_and_leave_the_run_unchanged(reused):
    """Frozen reused layers: the gradient that reaches them is measured, the step leaves them (update ratio 0, no
    effective lr); after unfreezing they update. The probes change nothing: the run is the one without them."""
    tracker, source, target, _ = reused
    config = SOURCE.replace(**TARGET, reuse_from=source.run_id)
    probes = [DIAGNOSTICS.get(name)(config, None, None) for name in ("gradients", "updates")]
    probed = train(config, Recording(tracker), extra_callbacks=probes)
    figures = lambda r: [(h["train/loss"], h["val/loss"], h["val/acc"]) for h in r.history]  # noqa: E731
    assert figures(probed) == figures(target)
    grads, updates = probes[0].samples, probes[1].samples
    assert sorted(grads) == sorted(updates) == [0, 1, 2, 3, 4]
    for step in (0, 1, 2):  # frozen (init, then the 2 frozen epochs); layer 3 is new and trains
        for layer in ("01", "02"):
            assert grads[step][f"grad/norm/layer_{layer}"] > 0
            assert updates[step][f"upd/ratio/layer_{layer}"] == 0 and math.isnan(updates[step][f"upd/eff_lr/layer_{layer}"])
        assert updates[step]["upd/ratio/layer_03"] > 0 and 0 < updates[step]["upd/ratio"] < math.inf
    for step in (3, 4):
        assert updates[step]["upd/ratio/layer_01"] > 0 and updates[step]["upd/eff_lr/layer_01"] > 0


def test_a_source_described_by_fields_is_trained_once_then_found(tmp_path):
    from harness.store.tracking import Tracker

    tracker = Tracker(f"sqlite:///{tmp_path}/mlflow.db")
    spec = SOURCE.replace(**{**TARGET, "max_epochs": 1},
                          reuse_from="classes=2,3,4,5,6,7,8,9;train_per_class=0;batch_size=32;max_epochs=2")
    first, second = train(spec, Recording(tracker, "reuse")), train(spec.replace(freeze_epochs=0), Recording(tracker, "reuse"))
    source_id = tracker.client.get_run(first.run_id).data.tags[REUSED_FROM_TAG]
    source = tracker.client.get_run(source_id)
    assert source.data.tags[CONFIG_ID_TAG] == SOURCE.resolved().config_id and source.info.status == "FINISHED"
    assert tracker.client.get_run(second.run_id).data.tags[REUSED_FROM_TAG] == source_id  # found, not retrained
    assert len(tracker.client.search_runs([source.info.experiment_id])) == 3


def test_a_run_without_a_saved_model_is_refused_before_the_target_opens(tmp_path):
    from harness.store.tracking import Tracker

    tracker = Tracker(f"sqlite:///{tmp_path}/mlflow.db")
    plain = train(SOURCE.replace(save_model=False, max_epochs=1), Recording(tracker, "reuse"))
    with pytest.raises(ValueError, match="has no saved model"):
        train(SOURCE.replace(**TARGET, reuse_from=plain.run_id), Recording(tracker, "reuse"))
    assert len(tracker.client.search_runs([tracker.experiment_id("reuse")])) == 1


@pytest.mark.parametrize("changes, message", [
    (dict(classes="3"), "invalid classes '3'"),
    (dict(classes="3,3"), "invalid classes '3,3'"),
    (dict(reuse_layers=2), "set both"),
    (dict(reuse_from="abc"), "set both"),
    (dict(reuse_from="abc", reuse_layers=4), "invalid reuse_layers 4; must be in [0, depth=3]"),
    (dict(reuse_from="colour=red", reuse_layers=1), "unknown field 'colour'"),
    (dict(unfreeze_lr_factor=0.0), "invalid unfreeze_lr_factor 0.0"),
    (dict(unfreeze_lr_factor=0.1, schedule="power"), "valid: 1.0, or schedule 'constant'"),
    (dict(train_per_class=-1), "invalid train_per_class -1"),
])
def test_bad_reuse_settings_are_one_line(changes, message):
    with pytest.raises(ConfigError) as err:
        SOURCE.replace(save_model=False, **changes)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_classes_are_kept_relabelled_and_few_per_class():
    data = InMemoryDataModule(RunConfig(classes="7,3", train_per_class=5, val_fraction=0.5, batch_size=4))
    data.setup()
    assert data.n_classes == 2 and sorted(data.y_train.tolist()) == [0] * 5 + [1] * 5
    whole = InMemoryDataModule(RunConfig(val_fraction=0.5))
    whole.setup()
    assert len(data.x_val) == round((np.isin(whole.y_train.numpy(), [3, 7]).sum() + np.isin(whole.y_val.numpy(), [3, 7]).sum()) * 0.5)


def test_the_autoencoder_learns_to_reconstruct_and_gives_its_layers(tmp_path):
    from harness.store.tracking import Tracker

    tracker = Tracker(f"sqlite:///{tmp_path}/mlflow.db")
    ae = train(RunConfig(model="autoencoder", depth=2, width=32, optimizer="adam", lr=0.003, max_epochs=3,
                         target_metric="val/loss", target_value=0.0, stop_at_target=False, save_model=True),
               Recording(tracker))
    losses = [h["val/loss"] for h in ae.history]
    assert losses[-1] < losses[0] < 1.5 and "val/acc" not in ae.history[-1]
    clf = train(RunConfig(depth=2, width=32, max_epochs=1, train_per_class=5, batch_size=10, reuse_from=ae.run_id, reuse_layers=2),
                Recording(tracker))
    assert clf.history[-1]["val/acc"] > 0.1
