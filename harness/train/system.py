"""The LightningModule as the system: loss, optimizer and per-epoch figures; the model is injected."""
from __future__ import annotations

import math
import time

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn

from harness.nn.clipping import clip_gradients
from harness.config.run_config import RunConfig
from harness.nn.optimizers import make_optimizer
from harness.nn.regularization import (
    apply_max_norm,
    expected_calibration_error,
    hidden_weights,
    mc_dropout_probs,
    nll,
    penalty,
)
from harness.nn.schedules import LrSchedule
from harness.train.timing import synchronize
from harness.core.contract import (TRAIN_ACC, TRAIN_EVAL_LOSS, TRAIN_LOSS, TRAIN_LR, VAL_ACC, VAL_ECE, VAL_FORWARD_TIME,
                                   VAL_LOSS, VAL_MC_ACC, VAL_MC_ECE, VAL_MC_NLL, VAL_MC_TIME)


class LossSum:
    """An epoch's training loss summed on the device (no sync per step) and its batch count.

    A plain object, not module state: setting an attribute on a LightningModule goes through
    nn.Module.__setattr__ (~2 us), twice a step when the sum and count lived there.
    """

    __slots__ = ("total", "n")

    def __init__(self) -> None:
        self.total: torch.Tensor | None = None  # () on the loss's device
        self.n = 0

    def reset(self) -> None:
        self.total, self.n = None, 0

    def add(self, loss: torch.Tensor) -> None:
        """Add one batch's detached () loss, in place after the first (a copy: the batch's own loss stays as it was)."""
        if self.total is None:
            self.total = loss.clone()
        else:
            self.total.add_(loss)
        self.n += 1

    def mean(self) -> float:
        """The epoch's mean batch loss (nan without a batch): one device sync."""
        return float(self.total / self.n) if self.n else math.nan


