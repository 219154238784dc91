"""ELU outperformed all ReLU variants: faster training and better test accuracy, at a higher cost per step.

Source: Clevert, Unterthiner & Hochreiter 2016 (ELU), as the chapter reports it: "ELU outperformed
all the ReLU variants: training time was reduced and the network performed better on the test
set"; its drawback, the exponential makes it slower to compute. Their MNIST learning-speed setup:
8 hidden layers of 128 units, He init, SGD with learning rate 0.01, mini-batches of 64. Here: the
same net and recipe on scikit-learn's digits.

Grid: activation in relu, leaky_relu (slope 0.01), leaky_relu_0.2, elu, selu, gelu, silu, each
with its recommended init (He; SELU gets its self-normalizing setup: LeCun normal init through
init=auto, standardized inputs, no dropout) x 6 seeds. Equal budget: every run trains 30 epochs
(stop_at_target off), so epochs to target (0.90 validation accuracy, first epoch reaching it),
time to target and final validation accuracy are all taken at the same budget; a run that never
reaches the target is censored at 30 epochs (its ratios are bounds, never dropped).

Verdict, paired by seed (effect = median over seeds; exact 95% order-statistic interval over seeds;
supported when the interval lies wholly on the claimed side, refuted when wholly on the other):
- for V in relu, leaky_relu, leaky_relu_0.2:
  "ELU needs fewer epochs than V":  epochs-to-target ratio ELU/V < 1
  "ELU trains in less time than V": time-to-target ratio ELU/V  < 1
  "ELU is more accurate than V":    final validation accuracy ELU - V > 0
- "ELU trains faster than every ReLU variant": all six speed rows (supported only if each is,
  refuted if any is at the level corrected for six rows: 1 - 0.05/6, harness.every_row); "ELU is more
  accurate than every ReLU variant": all three accuracy rows (corrected for three). Refuted when any row is,
  at 95%, these read "refuted" in 3.7% and 5.9% of simulated invocations with every activation alike
  (tests/suites/test_null_a.py): k chances of one row's error. At 6 seeds a corrected row cannot
  refute (its interval is unbounded): the all-of rows are refuted only on more seeds
- "ELU costs more per step": median epoch time ratio ELU/relu > 1
- the chapter's wider ranking, for every other activation A: epochs-to-target ratio A/relu < 1
"""
from harness import (PairedStatement, RunConfig, Suite, VAL_ACC, epochs_to_target, every_row, final_val_acc,
                     median_epoch_time, paired_verdicts, time_to_target)

# Seed noise, measured at default scale on 2026-12-06 (AMD EPYC, 6 seeds, load ~11): sd of log epochs to target per
# run (0.11-0.31 by activation, median 0.18), sd of final val acc (0.004-0.015), sd of log epoch time per run within
# a lockstep seed (the ELU/ReLU log ratio's sd 0.093 over seeds, / sqrt 2). The null tests draw with these.
NOISE = (0.18, 0.010, 0.065)
RELU_VARIANTS = ("relu", "leaky_relu", "leaky_relu_0.2")
ACTIVATIONS = (*RELU_VARIANTS, "elu", "selu", "gelu", "silu")

SPEED = [
    PairedStatement("ELU needs fewer epochs", "epochs-to-target ratio", epochs_to_target, "<", 1.0),
    PairedStatement("ELU trains in less time", "time-to-target ratio", time_to_target, "<", 1.0),
]
ACCURACY = [PairedStatement("ELU is more accurate", "final val acc difference", final_val_acc, ">", 0.0,
                            compare="difference")]
COST = [PairedStatement("ELU costs more per step", "epoch time ratio", median_epoch_time, ">", 1.0)]
RANKING = [PairedStatement("needs fewer epochs than ReLU", "epochs-to-target ratio", epochs_to_target,
                           "<", 1.0)]


def against_variants(runs, statements):
    """ELU against each ReLU variant, paired by seed."""
    return [v for variant in RELU_VARIANTS
            for v in paired_verdicts(runs, statements, "activation", variant, [], levels=["elu"])]


def judge(runs):
    speed, accuracy = against_variants(runs, SPEED), against_variants(runs, ACCURACY)
    others = [a for a in ACTIVATIONS if a not in ("relu", "elu")]
    return [
        *speed,
        *accuracy,
        # elu vs relu/leaky_relu/leaky_relu_0.2; refuted by a row only at the level corrected for their number
        every_row(lambda: against_variants(runs, SPEED), "ELU trains faster than every ReLU variant"),
        every_row(lambda: against_variants(runs, ACCURACY), "ELU is more accurate than every ReLU variant"),
        *paired_verdicts(runs, COST, "activation", "relu", [], levels=["elu"]),
        *paired_verdicts(runs, RANKING, "activation", "relu", [], levels=others),
    ]


SUITE = Suite(
    name="activations",
    claim="ELU outperformed all ReLU variants (fewer epochs, less time, better accuracy), at a higher cost per step",
    source="Clevert et al. 2016 (ELU), as reported in Geron, Hands-On ML, ch. 'Training Deep Neural Networks'",
    base=RunConfig(dataset="digits", depth=8, width=128, init="auto", optimizer="sgd", lr=0.01, batch_size=64,
                   max_epochs=30, target_metric=VAL_ACC, target_value=0.90, stop_at_target=False, threads=1),
    grid={"activation": ACTIVATIONS},
    seeds=6,
    judge=judge,
    timing=True,
    words={"activation": "{}"},  # rows read 'elu vs relu'
    interleave="activation",  # a seed's activations train in lockstep, step by step: their time ratios see one load
    scales={
        # ci: ELU against ReLU and leaky ReLU, 12 epochs of budget, 2 seeds: the structure (intervals stay open).
        "ci": {"seeds": 2, "max_epochs": 12, "grid": {"activation": ("relu", "leaky_relu", "elu")}},
        # nightly: more seeds and a wider net on the same data (GPU or a long CPU run).
        "nightly": {"seeds": 10, "width": 256},
    },
)
