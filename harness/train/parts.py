"""An arm's data and system: the registered dataset's arrays or LightningDataModule, the registered factory's nn.Module
(trained by the harness's ClassifierSystem) or LightningModule (its own steps, harness.train.user.UserSystem).

What a factory returns is known only once it is called, and some combinations cannot run (a LightningModule with an
optimizer setting moved, an nn.Module on a LightningDataModule's batches). So every user-registered factory and
loader is probed once per process before any run opens (check_models: the command line's preflight and train_group
call it), and a refusal is one line with nothing written; the built-in ones are known without a call.
"""
from __future__ import annotations

from dataclasses import dataclass

from harness.config.checks import ConfigError, owned_by_module
from harness.config.run_config import TARGET_METRICS, RunConfig
from harness.data.datamodule import InMemoryDataModule, UserData, lightning_namespace, make_data
from harness.data import datasets
from harness.data.datasets import DATASETS
from harness.nn.models import MODELS, build_model, takes_config_only
from harness.train.system import ClassifierSystem
from harness.train.user import UserSystem


@dataclass(frozen=True)
class Kinds:
    """What a (model factory, dataset loader) pair gives."""

    datamodule: bool = False  # the loader returns a LightningDataModule, not (X, y) arrays
    module: bool = False  # the factory returns a LightningModule (either namespace), not a plain nn.Module
    manual: bool = False  # ... one that optimizes by hand (automatic_optimization = False)


KINDS: dict[tuple, Kinds] = {}  # (factory entry, loader) -> Kinds, probed once per process


def _key(config: RunConfig) -> tuple:
    return MODELS.get(config.model).build, DATASETS.get(config.dataset).load


def build_parts(config: RunConfig):
    """(data, system) for a run, built as its run sees them (after it was seeded); ConfigError (one line) for a
    combination that cannot run."""
    data = make_data(config)
    datamodule = not isinstance(data, InMemoryDataModule)
    if datamodule and not takes_config_only(MODELS.get(config.model).factory()):
        raise ConfigError(f"invalid model {config.model!r} for dataset {config.dataset!r}: its factory takes (config, "
                          f"n_features, n_classes) and the dataset returns a LightningDataModule, which gives no "
                          f"shapes; valid: a factory taking (config) alone")
    model = build_model(config) if datamodule else build_model(config, data.n_features, data.n_classes)
    kinds = Kinds(datamodule, lightning_namespace(model, "LightningModule") is not None,
                  getattr(model, "automatic_optimization", True) is False)
    KINDS[_key(config)] = kinds
    problem = refusal(config, kinds)
    if problem:
        raise ConfigError(problem)
    if kinds.module:
        return UserData(data), UserSystem(model, config)
    return data, ClassifierSystem(model, config)


def refusal(config: RunConfig, kinds: Kinds) -> str | None:
    """The one-line error for a config this pair cannot run, else None."""
    if kinds.module:
        if kinds.manual:
            return (f"invalid model {config.model!r}: its LightningModule sets automatic_optimization = False; the "
                    f"harness steps it from its training_step's loss; valid: automatic optimization (the default)")
        return owned_by_module(config)
    if kinds.datamodule:
        return (f"invalid model {config.model!r} for dataset {config.dataset!r}, which returns a LightningDataModule: "
                f"the factory returns an nn.Module, and only a LightningModule's training_step knows those batches; "
                f"valid: a factory that returns a LightningModule")
    if config.target_metric not in TARGET_METRICS:
        return (f"invalid target_metric {config.target_metric!r} for model {config.model!r}, an nn.Module the "
                f"harness's system trains and records {', '.join(TARGET_METRICS)}; valid: one of those, or a factory "
                f"that returns a LightningModule logging {config.target_metric!r}")
    return None


def check_models(configs: list[RunConfig], lockstep: bool = False) -> None:
    """Raise ConfigError (one line) for a config whose factory and loader cannot run it, before any run opens; a
    user's factory and loader are called once per process to learn what they return. `lockstep`: the configs
    train interleaved, which a LightningModule cannot (its steps are not the harness's to replay)."""
    for config in configs:
        key = _key(config)
        if key not in KINDS:
            builtin = isinstance(key[0], str) and key[1].__module__ == datasets.__name__
            if builtin:
                KINDS[key] = Kinds()
            else:
                try:
                    build_parts(config)  # records its kinds first, then raises this config's refusal, if any
                except ConfigError:
                    if key not in KINDS:
                        raise
                except Exception:  # noqa: BLE001 -- not hidden: this config's run raises it again and fails with
                    continue  # its traceback, as before the probe existed; another config may show the kinds
        problem = refusal(config, KINDS[key])
        if problem:
            raise ConfigError(problem)
        if lockstep and KINDS[key].module:
            raise ConfigError(f"invalid interleave for model {config.model!r}, whose factory returns a "
                              f"LightningModule: it trains solo; valid: interleave=None")
