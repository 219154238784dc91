"""Max-norm regularization: capping each unit's incoming weight vector at L2 norm r shrinks the generalization gap,
the more the smaller r, alone and with dropout.

Source: Srivastava et al. 2014 (max-norm with dropout: MNIST error 1.25% -> 1.06%; max-norm lets dropout nets take
large learning rates); the chapter ("reducing r increases the amount of regularization").

Setup (as bn-regularization): scikit-learn's digits with 80% held out (359 training, 1438 validation digits),
4 hidden layers of 256 ReLU units (He init), Nesterov momentum lr 0.01, batch 32, a fixed 40 epochs
(stop_at_target off), the whole training split evaluated each epoch in eval mode (eval_train). He init starts
each row near norm sqrt(2) = 1.41 and unconstrained rows end near 1.8 (calibration, 1 seed), so r = 1.5 binds
a little, 1.0 and 0.5 clearly. Gap = validation loss - training loss at the last epoch (cross-entropy, nats;
bn-regularization's LossGap callback): the loss gap does not saturate as the accuracy gap does.

Grid: dropout (0, 0.3) x max_norm r (0 = off, 1.5, 1.0, 0.5) x 6 seeds. Verdict per dropout level, paired by seed
(median over seeds, exact 95% interval), thresholds fixed in advance:
- "max-norm shrinks the train-validation loss gap":   gap difference r - off < 0, for each r
- "a smaller r regularizes more":                     gap difference r 0.5 - r 1.5 < 0
"""
from harness.config import RunConfig
from harness.measures import column
from harness.rules import paired_verdicts
from harness.suite import Suite
from harness.verdict import DifferenceStatement
from suites.bn_regularization import run  # noqa: F401  (one training run with the LossGap callback)

GAP = column("gap/loss")
SHRINKS = DifferenceStatement("max-norm shrinks the train-validation loss gap", "loss gap difference (nats)", GAP, "<")
SMALLER = DifferenceStatement("a smaller r regularizes more", "loss gap difference (nats)", GAP, "<")
LARGE_R, SMALL_R = 1.5, 0.5


def judge(runs):
    verdicts = paired_verdicts(runs, [SHRINKS], "max_norm", 0.0, ["dropout"])
    return verdicts + paired_verdicts(runs, [SMALLER], "max_norm", LARGE_R, ["dropout"], levels=[SMALL_R])


SUITE = Suite(
    name="max-norm",
    claim="max-norm regularizes: a smaller train-validation loss gap, smaller still for a smaller r, alone and with dropout",
    source="Srivastava et al. 2014; Geron, Hands-On ML, ch. 'Training Deep Neural Networks' (max-norm)",
    base=RunConfig.chapter_recipe(val_fraction=0.8, depth=4, width=256, activation="relu", max_epochs=40,
                                  stop_at_target=False, eval_train=True, threads=1),
    grid={"dropout": (0.0, 0.3), "max_norm": (0.0, LARGE_R, 1.0, SMALL_R)},
    seeds=6,
    judge=judge,
    timing=False,  # losses, not seconds
    run=run,
    # ci: no dropout, r off / 1.5 / 0.5, 10 epochs
    scales={"ci": {"seeds": 3, "max_epochs": 10, "grid": {"dropout": (0.0,), "max_norm": (0.0, LARGE_R, SMALL_R)}},
            "nightly": {"seeds": 12, "width": 1024}},
)
