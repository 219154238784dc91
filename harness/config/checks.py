"""RunConfig's checks of its optimization, regularization and reuse axes, and the parsers of its text fields (one line per error)."""
from __future__ import annotations

import dataclasses


def parse_milestones(text: str) -> tuple[int, ...]:
    """'10,20' -> (10, 20): epochs after which piecewise scheduling multiplies the lr; ValueError unless increasing positive ints."""
    values = tuple(int(v) for v in text.split(",") if v.strip())
    if any(v < 1 for v in values) or list(values) != sorted(set(values)):
        raise ValueError(text)
    return values


def parse_classes(text: str) -> tuple[int, ...]:
    """'3,5' -> (3, 5): the labels a run keeps, in their new order; () = all; ValueError unless >= 2 distinct labels >= 0."""
    values = tuple(int(v) for v in text.split(",") if v.strip())
    if values and (len(values) < 2 or len(set(values)) < len(values) or min(values) < 0):
        raise ValueError(text)
    return values


class ConfigError(ValueError):
    """A configuration value out of range or unknown; the message is one line naming it and the valid choices."""



def check_target(config, metrics: dict[str, str], modes: tuple[str, ...]) -> None:  # config: a RunConfig
    """target_mode is one of `modes`; auto only for the harness's own metrics (`metrics`: name -> direction)."""
    if config.target_mode not in modes:
        raise ConfigError(f"invalid target_mode {config.target_mode!r}; valid: {', '.join(modes)}")
    if not isinstance(config.target_metric, str) or not config.target_metric:
        raise ConfigError(f"invalid target_metric {config.target_metric!r}; valid: a metric name, e.g. {', '.join(metrics)}")
    if config.target_mode == "auto" and config.target_metric not in metrics:
        raise ConfigError(f"invalid target_metric {config.target_metric!r} with target_mode 'auto'; valid: "
                          f"{', '.join(metrics)}, or a metric your LightningModule logs with target_mode 'min' or 'max'")


def check_optimization(config) -> None:  # config: harness.config.run_config.RunConfig, which imports this module
    """Optimizer, clipping and schedule hyperparameters: ranges, and the milestones a piecewise schedule needs."""
    def within(name: str, low: float, high: float, closed_low: bool = True) -> None:
        value = getattr(config, name)
        ok = (low <= value if closed_low else low < value) and value < high
        if not ok:
            raise ConfigError(f"invalid {name} {value!r}; must be in {'[' if closed_low else '('}{low}, {high})")

    for name in ("momentum", "beta1", "beta2", "rho"):
        within(name, 0.0, 1.0)
    for name in ("clip_threshold", "decay_epochs", "decay_power"):
        within(name, 0.0, float("inf"), closed_low=False)
    within("eps", 0.0, float("inf"))
    within("cycle_div", 1.0, float("inf"))
    if not 0.0 < config.decay_factor <= 1.0:
        raise ConfigError(f"invalid decay_factor {config.decay_factor!r}; must be in (0, 1]")
    if config.patience < 0:
        raise ConfigError(f"invalid patience {config.patience!r}; must be >= 0")
    if config.optimizer == "nesterov" and config.momentum == 0.0:
        raise ConfigError("invalid momentum 0.0 for optimizer 'nesterov'; must be in (0, 1)")
    try:
        milestones = parse_milestones(config.milestones)
    except ValueError:
        raise ConfigError(f"invalid milestones {config.milestones!r}; must be increasing positive epochs, e.g. '10,20'") from None
    if config.schedule == "piecewise" and not milestones:
        raise ConfigError("invalid milestones '' for schedule 'piecewise'; must name at least one epoch, e.g. '10,20'")

