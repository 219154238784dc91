"""The model registry: name -> factory (config, n_features, n_classes) -> nn.Module, and the axes each honours.

Torch-free, so RunConfig can validate `model` without importing torch: the built-in entries name their
factory as "module:function" (like an entry point), imported when a model is built; register_model adds a
callable. n_features is F for flat (N, F) features, else the per-example shape, e.g. (C, L) or (C, H, W).
A config that moves an axis the model does not honour off its default is refused (harness.config.run_config), so
nothing is ignored silently.
"""
from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from typing import Callable

from harness.core.registry import Registry, doc_line

# The config fields that describe a model's shape and parts; a model entry lists those it honours.
MODEL_AXES = ("activation", "init", "norm", "depth", "width", "dropout", "dropout_kind", "input_norm")


@dataclass(frozen=True)
class Model:
    build: Callable | str  # (config, n_features, n_classes) -> nn.Module, or "module:function" naming one
    supports: tuple[str, ...]  # the MODEL_AXES it honours
    doc: str = ""

    def factory(self) -> Callable:
        if callable(self.build):
            return self.build
        module, name = self.build.split(":")
        return getattr(importlib.import_module(module), name)


MODELS: Registry[Model] = Registry("model")
MODELS.register("mlp", Model("harness.nn.mlp:build_mlp", MODEL_AXES,
                             "Linear blocks with the config's activation, init, BN placement, depth, width, dropout"))
MODELS.register("cnn", Model("harness.nn.cnn:build_cnn", MODEL_AXES[:-1],
                             "Conv1d/Conv2d blocks for (N, C, L) / (N, C, H, W) data, the MLP's axes but input_norm"))
MODELS.register("autoencoder", Model("harness.nn.autoencoder:build_autoencoder", ("activation", "init", "depth", "width"),
                                     "denoising autoencoder: the MLP's hidden blocks, a linear decoder (pretraining)"))


def register_model(name: str, supports=(), doc: str = ""):
    """Decorator: register a factory (config, n_features, n_classes), or (config) alone, under `name`; it returns an
    nn.Module (the harness's system trains it) or a LightningModule (its own steps and optimizers, harness.train.user).

    `supports` names the config axes (MODEL_AXES) the factory honours; a config that sets any other
    axis away from its default is refused. Returns the factory unchanged.
    """
    unknown = sorted(set(supports) - set(MODEL_AXES))
    if unknown:
        raise ValueError(f"invalid supports {unknown[0]!r} for model {name!r}; valid: {', '.join(MODEL_AXES)}")

    def decorate(factory):
        MODELS.register(name, Model(factory, tuple(supports), doc or doc_line(factory)))
        return factory

    return decorate


def takes_config_only(factory: Callable) -> bool:
    """Whether a factory is called as factory(config): one parameter without a default, and no *args."""
    params = inspect.signature(factory).parameters.values()
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
    return len(positional) == 1 and not any(p.kind == p.VAR_POSITIONAL for p in params)


def build_model(config, n_features=None, n_classes: int | None = None):
    """The model config.model names, built for this data (shapes None: data that gives none, a LightningDataModule);
    the caller seeds torch first so weights are reproducible."""
    factory = MODELS.get(config.model).factory()
    if takes_config_only(factory):
        return factory(config)
    if n_features is None:
        raise ValueError(f"invalid model {config.model!r} for dataset {config.dataset!r}: its factory takes (config, "
                         f"n_features, n_classes) and the dataset returns a LightningDataModule, which gives no shapes; "
                         f"valid: a factory taking (config) alone")
    return factory(config, n_features, n_classes)


def unsupported_axis(model: str, values: dict, defaults: dict) -> str | None:
    """The one-line error for the first model axis set off its default that `model` does not honour, else None."""
    supports = MODELS.get(model).supports
    for axis in MODEL_AXES:
        if axis not in supports and values[axis] != defaults[axis]:
            return (f"invalid {axis} {values[axis]!r} for model {model!r}, which does not support it (leave it at "
                    f"{defaults[axis]!r}); it supports: {', '.join(supports) or 'none'}")
    return None
