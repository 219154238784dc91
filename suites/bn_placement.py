"""BN just before or just after each hidden activation: neither placement is a consistent winner.

Source: the chapter, which leaves the placement open ("some authors argue it is better before the
activation, others after: experiment"); the BN paper (Ioffe & Szegedy 2015) puts it before. No
source figure, so the claim judged is the chapter's agnostic one, and a consistent winner refutes it.

Grid: activation (relu, elu, tanh) x norm (before, after) x 10 seeds; 20 hidden layers of 100
units on scikit-learn's digits with the chapter's deep-net recipe (Nesterov momentum, lr 0.01,
batch 32); equal budget of 25 epochs (stop_at_target off); target 0.93 validation accuracy (below
the ~0.96 plateau, so epochs to target measure learning speed, not noise at the ceiling).

Equivalence margins, fixed before the verdict runs from the noise between seeds of one config:
BN before, 25 epochs, seeds 100-105 (never used by the suite), per activation the standard
deviation over seeds of the final validation accuracy and of log(epochs to 0.93) (NOISE below,
the largest over activations). A margin is the 95% range of the difference between two seeds of
the same config, 1.96 * sqrt(2) * sd: a placement "wins" only by more than two runs of one
placement differ by chance. Measured sds: accuracy 0.014 / 0.007 / 0.008 and log epochs 0.23 /
0.31 / 0.39 (relu / elu / tanh), so the margins are +-0.039 accuracy and a factor 2.96 in epochs
(band [0.34, 2.96]: epochs to target are small integers, 2-13, so their ratios are coarse). (The old margins, +-1 point and [0.8, 1.25], lay inside that noise and
could not be met.)

Verdict per activation, "after" against "before", paired by seed (effect = median over seeds;
exact 95% interval over seeds):
- "no consistent winner in epochs":   epochs-to-target ratio after/before within the epochs margin
- "no consistent winner in accuracy": final validation accuracy after - before within the accuracy margin
  supported when the interval lies inside the band, refuted when it lies wholly outside it.
- the direction, where there is one: "BN before needs fewer epochs" (ratio after/before > 1) and
  "BN before is more accurate" (difference after - before < 0): supported = before wins,
  refuted = after wins, inconclusive = no consistent direction.
"no consistent winner for any activation": all equivalence rows (refuted if any row is).
"""
import math

from harness import (PairedStatement, RunConfig, Suite, VAL_ACC, WITHIN_DIFFERENCE, WITHIN_RATIO, all_of,
                     epochs_to_target, final_val_acc, paired_verdicts, two_seed_range)

# sd over seeds 100-105 of one config (BN before): final val acc, and log(epochs to 0.93)
NOISE = {"relu": (0.0139, 0.225), "elu": (0.0069, 0.311), "tanh": (0.0078, 0.392)}
ACC_MARGIN = round(two_seed_range(max(a for a, _ in NOISE.values())), 3)  # 0.039
EPOCHS_MARGIN = round(math.exp(two_seed_range(max(e for _, e in NOISE.values()))), 2)  # 2.96: epochs are 2-13 integers

EQUIVALENT = [
    PairedStatement("no consistent winner in epochs", "epochs-to-target ratio", epochs_to_target,
                    WITHIN_RATIO, EPOCHS_MARGIN),
    PairedStatement("no consistent winner in accuracy", "final val acc difference", final_val_acc,
                    WITHIN_DIFFERENCE, ACC_MARGIN, compare="difference"),
]
DIRECTION = [
    PairedStatement("BN before needs fewer epochs", "epochs-to-target ratio", epochs_to_target, ">", 1.0),
    PairedStatement("BN before is more accurate", "final val acc difference", final_val_acc, "<", 0.0,
                    compare="difference"),
]


def judge(runs):
    rows = paired_verdicts(runs, EQUIVALENT, factor="norm", baseline="before", group_by=["activation"])
    direction = paired_verdicts(runs, DIRECTION, factor="norm", baseline="before", group_by=["activation"])
    return [*rows, all_of(rows, "no consistent winner for any activation"), *direction]  # every activation


SUITE = Suite(
    name="bn-placement",
    claim="BN before vs after the activation: no consistent winner",
    source="Geron, Hands-On ML, ch. 'Training Deep Neural Networks' (BN section); Ioffe & Szegedy 2015 place it before",
    base=RunConfig.chapter_recipe(max_epochs=25, target_metric=VAL_ACC, target_value=0.93, stop_at_target=False, threads=1),
    grid={"activation": ("relu", "elu", "tanh"), "norm": ("before", "after")},
    seeds=10,
    judge=judge,
    timing=False,  # the verdict is on epochs and accuracy, not wall-clock time
    words={"activation": "{}", "norm": "BN {}"},  # 'elu, BN after vs BN before'
    scales={
        # ci: one activation, 2 seeds, 10 epochs: that both placements train and the rows are built.
        "ci": {"seeds": 2, "max_epochs": 10, "grid": {"activation": ("elu",)}},
        "nightly": {"seeds": 10, "grid": {"activation": ("relu", "elu", "tanh", "sigmoid", "selu")}},
    },
)