def check_regularization(config) -> None:  # config: harness.config.run_config.RunConfig, which imports this module
    """Penalties, max-norm, early stopping and MC dropout: ranges, and what each needs of the model."""
    for name in ("l1", "l2", "max_norm"):
        value = getattr(config, name)
        if not (value >= 0.0 and value < float("inf")):
            raise ConfigError(f"invalid {name} {value!r}; must be a finite number >= 0 (0 = off)")
        if value and config.model != "mlp":  # they act on the MLP's hidden Linear weights (harness.nn.regularization)
            raise ConfigError(f"invalid {name} {value!r} for model {config.model!r}; {name} needs model 'mlp'")
    for name in ("early_stopping", "mc_samples"):
        if getattr(config, name) < 0:
            raise ConfigError(f"invalid {name} {getattr(config, name)!r}; must be >= 0 (0 = off)")
    if config.mc_samples and config.dropout == 0.0:
        raise ConfigError(f"invalid mc_samples {config.mc_samples!r} with dropout 0.0; MC dropout needs dropout "
                          f"in (0, 1), or mc_samples 0")

def check_reuse(config) -> None:  # config: harness.config.run_config.RunConfig, which imports this module
    """Class subsets and layer reuse: labels, counts, a source and k together, an lr factor a schedule would not overwrite."""
    try:
        labels = parse_classes(config.classes)
    except ValueError:
        raise ConfigError(f"invalid classes {config.classes!r}; must be distinct labels >= 0, at least 2, e.g. '3,5'") from None
    if labels and config.dataset == "synthetic" and max(labels) >= config.n_classes:
        raise ConfigError(f"invalid classes {config.classes!r}; synthetic has labels 0..{config.n_classes - 1}")
    for bad in ("train_per_class", "freeze_epochs"):
        if getattr(config, bad) < 0:
            raise ConfigError(f"invalid {bad} {getattr(config, bad)!r}; must be >= 0")
    if not 0 <= config.reuse_layers <= config.depth:
        raise ConfigError(f"invalid reuse_layers {config.reuse_layers!r}; must be in [0, depth={config.depth}]")
    if bool(config.reuse_layers) != bool(config.reuse_from):
        raise ConfigError(f"invalid reuse_from {config.reuse_from!r} with reuse_layers {config.reuse_layers!r}; "
                          f"set both (a source and k >= 1) or neither")
    if not (0.0 < config.unfreeze_lr_factor < float("inf")):
        raise ConfigError(f"invalid unfreeze_lr_factor {config.unfreeze_lr_factor!r}; must be a positive finite number")
    if config.unfreeze_lr_factor != 1.0 and config.schedule != "constant":  # the schedule would overwrite the lr
        raise ConfigError(f"invalid unfreeze_lr_factor {config.unfreeze_lr_factor!r} with schedule "
                          f"{config.schedule!r}; valid: 1.0, or schedule 'constant'")
    if "=" in config.reuse_from:
        config.reuse_source()  # its fields must name a valid config


# What a run whose model factory returns a LightningModule leaves to that module (its configure_optimizers and
# training_step: optimizer, lr, their hyperparameters, clipping, schedules) or cannot apply to it (the harness's own
# system applies penalties, max-norm, early stopping on val/loss, MC dropout, evaluation of the training split,
# diagnostics, layer reuse; the 'epoch' loop on one device steps it). Moved off its default, each is refused, not ignored.
OWNED_BY_MODULE = ("optimizer", "lr", "weight_decay", "momentum", "beta1", "beta2", "rho", "eps", "clip", "clip_threshold",
                   "schedule", "decay_epochs", "decay_power", "decay_factor", "milestones", "patience", "cycle_div",
                   "l1", "l2", "max_norm", "early_stopping", "mc_samples", "eval_train", "diagnostics", "reuse_from",
                   "reuse_layers", "freeze_epochs", "unfreeze_lr_factor", "loop", "strategy", "devices")


def owned_by_module(config) -> str | None:  # config: a RunConfig whose model factory returns a LightningModule
    """The one-line error for the first OWNED_BY_MODULE setting moved off its default, else None."""
    defaults = {f.name: f.default for f in dataclasses.fields(config)}
    for name in OWNED_BY_MODULE:
        value = getattr(config, name)
        if value != defaults[name]:
            return (f"invalid {name} {value!r} for model {config.model!r}, whose factory returns a LightningModule: "
                    f"the module owns its optimization and training step; valid: {defaults[name]!r} (a setting your "
                    f"module reads goes in options, e.g. options.{name})")
    return None
