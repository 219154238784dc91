"""Layer reuse: a run's trained weights saved as its artifact, and the first k hidden layers of a new model loaded
from them, frozen for some epochs, then unfrozen at a changed lr (harness.train.arms wires it into a run)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytorch_lightning as pl
import torch

from harness.config.run_config import ConfigError, RunConfig
from harness.core.contract import CONFIG_ID_TAG, MODEL_ARTIFACT


def save_state(tracker, run_id: str, model: torch.nn.Module) -> None:
    """The model's state_dict as the run's MODEL_ARTIFACT (torch.save), written through the Tracker."""
    folder, name = MODEL_ARTIFACT.rsplit("/", 1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, path)
        tracker.log_artifact(run_id, str(path), folder)


def load_state(client, run_id: str) -> dict[str, torch.Tensor]:
    """A run's saved state_dict (read from its artifact), on the CPU."""
    try:
        client.get_run(run_id)
    except Exception:  # MLflow's own error types for an unknown or malformed id
        raise ConfigError(f"invalid reuse_from {run_id!r}: no such run in the store; valid: a run id, or "
                          f"'field=value;...' naming a source config") from None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = client.download_artifacts(run_id, MODEL_ARTIFACT, tmp)
        except Exception:  # MLflow raises its own types for a missing artifact
            raise ConfigError(f"invalid reuse_from {run_id!r}: the run has no saved model ({MODEL_ARTIFACT}; "
                              f"train it with save_model=True)") from None
        return torch.load(path, map_location="cpu", weights_only=True)


def finished_run(client, experiment_id: str | None, config: RunConfig) -> str | None:
    """The newest FINISHED run of exactly this config (its config_id tag) in the experiment, else None."""
    if experiment_id is None:
        return None
    runs = client.search_runs([experiment_id], f"tags.{CONFIG_ID_TAG} = '{config.config_id}' and "
                              f"attributes.status = 'FINISHED'", order_by=["attributes.start_time DESC"], max_results=1)
    return runs[0].info.run_id if runs else None


def _in_first_layers(name: str, k: int) -> bool:
    """Whether a state_dict or parameter name belongs to model.hidden[0..k-1]."""
    return name.startswith("hidden.") and int(name.split(".")[1]) < k


def reused_keys(state: dict, k: int) -> list[str]:
    """The state_dict entries of the first k hidden layers (model.hidden[0..k-1]: weights, biases, BN buffers)."""
    return [key for key in state if _in_first_layers(key, k)]


def load_layers(model: torch.nn.Module, state: dict, k: int) -> list[str]:
    """Copy the first k hidden layers' entries of `state` into `model` bit for bit; the rest (the head) stays new."""
    keys = reused_keys(state, k)
    own = model.state_dict()
    bad = next((key for key in keys if key not in own or own[key].shape != state[key].shape), None)
    if not keys or bad is not None:
        bad = bad or "hidden.*"
        raise ConfigError(f"invalid reuse_layers {k}: the source's {bad} does not fit this model "
                         f"(same depth >= k, width and hidden-layer kinds needed)")
    with torch.no_grad():
        for key in keys:
            own[key].copy_(state[key])
    return keys


def reused_parameters(model: torch.nn.Module, k: int) -> list[torch.nn.Parameter]:
    return [p for name, p in model.named_parameters() if _in_first_layers(name, k)]


class FreezeThenUnfreeze(pl.Callback):
    """Reused layers take no gradient (so no update, no weight decay, no momentum) for `freeze_epochs` epochs;
    then they train again and every param group's lr is multiplied by `unfreeze_lr_factor`.

    Listed before the epoch timer, so the switch happens before the epoch's clock starts. Frozen means the
    weights; a reused BatchNorm layer still updates its running statistics in training mode.
    """

    def __init__(self, params: list[torch.nn.Parameter], config: RunConfig):
        self.params, self.freeze_epochs, self.factor = params, config.freeze_epochs, config.unfreeze_lr_factor

    def on_fit_start(self, trainer, pl_module) -> None:
        if self.freeze_epochs:
            for p in self.params:
                p.requires_grad_(False)

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        if self.freeze_epochs and trainer.current_epoch == self.freeze_epochs:  # 0-based: the first unfrozen epoch
            for p in self.params:
                p.requires_grad_(True)
            for optimizer in trainer.optimizers:
                for group in optimizer.param_groups:
                    group["lr"] *= self.factor
