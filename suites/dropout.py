"""Dropout lowers the validation error of an oversized net, at each training-set size, and makes it converge slower.

Source: Srivastava et al. 2014 (MNIST error 1.60% -> 1.25% with dropout; SVHN 3.02% -> 2.55%); the chapter
("typically 10-50%", "1-2% accuracy boost", "dropout does tend to significantly slow down convergence",
about 2x more training).

Setup: MNIST-1D (digits is too easy for a gap to show), 3 hidden layers of 256 ReLU units (He init; ~140k
weights for 40 inputs), Adam, batch 64, a fixed budget of 40 epochs (stop_at_target off, so every
arm gets the same training). Training-set sizes: n_samples 1000 and 4000 with half held out (500 and 2000
training rows). Dropout rates 0 (baseline), 0.2 and 0.5 after every hidden block.
Convergence: the first epoch at a validation accuracy both arms reach in calibration runs (0.28 at 500
training rows, 0.40 at 2000: near the no-dropout net's best); a run that never gets there is censored at
the budget, so its ratio is a bound.

Each lr, no tuning: every (size, rate) runs at Adam lr 1e-3 and 3e-3, and each rate is compared with no dropout at
the same lr (a row per lr). Issue 23: choosing each arm's lr on the seeds then judged (the best median final
accuracy, as until 2026-12-06) picks the lr on the judged seeds' own noise; a row per lr keeps each verdict on runs
no choice has seen, and the 3e-3 rows still give dropout the larger rate it wants (Srivastava et al. note dropout
nets want larger rates). The grid was fixed from a pilot on seeds 100-101 (never judged) over {3e-4, 1e-3, 3e-3}:
3e-4 was lower for every arm, and 3e-3 helped dropout most (rate 0.5 at 2000 rows: 0.40 at 1e-3, 0.47 at 3e-3;
rate 0: 0.51 and 0.53).

Grid: (n_samples, target) x rate x lr x 6 seeds. Verdict per size, lr and rate, paired by seed against rate 0 at
that lr (median over seeds, exact 95% interval); thresholds fixed in advance:
- "dropout lowers the validation error":   final validation error ratio dropout / none < 1
- "dropout converges slower":              epochs-to-target ratio dropout / none > 1 (the chapter: about 2)
"""
import pandas as pd

from harness import (Curves, FINAL_VAL_ACC, Measured, RatioStatement, RunConfig, Suite, VAL_ACC, epochs_to_target,
                     paired_verdicts)


def val_error(row: pd.Series) -> Measured:
    """1 - final validation accuracy (the budget is fixed, so every arm is judged after the same epochs)."""
    return Measured(1.0 - float(row[FINAL_VAL_ACC]))


STATEMENTS = [
    RatioStatement("dropout lowers the validation error", "final val error ratio", val_error, "<"),
    RatioStatement("dropout converges slower", "epochs-to-target ratio", epochs_to_target, ">"),
]
SIZES = ("n_samples", "target_value")
LR, LRS = 1e-3, (1e-3, 3e-3)  # Adam; LR alone at CI scale
# Seed noise, sd over seeds per (size, rate, lr) cell, a default-scale run (2026-12-06, AMD EPYC, load 10-15, 6-12
# seeds): final val acc 0.014 pooled (0.005-0.021), log epochs to target 0.19 pooled (0.0-0.37, reached runs). The
# null tests draw with the largest cell's of each.
NOISE = (0.021, 0.37)


GROUP = [*SIZES, "lr"]  # each rate against no dropout at the same training-set size and lr


def judge(runs):
    return paired_verdicts(runs, STATEMENTS, "dropout", 0.0, GROUP)


BASE = RunConfig(dataset="mnist1d", val_fraction=0.5, depth=3, width=256, activation="relu", optimizer="adam",
                 lr=LR, batch_size=64, max_epochs=40, stop_at_target=False, target_metric=VAL_ACC, threads=1)


SUITE = Suite(
    name="dropout",
    claim="dropout lowers an oversized net's validation error at each training-set size, and converges slower (~2x epochs)",
    source="Srivastava et al. 2014; Geron, Hands-On ML, ch. 'Training Deep Neural Networks' (dropout)",
    base=BASE,
    grid={SIZES: ((1000, 0.28), (4000, 0.40)), "dropout": (0.0, 0.2, 0.5), "lr": LRS},
    seeds=6,
    judge=judge,
    timing=False,  # epochs and errors, not seconds
    # '500 rows, lr 0.003, dropout 0.5 vs no dropout': training rows; the target goes with the size, unsaid
    words={"n_samples": lambda n: f"{round(n * (1 - BASE.val_fraction))} rows", "target_value": None,
           "dropout": lambda p: f"dropout {p:g}" if p else "no dropout", "lr": "lr {:g}"},
    curves=Curves(label="validation error", error=True),  # the claim is about error: 1 - accuracy
    # ci: 500 training rows, rates 0 and 0.5 at lr LR only, 12 epochs
    scales={"ci": {"seeds": 3, "max_epochs": 12, "grid": {SIZES: ((1000, 0.28),), "dropout": (0.0, 0.5), "lr": (LR,)}},
            "nightly": {"seeds": 12, "max_epochs": 80,
                        "grid": {SIZES: ((1000, 0.28), (2000, 0.35), (4000, 0.40), (10000, 0.5))}}},
)
