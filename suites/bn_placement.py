"""BN just before or just after each hidden activation: neither placement is a consistent winner.

Source: the chapter, which leaves the placement open ("some authors argue it is better before the
activation, others after: experiment"); the BN paper (Ioffe & Szegedy 2015) puts it before. No
source figure, so the claim judged is the chapter's agnostic one, and a consistent winner refutes it.

Grid: activation (relu, elu, tanh) x norm (before, after) x 5 seeds; 20 hidden layers of 100
units on scikit-learn's digits with the chapter's deep-net recipe (Nesterov momentum, lr 0.01,
batch 32); equal budget of 25 epochs (stop_at_target off); target 0.93 validation accuracy (below
the ~0.96 plateau, so epochs to target measure learning speed, not noise at the ceiling).

Verdict per activation, "after" against "before", paired by seed (effect = median over seeds; 95%
bootstrap interval over seeds). Equivalence margins, fixed in advance:
- "no consistent winner in epochs":   epochs-to-target ratio after/before within [0.8, 1.25]
  (the 0.80-1.25 band of bioequivalence testing)
- "no consistent winner in accuracy": final validation accuracy after - before within +-0.01
  (one percentage point, ~3.6 of the 359 validation digits)
supported when the interval lies inside the band, refuted when it lies wholly outside it (one
placement wins by more than the margin in every resample), inconclusive otherwise.
"no consistent winner for any activation": all rows (refuted if any row is).
"""
from harness.bounds import WITHIN_DIFFERENCE, WITHIN_RATIO
from harness.config import RunConfig
from harness.measures import epochs_to_target, final_val_acc
from harness.rules import paired_verdicts
from harness.suite import Suite
from harness.verdict import PairedStatement, all_of

STATEMENTS = [
    PairedStatement("no consistent winner in epochs", "epochs-to-target ratio", epochs_to_target,
                    WITHIN_RATIO, 1.25),
    PairedStatement("no consistent winner in accuracy", "final val acc difference", final_val_acc,
                    WITHIN_DIFFERENCE, 0.01, compare="difference"),
]


def judge(runs):
    rows = paired_verdicts(runs, STATEMENTS, factor="norm", baseline="before", group_by=["activation"])
    return [*rows, all_of(rows, "no consistent winner for any activation", "every activation, after vs before")]


SUITE = Suite(
    name="bn-placement",
    claim="BN before vs after the activation: no consistent winner",
    source="Geron, Hands-On ML, ch. 'Training Deep Neural Networks' (BN section); Ioffe & Szegedy 2015 place it before",
    base=RunConfig.chapter_recipe(max_epochs=25, target_metric="val/acc", target_value=0.93, stop_at_target=False, threads=1),
    grid={"activation": ("relu", "elu", "tanh"), "norm": ("before", "after")},
    seeds=5,
    judge=judge,
    timing=False,  # the verdict is on epochs and accuracy, not wall-clock time
    scales={
        # ci: one activation, 2 seeds, 10 epochs: that both placements train and the rows are built.
        "ci": {"seeds": 2, "max_epochs": 10, "grid": {"activation": ("elu",)}},
        "nightly": {"seeds": 10, "grid": {"activation": ("relu", "elu", "tanh", "sigmoid", "selu")}},
    },
)
