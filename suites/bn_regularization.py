"""Batch norm acts as a regularizer: a smaller gap between training and validation loss.

Source: Ioffe & Szegedy 2015 (BN-Inception without dropout did not overfit more; the noise of
batch statistics regularizes); the chapter: "BN also acts like a regularizer, reducing the need
for other regularization techniques".

Setup: a small training set and an oversized net. scikit-learn's digits with 80% held out for
validation (359 training digits, 1438 validation digits); 4 hidden layers of 256 ReLU units (He
init), about 215k weights, ~600 per training example; Nesterov momentum lr 0.01, batch 32; a fixed
budget of 40 epochs (stop_at_target off); no dropout, no weight decay. The whole training split is
evaluated each epoch in eval mode, outside the timed region (eval_train).

Gap = validation loss - training loss (cross-entropy in nats, both in eval mode). Not the accuracy
gap: training accuracy is 1.0 in every run, so an accuracy gap difference is just minus the
validation accuracy difference, one effect counted twice; the loss gap does not saturate.
BN also fits faster, and a net that fits sooner has longer to overfit within a fixed budget, so
the gap is also compared at matched training loss: at the first epoch whose training loss is
<= MATCH_LOSS = 0.1 nats (mean probability of the right class ~0.9: both arms get there well
inside the budget), recorded per run by the LossGap callback (harness.LossGap) as gap/loss_at_match.

Grid: norm (none, before, after) x 9 seeds. Verdict (effect = median over seeds; exact 95%
interval over seeds):
- premise, "without BN the oversized net overfits": no-BN loss gap at the last epoch > 0.1 nats
- per BN placement against none, paired by seed:
  "BN shrinks the train-validation loss gap":        gap difference BN - none < 0 (last epoch)
  "BN shrinks the gap at matched training loss":     gap/loss_at_match difference BN - none < 0
  "BN raises validation accuracy":                   final validation accuracy difference > 0
supported when the interval lies wholly on the claimed side, refuted when wholly on the other.
"""
from harness import (Curves, DifferenceStatement, LOSS_GAP, LOSS_GAP_AT_MATCH, LossGap, RunConfig, Suite,
                     TRAIN_EVAL_LOSS, ThresholdStatement, VAL_ACC, VAL_LOSS, column, final_val_acc, paired_verdicts,
                     threshold_verdicts)

MATCH_LOSS = 0.1  # nats of training cross-entropy at which the arms are compared
OVERFIT_MARGIN = 0.1  # nats of validation minus training loss
GAP = column(LOSS_GAP)
STATEMENTS = [
    DifferenceStatement("BN shrinks the train-validation loss gap", "loss gap difference (last epoch)", GAP, "<"),
    DifferenceStatement("BN shrinks the gap at matched training loss",
                        f"loss gap difference at train loss <= {MATCH_LOSS}", column(LOSS_GAP_AT_MATCH), "<"),
    DifferenceStatement("BN raises validation accuracy", "final val acc difference", final_val_acc, ">"),
]
PREMISE = ThresholdStatement("without BN the oversized net overfits", "val - train loss gap (nats)", GAP, ">",
                             OVERFIT_MARGIN, where=(("norm", "none"),))


def judge(runs):
    return threshold_verdicts(runs, [PREMISE], ["norm"]) + paired_verdicts(runs, STATEMENTS, "norm", "none", ["activation"])


SUITE = Suite(
    name="bn-regularization",
    claim="BN regularizes: a smaller train-validation loss gap on a small training set with an oversized net",
    source="Ioffe & Szegedy 2015; Geron, Hands-On ML, ch. 'Training Deep Neural Networks' (BN section)",
    base=RunConfig.chapter_recipe(val_fraction=0.8, depth=4, width=256, activation="relu", max_epochs=40,
                                  target_metric=VAL_ACC, target_value=0.9, stop_at_target=False, eval_train=True,
                                  threads=1),
    grid={"norm": ("none", "before", "after")},
    seeds=9,
    judge=judge,
    timing=False,  # the verdict is on losses and accuracies, not wall-clock time
    callbacks=(LossGap(MATCH_LOSS),),  # every run logs gap/loss per epoch, and gap/loss_at_match
    words={"norm": {"none": "no BN", "before": "BN before", "after": "BN after"}},
    # the claim is about the gap: validation and training loss (the whole training set, eval mode) together
    curves=Curves(metric=VAL_LOSS, label="loss (nats)", train=TRAIN_EVAL_LOSS),
    scales={
        # ci: BN before against none, 2 seeds, 20 epochs: enough for both nets to fit their training set.
        "ci": {"seeds": 2, "max_epochs": 20, "grid": {"norm": ("none", "before")}},
        "nightly": {"seeds": 10, "width": 1024},
    },
)
