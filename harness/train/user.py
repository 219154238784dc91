"""A user's LightningModule as an arm's system: its own training_step, validation_step, configure_optimizers and
self.log metrics, driven by the harness so its timing, stopping and recording apply unchanged.

UserSystem wraps the module the way ClassifierSystem wraps an nn.Module, with the same face to the arm's callbacks
(epoch_metrics, history, stop_reason, model). It runs the 'epoch' loop: Lightning calls its training_step once per
epoch with the epoch's loader (harness.data.datamodule.UserData) and it steps the user's module batch by batch,
optimizing by hand with what configure_optimizers returned, so the timed region is those steps only (the EpochTimer
brackets the one Lightning batch) and validation runs apart. The module never meets the Trainer: it may come from
pytorch_lightning or lightning.pytorch alike, and its self.log / self.log_dict go to a MetricLog, which keeps each
epoch's batch-size-weighted means on the device (no sync inside the timed region) and hands them over after it.
"""
from __future__ import annotations

from collections.abc import Mapping

import pytorch_lightning as pl
import torch
from pytorch_lightning.utilities import move_data_to_device
from pytorch_lightning.utilities.data import extract_batch_size

from harness.config.checks import ConfigError
from harness.config.run_config import RunConfig
from harness.core.contract import EPOCH_CPU_TIME, EPOCH_TIME, TRAIN_LOSS, TRAIN_LR, VAL_EPOCH_TIME
from harness.data.datamodule import lightning_namespace
from harness.train.system import LossSum

HARNESS_OWN = (EPOCH_TIME, EPOCH_CPU_TIME, VAL_EPOCH_TIME, TRAIN_LR)  # figures a logged metric of that name never replaces


class MetricLog:
    """Stands in for a module's self.log: each name's mean over an epoch's phase (train or val), weighted by batch size
    as Lightning's on_epoch means are; a torchmetrics Metric is computed at the phase's end and reset."""

    def __init__(self) -> None:
        self.phase = "train"
        self.batch = None  # the batch being stepped: its size weighs what is logged without batch_size
        self._size: int | None = None
        self._sums: dict[tuple[str, str], list] = {}  # (phase, name) -> [weighted sum () on the device, weight]
        self._metrics: dict[tuple[str, str], object] = {}  # (phase, name) -> a torchmetrics Metric

    def start(self, phase: str, batch=None) -> None:
        self.phase, self.batch, self._size = phase, batch, None

    def log(self, name: str, value, *args, reduce_fx="mean", batch_size: int | None = None, **kwargs) -> None:
        if reduce_fx not in ("mean", torch.mean):  # Lightning's other reductions are not kept: said, not ignored
            raise ConfigError(f"invalid reduce_fx {reduce_fx!r} for self.log({name!r}) in a harness run; valid: mean")
        key = (self.phase, name)
        if hasattr(value, "compute") and hasattr(value, "reset"):  # torchmetrics: it accumulates itself
            self._metrics[key] = value
            return
        if batch_size is None:
            if self._size is None:
                self._size = extract_batch_size(self.batch) if self.batch is not None else 1
            batch_size = self._size
        value = value.detach() if isinstance(value, torch.Tensor) else torch.tensor(float(value))
        held = self._sums.get(key)
        if held is None:
            self._sums[key] = [value.double() * batch_size, batch_size]
        else:
            held[0] = held[0] + value.double() * batch_size
            held[1] += batch_size

    def log_dict(self, dictionary, *args, **kwargs) -> None:
        for name, value in dictionary.items():
            self.log(name, value, *args, **kwargs)

    def means(self, phase: str) -> dict[str, float]:
        """The phase's means since its last call (one device sync each), then forgotten."""
        out = {name: float(total / weight) for (p, name), (total, weight) in self._sums.items() if p == phase}
        for (p, name), metric in self._metrics.items():
            if p == phase:
                out[name] = float(metric.compute())
                metric.reset()
        self._sums = {k: v for k, v in self._sums.items() if k[0] != phase}
        self._metrics = {k: v for k, v in self._metrics.items() if k[0] != phase}
        return out


def optimizer_setup(conf) -> tuple[torch.optim.Optimizer, list[dict]]:
    """What configure_optimizers returned, in any of Lightning's single-optimizer forms: (optimizer, schedulers),
    each scheduler as {'scheduler', 'interval' ('epoch' or 'step'), 'frequency', 'monitor'}."""
    schedulers = []
    if isinstance(conf, Mapping):
        optimizers, schedulers = [conf.get("optimizer")], [conf["lr_scheduler"]] if conf.get("lr_scheduler") else []
    elif isinstance(conf, (list, tuple)) and len(conf) == 2 and isinstance(conf[0], (list, tuple)):
        optimizers, schedulers = list(conf[0]), list(conf[1])
    elif isinstance(conf, (list, tuple)):
        optimizers = list(conf)
    else:
        optimizers = [conf]
    if len(optimizers) != 1 or not isinstance(optimizers[0], torch.optim.Optimizer):
        raise ConfigError(f"invalid configure_optimizers result {type(conf).__name__} of {len(optimizers)} optimizers "
                          f"in a harness run; valid: one torch optimizer, with or without lr schedulers")
    out = []
    for s in schedulers:
        s = dict(s) if isinstance(s, Mapping) else {"scheduler": s}
        out.append({"interval": "epoch", "frequency": 1, "monitor": None, **s})
    return optimizers[0], out


