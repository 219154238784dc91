"""SELU self-normalizes a plain dense stack: with LeCun normal init and standardized inputs every layer's output keeps mean ~0 and variance ~1.

Source: Klambauer et al. 2017 (fixed point mean 0, variance 1 for lambda ~1.0507, alpha ~1.6733;
their Theorem 1: the layer map sends mean in [-0.1, 0.1] and variance in [0.8, 1.5] back into that
domain, which is stable and attracting); the chapter's conditions (standardized inputs, LeCun normal
init, a plain sequential dense stack, alpha dropout rather than dropout, no other normalization).

A forward pass at init, no training: 100 hidden SELU layers of 100 units on digits' training split
(1437 rows) in train mode (as a training step sees it: dropout active, BN on batch statistics). Per
layer, the mean and variance of the block's output (what the next layer receives), pooled over
units and rows. Variants, each changing one condition of the baseline (LeCun normal, standardized
inputs, no dropout, no BN):
  baseline; alpha dropout 0.1 (should keep it); He normal init; raw (unstandardized) inputs;
  plain dropout 0.1; BN before each activation (each of the last four should break it).

Verdict, threshold fixed in advance from the source's domain: the share of the 100 layers whose
(mean, variance) falls outside |mean| <= 0.1, 0.8 <= variance <= 1.5. "keeps it": share < 0.1;
"breaks it": share > 0.1. Median over seeds (the weights' draw), 95% bootstrap interval.
"""
import torch

from harness.config import RunConfig
from harness.data import InMemoryDataModule
from harness.measures import column
from harness.model import build_mlp
from harness.rules import threshold_verdicts
from harness.suite import Suite
from harness.verdict import ThresholdStatement

MEAN_LIMIT = 0.1  # |mean| within the source's domain
VAR_RANGE = (0.8, 1.5)  # variance within the source's domain


def forward_stats(config: RunConfig) -> dict:
    """Per-layer output mean/std of a freshly initialized net on the training split, and the share of layers outside the domain."""
    data = InMemoryDataModule(config)
    data.setup("fit")
    model = build_mlp(config, data.n_features, data.n_classes)  # seeded by harness.runner.measure
    model.train()  # dropout active, BN on batch statistics: the net as its first training step sees it
    means, stds = [], []
    with torch.no_grad():
        h = data.x_train  # (N_train, F)
        for block in model.hidden:
            h = block(h)  # (N_train, width)
            means.append(float(h.double().mean()))
            stds.append(float(h.double().std(unbiased=False)))
    # nan (an overflowed layer) fails every comparison, so it counts as outside
    outside = [not (abs(m) <= MEAN_LIMIT and VAR_RANGE[0] <= s * s <= VAR_RANGE[1]) for m, s in zip(means, stds)]
    return {"layer_mean": means, "layer_std": stds, "share_outside": sum(outside) / len(outside),
            "last_mean": means[-1], "last_std": stds[-1], "max_abs_mean": max(abs(m) for m in means),
            "min_std": min(stds), "max_std": max(stds)}


def run(config: RunConfig, tracker, experiment: str, parent_run_id: str) -> dict:
    """One variant and seed: the forward statistics recorded as a child run (per-layer lists with step = layer)."""
    from harness.runner import measure

    return measure(forward_stats, config, tracker, experiment, parent_run_id)


VARIANT = ["init", "standardize", "dropout", "dropout_kind", "norm"]
KEEPS = [("lecun_normal", True, 0.0, "plain", "none"), ("lecun_normal", True, 0.1, "alpha", "none")]
BREAKS = [("he_normal", True, 0.0, "plain", "none"), ("lecun_normal", False, 0.0, "plain", "none"),
          ("lecun_normal", True, 0.1, "plain", "none"), ("lecun_normal", True, 0.0, "plain", "before")]
SHARE = "share of layers outside domain"
STATEMENTS = [
    *(ThresholdStatement("keeps mean ~0, variance ~1 at every depth", SHARE, column("share_outside"), "<", 0.1,
                         tuple(zip(VARIANT, v))) for v in KEEPS),
    *(ThresholdStatement("breaks self-normalization", SHARE, column("share_outside"), ">", 0.1,
                         tuple(zip(VARIANT, v))) for v in BREAKS),
]


def judge(runs):
    return threshold_verdicts(runs, STATEMENTS, group_by=VARIANT)


SUITE = Suite(
    name="selu-self-normalization",
    claim="SELU with LeCun normal init on standardized inputs keeps every layer's mean ~0 and variance ~1 over 100 layers; "
          "He init, raw inputs, plain dropout and BN each break it",
    source="Klambauer et al. 2017 (self-normalizing networks); Geron, Hands-On ML, ch. 'Training Deep Neural Networks' (SELU)",
    base=RunConfig(dataset="digits", depth=100, width=100, activation="selu", max_epochs=1, threads=1),
    grid={tuple(VARIANT): tuple(KEEPS + BREAKS)},
    seeds=5,
    judge=judge,
    timing=False,
    run=run,
    scales={"ci": {"seeds": 3}, "nightly": {"seeds": 20}},
)
