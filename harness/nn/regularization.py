"""Regularization's arithmetic: l1/l2 penalties and max-norm on hidden weights, MC dropout, and calibration (NLL, ECE).

"Hidden weights" are the weight matrices of the MLP's hidden Linear layers (MLP.hidden_linears()), shape
(units, inputs): biases, the output head and batch norm's scale and shift are never penalized or clipped,
as in Srivastava et al. 2014 and Keras' kernel regularizers and constraints.
"""
from __future__ import annotations

import torch
from torch import nn

ECE_BINS = 15  # equal-width confidence bins over (0, 1] (Guo et al. 2017)


def hidden_weights(model: nn.Module) -> list[torch.Tensor]:
    """The hidden Linear layers' weight matrices, (units, inputs) each; the config allows the penalties on model 'mlp' only."""
    return [linear.weight for linear in model.hidden_linears()]


def penalty(weights: list[torch.Tensor], l1: float, l2: float) -> torch.Tensor | None:
    """l1 * sum |w| + l2 * sum w^2 over the weights (nats, added to the mean cross-entropy); None when both are 0."""
    if not (l1 or l2):
        return None
    total = torch.zeros((), device=weights[0].device)
    for w in weights:
        if l1:
            total = total + l1 * w.abs().sum()
        if l2:
            total = total + l2 * w.square().sum()
    return total


@torch.no_grad()
def apply_max_norm(weights: list[torch.Tensor], r: float) -> None:
    """Rescale each row (one unit's incoming weights) whose L2 norm exceeds r onto the sphere of radius r; others untouched."""
    for w in weights:
        norms = w.norm(dim=1, keepdim=True)  # (units, 1)
        w.copy_(torch.where(norms > r, w * (r / norms.clamp_min(1e-12)), w))


def nll(probs: torch.Tensor, labels: torch.Tensor) -> float:
    """Mean negative log-likelihood (nats) of the labels under (N, C) class probabilities."""
    picked = probs.gather(1, labels[:, None]).squeeze(1)
    return float(-picked.clamp_min(1e-12).log().mean())


def expected_calibration_error(probs: torch.Tensor, labels: torch.Tensor, n_bins: int = ECE_BINS) -> float:
    """ECE: sum over equal-width confidence bins of (share of examples) * |accuracy - mean confidence| in the bin.

    Confidence is the top class probability; bin b holds confidences in ((b-1)/n_bins, b/n_bins].
    """
    confidence, predicted = probs.max(dim=1)
    correct = (predicted == labels).float()
    bins = (confidence * n_bins).ceil().clamp(1, n_bins).long() - 1  # 0-based bin of each example
    total = 0.0
    for b in bins.unique():
        inside = bins == b
        total += float(inside.float().mean() * (correct[inside].mean() - confidence[inside].mean()).abs())
    return total


@torch.no_grad()
def mc_dropout_probs(model: nn.Module, x: torch.Tensor, samples: int) -> torch.Tensor:
    """(N, C) softmax probabilities averaged over `samples` passes with dropout on (batch norm stays in eval mode).

    The model's train/eval flags are restored afterwards. The masks come from a fork of torch's RNG, so
    evaluating with MC dropout leaves the training trajectory (its shuffles and training masks) unchanged.
    """
    dropouts = [m for m in model.modules() if isinstance(m, (nn.Dropout, nn.AlphaDropout))]
    modes = [m.training for m in dropouts]
    for m in dropouts:
        m.train()
    try:
        with torch.random.fork_rng(devices=[x.device] if x.device.type == "cuda" else []):
            total = sum(torch.softmax(model(x), dim=1) for _ in range(samples))
    finally:
        for m, mode in zip(dropouts, modes):
            m.train(mode)
    return total / samples
