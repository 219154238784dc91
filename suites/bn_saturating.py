"""Batch normalization lets deep nets with saturating activations (sigmoid, tanh) train.

Source: Ioffe & Szegedy 2015 (MNIST 3x100 sigmoid: higher accuracy with BN and stable 15/50/85th
percentiles of a sigmoid's inputs; BN-x5-Sigmoid trains on ImageNet where plain sigmoid Inception
stays at chance); the chapter ("the vanishing gradients problem was strongly reduced, to the point
that they could use saturating activation functions such as the tanh and even the logistic").

Grid: 20 hidden layers of 100 units on digits, sigmoid and tanh, each with their recommended Glorot
init, BN before each activation (as in the BN paper) vs no BN. Recipe as bn-walltime (Nesterov,
lr 0.01, batch 32); target 0.9 validation accuracy within 30 epochs. The `gradients` and
`activations` diagnostics record gradient flow, saturation and the last sigmoid's input percentiles
(act/last_pre_p15/p50/p85) at init and every 5 epochs.

Verdict per activation, thresholds fixed in advance; median over seeds, 95% bootstrap interval:
- "with BN it trains":          final validation accuracy with BN > 0.5;
- "BN needs fewer epochs":      epochs to target, BN / no BN, paired by seed, < 1 (a run that never
                                reaches the target is censored at its budget: the ratio is a bound);
- "BN keeps gradients flowing": first/last hidden-layer gradient ratio at init, BN / no BN, > 1.
"""
from harness.config import RunConfig
from harness.measures import column, epochs_to_target
from harness.rules import paired_verdicts, threshold_verdicts
from harness.suite import Suite
from harness.verdict import RatioStatement, ThresholdStatement

THRESHOLDS = [ThresholdStatement("with BN it trains", "final val acc", column("final_val_acc"), ">", 0.5,
                                 (("norm", "before"),))]
RATIOS = [
    RatioStatement("BN needs fewer epochs", "epochs-to-target ratio", epochs_to_target, "<"),
    RatioStatement("BN keeps gradients flowing", "grad ratio L1/L20 at init, BN / none",
                   column("grad/first_last_ratio_init"), ">"),
]


def judge(runs):
    return (threshold_verdicts(runs, THRESHOLDS, group_by=["activation", "norm"])
            + paired_verdicts(runs, RATIOS, factor="norm", baseline="none", group_by=["activation"]))


SUITE = Suite(
    name="bn-saturating",
    claim="batch norm lets 20-layer sigmoid and tanh nets train",
    source="Ioffe & Szegedy 2015; Geron, Hands-On ML, ch. 'Training Deep Neural Networks' (BN section)",
    base=RunConfig.chapter_recipe(max_epochs=30, target_metric="val/acc", target_value=0.9,
                   diagnostics="gradients,activations", diag_every=5, threads=1),
    grid={"activation": ("sigmoid", "tanh"), "norm": ("none", "before")},
    seeds=3,
    judge=judge,
    timing=False,
    # ci: sigmoid only (its baseline never trains, so every row is clear-cut), a shorter budget, 2 seeds.
    scales={"ci": {"seeds": 2, "max_epochs": 8, "grid": {"activation": ("sigmoid",)}}, "nightly": {"seeds": 10}},
)
