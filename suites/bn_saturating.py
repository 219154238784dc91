"""Batch normalization lets deep nets with saturating activations (sigmoid, tanh) train.

Source: Ioffe & Szegedy 2015 (MNIST 3x100 sigmoid: higher accuracy with BN and stable 15/50/85th
percentiles of a sigmoid's inputs; BN-x5-Sigmoid trains on ImageNet where plain sigmoid Inception
stays at chance); the chapter ("the vanishing gradients problem was strongly reduced, to the point
that they could use saturating activation functions such as the tanh and even the logistic").

Grid: 20 hidden layers of 100 units on digits, sigmoid and tanh, BN before each activation (as in
the BN paper) vs no BN, under two inits: their recommended Glorot init (init=auto), with which tanh
already trains in ~2 epochs without BN (so "BN needs fewer epochs" can honestly come out refuted
there), and the saturating baseline the chapter means, PyTorch's default init (init=default,
uniform +-1/sqrt(fan_in)), a separate arm. Recipe as bn-walltime (Nesterov,
lr 0.01, batch 32); target 0.9 validation accuracy within 30 epochs. The `gradients` and
`activations` diagnostics record gradient flow, saturation and the last sigmoid's input percentiles
(act/last_pre_p15/p50/p85) at init and every 5 epochs.

Verdict per (activation, init), thresholds fixed in advance; median over seeds, exact 95% interval; 6 seeds:
- "with BN it trains":          final validation accuracy with BN > 0.5;
- "BN needs fewer epochs":      epochs to target, BN / no BN, paired by seed, < 1 (a run that never
                                reaches the target is censored at its budget: the ratio is a bound);
- "BN keeps gradients flowing": the first/last hidden-layer gradient ratio at init is closer to 1
  with BN: |log ratio| BN - |log ratio| none < 0, paired by seed. Healthy flow is a ratio near 1;
  a ratio above 1 is explosion toward the input, not flow, so "BN / none > 1" would reward it.
"""
from harness import (DifferenceStatement, FINAL_VAL_ACC, RatioStatement, RunConfig, Suite, ThresholdStatement, VAL_ACC,
                     column, epochs_to_target, log_distance_from_one, paired_verdicts, threshold_verdicts)

# Seed noise at default scale, 2026-12-06 (AMD EPYC, 6 seeds, load ~13), the largest over the 8 (activation, init, norm)
# cells: sd of log epochs to target where reached (0-0.40), of final val acc (0.001-0.014), of log gradient ratio
# L1/L20 at init (0.08-0.47). The null tests draw with these.
NOISE = (0.40, 0.014, 0.47)
THRESHOLDS = [ThresholdStatement("with BN it trains", "final val acc", column(FINAL_VAL_ACC), ">", 0.5,
                                 (("norm", "before"),))]
RATIOS = [
    RatioStatement("BN needs fewer epochs", "epochs-to-target ratio", epochs_to_target, "<"),
    DifferenceStatement("BN keeps gradients flowing", "|log grad ratio L1/L20| at init, BN - none",
                        log_distance_from_one("grad/first_last_ratio_init"), "<"),
]


def judge(runs):
    return (threshold_verdicts(runs, THRESHOLDS, group_by=["activation", "init", "norm"])
            + paired_verdicts(runs, RATIOS, factor="norm", baseline="none", group_by=["activation", "init"]))


SUITE = Suite(
    name="bn-saturating",
    claim="batch norm lets 20-layer sigmoid and tanh nets train",
    source="Ioffe & Szegedy 2015; Geron, Hands-On ML, ch. 'Training Deep Neural Networks' (BN section)",
    base=RunConfig.chapter_recipe(max_epochs=30, target_metric=VAL_ACC, target_value=0.9,
                   diagnostics="gradients,activations", diag_every=5, threads=1),
    grid={("activation", "init"): (("sigmoid", "auto"), ("tanh", "auto"), ("sigmoid", "default"), ("tanh", "default")),
          "norm": ("none", "before")},
    seeds=6,
    judge=judge,
    # 'sigmoid, BN vs no BN'; init 'auto' (the activation's recommended init) goes unsaid, PyTorch's default is named
    words={"activation": "{}", "init": {"auto": "", "default": "default init"}, "norm": {"before": "BN", "none": "no BN"}},
    timing=False,
    # ci: sigmoid with Glorot only (its baseline never trains, so every row is clear-cut), 6 seeds, a shorter budget.
    scales={"ci": {"seeds": 6, "max_epochs": 3, "grid": {("activation", "init"): (("sigmoid", "auto"),)}},
            "nightly": {"seeds": 10}},
)
