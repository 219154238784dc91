"""Per-epoch metrics a suite adds by declaring callbacks (Suite.callbacks), computed after validation, outside the
timed region, before the MLflow recorder logs the epoch (step = epoch).

LossGap (the validation - training loss gap, also at a matched training loss), NearZeroShare (how sparse the
hidden weights are), MCDropoutCost (what MC dropout's T passes cost against one). Each run gets its own copy.
"""
from __future__ import annotations

import statistics
from typing import Mapping

import pytorch_lightning as pl
import torch

from harness.core.contract import (LOSS_GAP, LOSS_GAP_AT_MATCH, MATCH_EPOCH, MC_LATENCY_RATIO, MC_SECONDS_PER_PASS,
                                   NEAR_ZERO_SHARE, TRAIN_EVAL_LOSS, VAL_FORWARD_TIME, VAL_LOSS, VAL_MC_TIME)
from harness.train.callbacks import EpochMetrics


class LossGap(EpochMetrics):
    """Per epoch, gap/loss = val/loss - train/eval_loss (nats; needs eval_train); from the first epoch at training
    loss <= match_loss on, gap/loss_at_match and gap/match_epoch hold that epoch's figures, so a run's last value
    is the gap at matched training loss (a net that fits sooner has longer to overfit within a fixed budget)."""

    def __init__(self, match_loss: float = 0.1):
        self.match_loss = match_loss  # nats of training cross-entropy
        self.matched: tuple[float, float] | None = None  # (gap in nats, 1-based epoch) at the first matched epoch

    def derive(self, metrics: Mapping[str, float], epoch: int) -> dict[str, float]:
        if TRAIN_EVAL_LOSS not in metrics or VAL_LOSS not in metrics:
            return {}
        out = {LOSS_GAP: metrics[VAL_LOSS] - metrics[TRAIN_EVAL_LOSS]}
        if self.matched is None and metrics[TRAIN_EVAL_LOSS] <= self.match_loss:
            self.matched = (out[LOSS_GAP], float(epoch))
        if self.matched is not None:
            out[LOSS_GAP_AT_MATCH], out[MATCH_EPOCH] = self.matched
        return out


class NearZeroShare(pl.Callback):
    """Per epoch, weights/near_zero_share = the share of the MLP's hidden Linear weights with |w| < threshold
    (never biases or the head): how sparse an l1 penalty made the net."""

    def __init__(self, threshold: float = 1e-3):
        self.threshold = threshold  # weight units

    def on_train_epoch_end(self, trainer, pl_module) -> None:  # after validation, before the MLflow recorder
        model = pl_module.model
        if not hasattr(model, "hidden_linears"):
            raise ValueError(f"invalid model {type(model).__name__} for NearZeroShare; valid: 'mlp' (its hidden Linears)")
        with torch.no_grad():
            flat = torch.cat([linear.weight.flatten() for linear in model.hidden_linears()])
            pl_module.epoch_metrics[NEAR_ZERO_SHARE] = float((flat.abs() < self.threshold).float().mean())


class MCDropoutCost(pl.Callback):
    """Per epoch, medians over the epochs so far (config mc_samples = T > 0): mc/latency_ratio of
    val/mc_time_s / (T * val/forward_time_s), and mc/seconds_per_pass of val/mc_time_s / T (seconds)."""

    def __init__(self):
        self.ratios: list[float] = []
        self.per_pass: list[float] = []

    def on_train_epoch_end(self, trainer, pl_module) -> None:  # runs before the MLflow recorder's hook
        m, t = pl_module.epoch_metrics, pl_module.config.mc_samples
        if m.get(VAL_FORWARD_TIME, 0.0) > 0.0:
            self.ratios.append(m[VAL_MC_TIME] / (t * m[VAL_FORWARD_TIME]))
            self.per_pass.append(m[VAL_MC_TIME] / t)
            m[MC_LATENCY_RATIO] = statistics.median(self.ratios)
            m[MC_SECONDS_PER_PASS] = statistics.median(self.per_pass)