class UserSystem(pl.LightningModule):
    """A user's LightningModule (`model`, either namespace) stepped by hand: the arm's system for a factory that
    returns one."""

    def __init__(self, module, config: RunConfig):
        super().__init__()
        self.model = module
        self.config = config
        self.automatic_optimization = False  # the steps below optimize by hand
        self.epoch_metrics: dict[str, float] = {}  # this epoch's figures: the harness's and the module's logged means
        self.history: list[dict[str, float]] = []
        self.stop_reason: str | None = None
        self.restored_epoch: int | None = None  # early stopping is refused for these runs (OWNED_BY_MODULE)
        self._log = MetricLog()
        module.log, module.log_dict = self._log.log, self._log.log_dict  # the instance's own: its class is untouched
        self._foreign = lightning_namespace(module, "LightningModule") != "pytorch_lightning"
        self._loss = LossSum()  # the training_step losses, summed on the device
        self._optimizer: torch.optim.Optimizer | None = None
        self._schedulers: list[dict] = []
        self._steps = 0  # optimizer steps so far (schedulers with interval 'step')

    def setup(self, stage: str) -> None:
        self.model.setup(stage)  # a module may build layers here, before configure_optimizers

    def configure_optimizers(self):
        self._optimizer, self._schedulers = optimizer_setup(self.model.configure_optimizers())
        return self._optimizer  # stepped by hand below, as is every scheduler

    def on_fit_start(self) -> None:
        if self._foreign:  # Lightning attaches the Trainer and updates .device for its own namespace's children only
            self.model.to(self.device)
            self.model.trainer = self.trainer  # so self.trainer, self.current_epoch read it, as in the other namespace
        self.model.on_fit_start()

    def on_train_epoch_start(self) -> None:
        self.epoch_metrics = {TRAIN_LR: float(self._optimizer.param_groups[0]["lr"])}
        self._loss.reset()
        self.model.on_train_epoch_start()

    def training_step(self, batch, batch_idx):
        for i, user_batch in enumerate(batch):  # batch: the epoch's loader; each step inside the timed region
            self.train_batch(self._optimizer, move_data_to_device(user_batch, self.device), i)
        return None

    def train_batch(self, opt: torch.optim.Optimizer, batch, batch_idx: int) -> None:
        """One step of the user's training_step, its loss backpropagated and its optimizer stepped."""
        self._log.start("train", batch)
        out = self.model.training_step(batch, batch_idx)
        loss = out["loss"] if isinstance(out, Mapping) else out
        if loss is None:  # Lightning skips the step too
            return
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        self._steps += 1
        for s in self._schedulers:
            if s["interval"] == "step" and self._steps % s["frequency"] == 0:
                s["scheduler"].step()
        self._loss.add(loss.detach())

    def on_validation_start(self) -> None:  # the epoch's clock has stopped: its training means, one sync each
        if TRAIN_LOSS not in self.epoch_metrics:
            self._fold({TRAIN_LOSS: self._loss.mean(), **self._log.means("train")})

    def validation_step(self, batch, batch_idx):
        loaders = batch  # the validation loaders (UserData.val_dataloader), iterated here, untimed
        self._log.start("val")
        self.model.on_validation_epoch_start()
        for k, loader in enumerate(loaders):
            for i, user_batch in enumerate(loader):
                self._log.start("val", move_data_to_device(user_batch, self.device))
                extra = {"dataloader_idx": k} if len(loaders) > 1 else {}
                self.model.validation_step(self._log.batch, i, **extra)
        self.model.on_validation_epoch_end()
        self._fold(self._log.means("val"))
        with torch.inference_mode(False), torch.enable_grad():  # after validation, as Lightning 2 calls it
            self._log.start("train")
            self.model.on_train_epoch_end()
            self._fold(self._log.means("train"))

    def _fold(self, means: dict[str, float]) -> None:
        self.epoch_metrics.update({k: v for k, v in means.items() if k not in HARNESS_OWN})

    def on_train_epoch_end(self) -> None:  # after the arm's callbacks, as ClassifierSystem's
        self.history.append(dict(self.epoch_metrics))
        for s in self._schedulers:
            if s["interval"] == "epoch" and (self.current_epoch + 1) % s["frequency"] == 0:
                monitor = s["monitor"]
                if monitor is None:
                    s["scheduler"].step()
                elif monitor in self.epoch_metrics:  # ReduceLROnPlateau and the like: the metric's value this epoch
                    s["scheduler"].step(self.epoch_metrics[monitor])
                else:
                    raise ConfigError(f"invalid lr scheduler monitor {monitor!r}: not logged this epoch; valid: "
                                      f"{', '.join(sorted(self.epoch_metrics))}")

    def on_train_end(self) -> None:
        self.model.on_train_end()

    def on_fit_end(self) -> None:
        self.model.on_fit_end()
