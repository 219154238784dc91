"""Batch norm acts as a regularizer: a smaller gap between training and validation accuracy.

Source: Ioffe & Szegedy 2015 (BN-Inception without dropout did not overfit more; the noise of
batch statistics regularizes); the chapter: "BN also acts like a regularizer, reducing the need
for other regularization techniques".

Setup: a small training set and an oversized net. scikit-learn's digits with 80% held out for
validation (359 training digits, 1438 validation digits); 4 hidden layers of 256 ReLU units (He
init), about 215k weights, ~600 per training example; Nesterov momentum lr 0.01, batch 32; a fixed
budget of 40 epochs (stop_at_target off); no dropout, no weight decay. Accuracy on the whole
training split is evaluated each epoch in eval mode, outside the timed region (eval_train).

Grid: norm (none, before, after) x 5 seeds. Gap = training accuracy - validation accuracy at the
last epoch.

Verdict (effect = median over seeds; 95% bootstrap interval over seeds):
- "without BN the oversized net overfits" (the premise): gap of the no-BN runs > 0.02
- per BN placement against none, paired by seed:
  "BN shrinks the train-validation gap":  gap difference BN - none < 0
  "BN raises validation accuracy":        final validation accuracy difference BN - none > 0
supported when the interval lies wholly on the claimed side, refuted when wholly on the other.
"""
from harness.config import RunConfig
from harness.measures import final_val_acc, train_val_gap
from harness.rules import paired_verdicts
from harness.suite import Suite
from harness.verdict import PairedStatement, Rule, verdict_from_bounds

STATEMENTS = [
    PairedStatement("BN shrinks the train-validation gap", "gap difference", train_val_gap, "<", 0.0,
                    compare="difference"),
    PairedStatement("BN raises validation accuracy", "final val acc difference", final_val_acc, ">", 0.0,
                    compare="difference"),
]
OVERFIT_MARGIN = 0.02  # two percentage points of train-validation gap

PREMISE = Rule("without BN the oversized net overfits", "train-val acc gap", ">", OVERFIT_MARGIN)


def judge(runs):
    plain = runs[runs["norm"] == "none"]
    gaps = [train_val_gap(r).value for _, r in plain.iterrows()]
    premise = verdict_from_bounds(PREMISE, "norm none", gaps, gaps, gaps)
    return [premise, *paired_verdicts(runs, STATEMENTS, "norm", "none", ["activation"])]


SUITE = Suite(
    name="bn-regularization",
    claim="BN regularizes: a smaller train-validation gap on a small training set with an oversized net",
    source="Ioffe & Szegedy 2015; Geron, Hands-On ML, ch. 'Training Deep Neural Networks' (BN section)",
    base=RunConfig.chapter_recipe(val_fraction=0.8, depth=4, width=256, activation="relu", max_epochs=40, target_metric="val/acc", target_value=0.9,
                   stop_at_target=False, eval_train=True, threads=1),
    grid={"norm": ("none", "before", "after")},
    seeds=5,
    judge=judge,
    timing=False,  # the verdict is on accuracies, not wall-clock time
    scales={
        # ci: BN before against none, 2 seeds, 20 epochs: enough for the no-BN net to memorize its training set.
        "ci": {"seeds": 2, "max_epochs": 20, "grid": {"norm": ("none", "before")}},
        "nightly": {"seeds": 10, "width": 1024},
    },
)