class ClassifierSystem(pl.LightningModule):
    """Cross-entropy classification of an injected model.

    Two loops, chosen by config.loop:
    - 'epoch' (default): Lightning calls training_step once per epoch with the epoch's batches and
      the step iterates them, calling backward and the inner torch optimizer directly. Lightning's
      per-batch machinery (hooks, LightningOptimizer wrapper, precision plugin) is skipped, which
      puts the harness within a few percent of a plain PyTorch loop. What it gives up: per-batch
      callback hooks and precision/strategy plugins, so the trainer factory pins 32-bit precision
      and a single device for this loop.
    - 'step': standard automatic optimization, one training_step per batch; every Lightning
      feature works (DDP and other strategies), at Lightning's per-step cost.
    Both loops clip gradients between backward and the optimizer step (config.clip) and step the lr
    schedule after each optimizer step or after each epoch's validation, as the schedule's definition says.
    Both add the l1/l2 penalty on the hidden weights to the loss they minimize (train/loss records the
    cross-entropy alone, comparable across penalties) and apply max-norm after each optimizer step.
    """

    def __init__(self, model: nn.Module, config: RunConfig):
        super().__init__()
        self.model = model
        self.config = config
        self.automatic_optimization = config.loop == "step"
        self.epoch_metrics: dict[str, float] = {}  # this epoch's figures, keyed by MLflow metric name
        self.history: list[dict[str, float]] = []  # one epoch_metrics per finished epoch
        self.stop_reason: str | None = None  # set by whichever callback stops the run first
        self._epoch_loss = LossSum()  # this epoch's training loss, summed on device: no sync per step
        self._optimizer: torch.optim.Optimizer | None = None
        self._schedule: LrSchedule | None = None  # None for the constant schedule: nothing to step
        regularized = config.l1 or config.l2 or config.max_norm
        self._hidden = hidden_weights(model) if regularized else []  # what the penalties and max-norm act on
        self._own_loss = hasattr(model, "loss")  # read once: a module attribute lookup costs ~1.5 us a step
        self.restored_epoch: int | None = None  # set by harness.train.stopping.EarlyStopping when it restores weights

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)

    def configure_optimizers(self):
        self._optimizer = make_optimizer(self.model.parameters(), self.config)
        if self.config.schedule != "constant":
            self._schedule = LrSchedule(self._optimizer, self.config, self._steps_per_epoch())
        return self._optimizer  # the schedule is stepped here, not by Lightning, so lockstep steps it too

    def _steps_per_epoch(self) -> int:
        """Optimizer steps per epoch (the last partial batch is dropped), read at setup, outside the timed region."""
        datamodule = getattr(self._trainer, "datamodule", None)
        if not hasattr(datamodule, "x_train"):  # a lockstep arm: its system is not attached to the trainer
            from harness.data.datamodule import InMemoryDataModule

            datamodule = InMemoryDataModule(self.config)
            datamodule.setup("fit")
        return len(datamodule.x_train) // self.config.batch_size

    def on_train_epoch_start(self) -> None:
        self.epoch_metrics = {TRAIN_LR: float(self._optimizer.param_groups[0]["lr"])}  # the epoch's first step's lr
        self._epoch_loss.reset()

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of the model's logits, or the model's own loss(x, y) where it has one (an autoencoder's)."""
        model = self.model
        return model.loss(x, y) if self._own_loss else F.cross_entropy(model(x), y)

    def training_step(self, batch, batch_idx):
        if self.automatic_optimization:
            x, y = batch  # (B, F), (B,)
            loss = self.loss(x, y)
            self._epoch_loss.add(loss.detach())
            return self._regularized(loss)
        opt = self.optimizers().optimizer  # the inner torch optimizer, unwrapped on purpose (see class doc)
        for x, y in batch:  # batch: one epoch of (B, F), (B,) batches
            self.train_batch(opt, x, y)
        return None

    def train_batch(self, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor) -> None:
        """One manual optimization step on a (B, F), (B,) batch: the 'epoch' loop's unit (and lockstep's)."""
        opt.zero_grad(set_to_none=True)
        loss = self.loss(x, y)
        self._regularized(loss).backward()
        config = self.config
        if config.clip != "none":  # skipped, not called with 'none': the generator and call cost ~2 us a step
            clip_gradients(self.model.parameters(), config.clip, config.clip_threshold)
        opt.step()
        self._after_step()
        if self._schedule is not None:
            self._schedule.after_batch()
        self._epoch_loss.add(loss.detach())

    def _regularized(self, loss: torch.Tensor) -> torch.Tensor:
        """The minimized loss: cross-entropy plus the l1/l2 penalty on the hidden weights (when set)."""
        extra = penalty(self._hidden, self.config.l1, self.config.l2)
        return loss if extra is None else loss + extra

    def _after_step(self) -> None:
        if self.config.max_norm:
            apply_max_norm(self._hidden, self.config.max_norm)

    def optimizer_step(self, *args, **kwargs) -> None:
        """The 'step' loop's optimizer step, then max-norm: both inside the timed training step."""
        super().optimizer_step(*args, **kwargs)
        self._after_step()

    def configure_gradient_clipping(self, optimizer, gradient_clip_val=None, gradient_clip_algorithm=None) -> None:
        """The 'step' loop's clipping (Lightning calls this between backward and the optimizer step)."""
        if self.config.clip != "none":
            clip_gradients(self.model.parameters(), self.config.clip, self.config.clip_threshold)
        else:  # the Trainer's own gradient_clip_val, if a user passed one as an override
            super().configure_gradient_clipping(optimizer, gradient_clip_val, gradient_clip_algorithm)

    def on_train_batch_end(self, outputs, batch, batch_idx) -> None:
        if self.automatic_optimization and self._schedule is not None:  # the 'step' loop: one batch, one step
            self._schedule.after_batch()

    def _finish_train_loss(self) -> None:
        if TRAIN_LOSS not in self.epoch_metrics:
            self.epoch_metrics[TRAIN_LOSS] = self._epoch_loss.mean()  # the one device sync, after the timed region

    def on_validation_start(self) -> None:
        # Callbacks' on_validation_start (the epoch timer) runs before this hook: the clock is stopped.
        if self._epoch_loss.n:
            self._finish_train_loss()

    def validation_step(self, batch, batch_idx):
        self.evaluate(batch, self.trainer.datamodule)  # batch: the whole validation split, (N_val, F), (N_val,)

    def evaluate(self, val: tuple[torch.Tensor, torch.Tensor], datamodule) -> None:
        """This epoch's validation figures (and, with eval_train, the whole training split's), into epoch_metrics."""
        x, y = val
        if hasattr(self.model, "loss"):  # not a classifier: its own loss is the one validation figure
            self.epoch_metrics[VAL_LOSS] = float(self.model.loss(x, y))
            return
        # With MC dropout the timed deterministic pass is this epoch's validation pass too: computed once.
        logits = self._evaluate_mc(x, y) if self.config.mc_samples else self.model(x)
        self.epoch_metrics[VAL_LOSS] = float(F.cross_entropy(logits, y))
        self.epoch_metrics[VAL_ACC] = float((logits.argmax(1) == y).float().mean())
        if self.config.eval_train:  # the whole training split, eval mode: for train/validation gaps
            logits = self.model(datamodule.x_train)
            self.epoch_metrics[TRAIN_EVAL_LOSS] = float(F.cross_entropy(logits, datamodule.y_train))
            self.epoch_metrics[TRAIN_ACC] = float((logits.argmax(1) == datamodule.y_train).float().mean())

    def _evaluate_mc(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """MC dropout against one deterministic pass: each on its own clock (seconds, device synchronized); NLL, ECE.

        Returns the deterministic pass's (N_val, C) logits, the epoch's validation figures' source."""
        synchronize(x.device)
        t0 = time.perf_counter()
        logits = self.model(x)  # (N_val, C), dropout off
        synchronize(x.device)
        t1 = time.perf_counter()
        mc = mc_dropout_probs(self.model, x, self.config.mc_samples)  # (N_val, C), mean of T passes
        synchronize(x.device)
        self.epoch_metrics.update({
            VAL_FORWARD_TIME: t1 - t0, VAL_MC_TIME: time.perf_counter() - t1,
            VAL_ECE: expected_calibration_error(torch.softmax(logits, dim=1), y), VAL_MC_NLL: nll(mc, y),
            VAL_MC_ECE: expected_calibration_error(mc, y), VAL_MC_ACC: float((mc.argmax(1) == y).float().mean())})
        return logits

    def on_train_epoch_end(self) -> None:
        self._finish_train_loss()
        self.history.append(dict(self.epoch_metrics))
        if self._schedule is not None:  # after validation: a performance schedule reads this epoch's val/loss
            self._schedule.after_epoch(self.epoch_metrics.get(VAL_LOSS, math.nan))
