"""One run's configuration: a frozen, validated dataclass; its fields are the MLflow params and its hash is the run's identity."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, fields

from harness.config import checks
from harness.core import names
from harness.config.checks import ConfigError, parse_classes, parse_milestones
from harness.config.options import PREFIX, Options
from harness.data.datasets import DATASETS, IDX_DATASETS
from harness.nn.models import MODELS, unsupported_axis
from harness.core.contract import VAL_ACC, VAL_LOSS

NORMS = ("none", "before", "after")  # batch norm placement relative to each hidden activation
DEVICES = ("auto", "cpu", "cuda")
LOOPS = ("epoch", "step")
DROPOUT_KINDS = ("plain", "alpha")
# The harness's own target metrics and the direction that counts as reaching the target; a metric your LightningModule
# logs needs its direction said (target_mode, spelt as Lightning's callbacks spell it: min or max).
TARGET_METRICS = {VAL_ACC: "max", VAL_LOSS: "min"}
TARGET_MODES = ("auto", "min", "max")  # auto: TARGET_METRICS' direction for the harness's own metrics
# The chapter's recipe (its BN exercise): a 20x100 MLP, Nesterov momentum at lr 0.01, batches of 32, on digits
# here (CIFAR-10 in the book). Suites start from it and change what their claim is about.
CHAPTER_RECIPE = dict(dataset="digits", depth=20, width=100, optimizer="nesterov", lr=0.01, batch_size=32)


@dataclass(frozen=True)
class RunConfig:
    """One run's settings: validated once, logged as MLflow params, identified by their stable hash (config_id)."""

    # --- data ---
    dataset: str = "digits"  # key into harness.data.datasets.DATASETS
    data_path: str = ""  # folder with IDX files (mnist / fashion-mnist only)
    n_samples: int = 0  # cap on examples used; 0 = all (synthetic: 0 means 5000 generated)
    n_features: int = 20  # synthetic only: input dimension
    n_classes: int = 10  # synthetic only: number of classes
    val_fraction: float = 0.2  # share of examples held out for validation
    split_seed: int = 0  # seeds the train/validation split; fixed across run seeds so BN/no-BN pairs see the same split
    standardize: bool = True  # z-score inputs with training-split statistics
    # Input distortion (bn-input-scaling): feature j becomes x_j * 10**u_j + o_j, u_j ~ U(-d, d), o_j ~ U(-m, m),
    # drawn once from split_seed (the same for every run seed), applied before the split and any standardization.
    feature_scale_decades: float = 0.0  # d: spread of the per-feature scales, in decades either way; 0 = no scaling
    feature_offset: float = 0.0  # m: largest per-feature offset, in (scaled) input units; 0 = no offset
    # --- model ---
    model: str = "mlp"  # key into harness.nn.mlp.MODELS (register_model); the axes below it does not support stay at their defaults
    depth: int = 20  # hidden layers
    width: int = 100  # units per hidden layer
    activation: str = "relu"  # key into harness.nn.activations.ACTIVATIONS
    init: str = "auto"  # key into harness.nn.inits.INITS; auto = the activation's recommended init
    norm: str = "none"  # batch norm: none, before or after each hidden activation
    input_norm: bool = False  # BatchNorm1d on the raw inputs, before the first Linear ("BN as the first layer")
    dropout: float = 0.0  # drop probability after each hidden block; 0 = no dropout module
    dropout_kind: str = "plain"  # plain (nn.Dropout) or alpha (nn.AlphaDropout, for SELU)
    # --- layer reuse --- (harness.train.reuse; the data fields below are what a reused model is moved to)
    classes: str = ""  # labels kept, comma-separated, relabelled 0..n-1 in the order given (e.g. "3,5"); "" = all
    train_per_class: int = 0  # keep the first n training examples of each class (a random subset: split_seed); 0 = all
    save_model: bool = False  # save the trained state_dict as the run's artifact (after training, untimed)
    reuse_from: str = ""  # source: a run id, or "field=value;..." = this config so changed (found or trained first)
    reuse_layers: int = 0  # k: the first k hidden layers start from the source's weights; the output layer is new
    freeze_epochs: int = 0  # the reused layers take no updates for this many epochs
    unfreeze_lr_factor: float = 1.0  # lr multiplier from the first epoch after the freeze (the chapter: lower)
    # --- optimization ---
    optimizer: str = "sgd"  # key into harness.nn.optimizers.OPTIMIZERS
    lr: float = 0.01  # learning rate
    weight_decay: float = 0.0  # l2 added to the gradient (every optimizer but adamw); adamw: decoupled, w <- w - lr*weight_decay*w
    # Optimizer hyperparameters (harness.nn.optimizers): defaults are the values each optimizer always used.
    momentum: float = 0.9  # momentum/nesterov: beta, the velocity's decay (terminal step lr*g/(1-beta)); sgd has none
    beta1: float = 0.9  # adam/adamw/nadam: decay of the gradient's running mean
    beta2: float = 0.999  # adam/adamw/nadam: decay of the squared gradient's running mean
    rho: float = 0.9  # rmsprop: decay of the squared gradient's running mean (torch's alpha)
    eps: float = 0.0  # adaptive optimizers' denominator term; 0 = torch's default (1e-8; adagrad 1e-10)
    # Gradient clipping (harness.nn.clipping), in every training step between backward and the optimizer step.
    clip: str = "none"  # none; value: each entry into [-t, t]; norm: all gradients together rescaled to L2 norm <= t
    clip_threshold: float = 1.0  # t (gradient units); unused with clip=none
    # Learning-rate schedule (harness.nn.schedules): a multiplier of lr, stepped per batch or per epoch as defined.
    schedule: str = "constant"  # key into harness.nn.schedules.SCHEDULES
    decay_epochs: float = 10.0  # power, exponential: s, in epochs (s * steps per epoch optimizer steps)
    decay_power: float = 1.0  # power: c in lr / (1 + t/s)^c
    decay_factor: float = 0.1  # piecewise: lr multiplier at each milestone; performance: on each plateau
    milestones: str = ""  # piecewise: comma-separated epochs after which the lr is multiplied, e.g. "10,20"
    patience: int = 2  # performance: epochs without a lower val/loss before the lr is reduced
    cycle_div: float = 10.0  # 1cycle: the lr starts at lr / cycle_div, peaks at lr, ends 1000x below the start
    batch_size: int = 32  # training batch; the last partial batch of each shuffled epoch is dropped (BN needs >1 row)
    max_epochs: int = 30  # budget; a run that has not reached the target by then is censored
    # --- regularization ---
    # harness.nn.regularization: l1, l2 and max_norm act on the hidden Linear weights only, never biases, head or BN.
    l1: float = 0.0  # added to the training loss: l1 * sum |w| (nats per unit of |w|); 0 = off
    l2: float = 0.0  # added to the training loss: l2 * sum w^2; apart from weight_decay, which is the optimizer's own
    max_norm: float = 0.0  # r: after each optimizer step every hidden unit's incoming weight row is clipped to L2 norm <= r; 0 = off
    early_stopping: int = 0  # patience in epochs without a lower val/loss before stopping (stop_reason early_stopped), then the best epoch's weights are restored; 0 = off
    mc_samples: int = 0  # T: validation also averages softmax over T passes with dropout on (MC dropout), timed apart; 0 = off
    # --- target ---
    target_metric: str = VAL_ACC  # metric that defines convergence: val/acc, val/loss, or any your LightningModule logs (self.log)
    target_value: float = 0.9  # threshold: reached when the metric is >= it (mode max) or <= it (mode min)
    target_mode: str = "auto"  # min or max as Lightning's callbacks spell it; auto = the harness metric's own (val/acc max, val/loss min)
    stop_at_target: bool = True  # stop the run at the first epoch that reaches the target
    # --- measurement (outside the timed region) ---
    eval_train: bool = False  # also evaluate the whole training split each epoch (train/acc, train/eval_loss), e.g. for generalization gaps
    diagnostics: str = ""  # comma-separated keys into harness.train.diagnostics.DIAGNOSTICS; empty = none
    diag_every: int = 1  # run the diagnostics every k epochs (and at init where they support it)
    # --- execution ---
    seed: int = 0  # seeds init, shuffling and dropout
    device: str = "auto"  # auto (CUDA where there is one, else the CPU), cpu or cuda; resolved before the run, the resolved value is what is recorded
    threads: int = 1  # torch intra-op threads, pinned: thread count changes both float results and timings
    loop: str = "epoch"  # epoch: one Lightning training_step iterates the epoch's batches (lean); step: one per batch (full Lightning, needed for multi-device strategies)
    strategy: str = "auto"  # Lightning strategy, passed through (e.g. ddp); non-auto needs loop="step"
    devices: int = 1  # Lightning devices, passed through
    # --- the user's own settings (harness.config.options) ---
    options: tuple = ()  # your own settings, name -> int, float, str or bool: RunConfig(options={"warmup": 500}), a grid key "options.warmup", config.options["warmup"] in your factories; harness train --options warmup=500

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", Options.of(self.options))  # a dict, pairs or text in; Options kept
        self._validate()

    def __getattr__(self, name: str):
        """`config.get("options.warmup")` spelt as an attribute, so a grid field 'options.warmup' is read like any
        field (run names, groups, labels use getattr(config, field))."""
        if name.startswith(PREFIX):
            return self.options[name[len(PREFIX):]]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # -- validation: every field once, one line per error --
    def _validate(self) -> None:
        def choice(name: str, value: str, valid) -> None:
            if value not in valid:
                raise ConfigError(f"invalid {name} {value!r}; valid: {', '.join(valid)}")

        def registered(axis: str, value: str) -> None:  # names read from the registry modules: no torch import
            if value not in names.registry_names(axis):
                raise ConfigError(names.unknown(axis, value, names.registry_names(axis)))

        # datasets and models: the runtime registries, which hold the built-in names and those a user registered
        if self.dataset not in DATASETS:
            raise ConfigError(names.unknown("dataset", self.dataset, DATASETS.names()))
        if self.model not in MODELS:
            raise ConfigError(names.unknown("model", self.model, MODELS.names()))
        defaults = {f.name: f.default for f in fields(self)}
        problem = unsupported_axis(self.model, {f: getattr(self, f) for f in defaults}, defaults)
        if problem:
            raise ConfigError(problem)
        registered("activation", self.activation)
        if self.init != "auto":
            registered("init", self.init)
        registered("optimizer", self.optimizer)
        choice("norm", self.norm, NORMS)
        choice("device", self.device, DEVICES)
        choice("loop", self.loop, LOOPS)
        choice("dropout_kind", self.dropout_kind, DROPOUT_KINDS)
        checks.check_target(self, TARGET_METRICS, TARGET_MODES)
        choice("clip", self.clip, names.constant("nn/clipping.py", "CLIPS"))
        registered("schedule", self.schedule)

        def at_least(name: str, low: float) -> None:
            value = getattr(self, name)
            if not value >= low:
                raise ConfigError(f"invalid {name} {value!r}; must be >= {low}")

        if self.diagnostic_names and self.model != "mlp":  # they hook the MLP's Linear blocks (harness.train.diagnostics)
            raise ConfigError(f"invalid diagnostics {self.diagnostics!r} for model {self.model!r}; diagnostics need "
                              f"model 'mlp'")
        for name in self.diagnostic_names:
            registered("diagnostic", name)
        for name in ("depth", "width", "max_epochs", "threads", "devices", "n_features", "diag_every"):
            at_least(name, 1)
        at_least("batch_size", 2)  # batch norm needs more than one row per batch
        at_least("n_classes", 2)
        at_least("n_samples", 0)
        at_least("weight_decay", 0.0)
        if not 0.0 < self.val_fraction < 1.0:
            raise ConfigError(f"invalid val_fraction {self.val_fraction!r}; must be in (0, 1)")
        for name in ("feature_scale_decades", "feature_offset"):
            value = getattr(self, name)
            if not (value >= 0.0 and value < float("inf")):
                raise ConfigError(f"invalid {name} {value!r}; must be a finite number >= 0")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"invalid dropout {self.dropout!r}; must be in [0, 1)")
        if not (self.lr > 0.0 and self.lr < float("inf")):
            raise ConfigError(f"invalid lr {self.lr!r}; must be a positive finite number")
        checks.check_optimization(self)
        checks.check_regularization(self)
        checks.check_reuse(self)
        if self.strategy != "auto" and self.loop != "step":
            raise ConfigError(f"invalid loop {self.loop!r} for strategy {self.strategy!r}; multi-device strategies need loop 'step'")
        if self.dataset in IDX_DATASETS and not self.data_path:
            raise ConfigError(f"dataset {self.dataset!r} needs data_path (a folder with its IDX files)")

    @property
    def milestone_epochs(self) -> tuple[int, ...]:
        """`milestones` parsed: the epochs after which a piecewise schedule multiplies the lr."""
        return parse_milestones(self.milestones)

    @property
    def class_labels(self) -> tuple[int, ...]:
        """`classes` parsed: the labels a run keeps, in their new order; () = all."""
        return parse_classes(self.classes)

    def reuse_source(self) -> "RunConfig":
        """The source config a "field=value;..." reuse_from names: this config so changed, reuse off, model saved."""
        changes = dict(part.split("=", 1) for part in self.reuse_from.split(";") if part.strip())
        unknown = sorted(set(changes) - set(self.field_names()))
        if unknown:
            raise ConfigError(f"invalid reuse_from {self.reuse_from!r}: unknown field {unknown[0]!r}")
        return RunConfig.from_params({**self.as_params(), **changes, "reuse_from": "", "reuse_layers": "0",
                                      "freeze_epochs": "0", "unfreeze_lr_factor": "1.0", "save_model": "True"})

    # -- derived --
    @property
    def resolved_init(self) -> str:
        """The init actually used: the activation's recommendation when init is 'auto'."""
        from harness.nn.activations import ACTIVATIONS  # torch: only where a model is about to be built

        return ACTIVATIONS.get(self.activation).init if self.init == "auto" else self.init

    @property
    def diagnostic_names(self) -> list[str]:
        return [d.strip() for d in self.diagnostics.split(",") if d.strip()]

    @property
    def target_direction(self) -> str:
        """'max' or 'min': target_mode, or the harness metric's own direction when it is auto."""
        return TARGET_METRICS[self.target_metric] if self.target_mode == "auto" else self.target_mode

    def reached(self, value: float) -> bool:
        """Whether a value of the target metric meets the target."""
        return value >= self.target_value if self.target_direction == "max" else value <= self.target_value

    def resolved(self) -> "RunConfig":
        """A copy with device='auto' resolved to the device this machine will use."""
        import torch

        if self.device == "auto":
            return self.replace(device="cuda" if torch.cuda.is_available() else "cpu")
        if self.device == "cuda" and not torch.cuda.is_available():
            raise ConfigError("invalid device 'cuda': no CUDA device is available here; valid: auto, cpu")
        return self

    def replace(self, **changes) -> "RunConfig":
        """A copy with these fields changed; 'options.KEY' changes one option (added where new)."""
        options = {k[len(PREFIX):]: changes.pop(k) for k in [k for k in changes if k.startswith(PREFIX)]}
        unknown = sorted(set(changes) - set(self.field_names()))
        if unknown:
            raise ConfigError(f"unknown config field {unknown[0]!r}; valid: {', '.join(self.field_names())}, or "
                              f"options.NAME (your own settings)")
        if options:
            changes["options"] = {**Options.of(changes.get("options", self.options)), **options}
        return dataclasses.replace(self, **changes)

    def as_params(self) -> dict[str, str]:
        """Every field as an MLflow param (strings, as MLflow stores them); each option as its own `options.KEY`."""
        params = {f.name: str(getattr(self, f.name)) for f in fields(self) if f.name != "options"}
        return {**params, **self.options.as_params()}

    @property
    def config_id(self) -> str:
        """Stable hash of every field: same settings -> same id, on any machine and Python run. Without options and
        with target_mode auto the payload is what it was before they existed, so stored runs keep their ids."""
        payload = dataclasses.asdict(self)
        options = payload.pop("options")
        if payload["target_mode"] == "auto":
            del payload["target_mode"]
        if options:
            payload["options"] = dict(options)
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:12]

    @classmethod
    def chapter_recipe(cls, **changes) -> "RunConfig":
        """The chapter's recipe (CHAPTER_RECIPE) with the given fields changed."""
        return cls(**{**CHAPTER_RECIPE, **changes})

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def from_params(cls, params: dict[str, str]) -> "RunConfig":
        """Rebuild a config from MLflow's string params (the inverse of as_params)."""
        kwargs = {"options": Options.from_params(params)}
        for f in fields(cls):
            if f.name not in params or f.name == "options":
                continue
            raw = params[f.name]
            default = f.default
            if isinstance(default, bool):
                kwargs[f.name] = raw == "True"
            elif isinstance(default, int):
                kwargs[f.name] = int(raw)
            elif isinstance(default, float):
                kwargs[f.name] = float(raw)
            else:
                kwargs[f.name] = raw
        return cls(**kwargs)
