"""Batch norm allows much higher learning rates, and with them fewer epochs to a target.

Source: Ioffe & Szegedy 2015 (BN-x5, five times the learning rate, reached the baseline accuracy
in 14x fewer steps; at that rate the plain network diverged); Bjorck et al. 2018 and Santurkar et
al. 2018 on why. As the chapter puts it: "you can use much larger learning rates".

Grid: norm (none, before) x learning rate on a half-decade log grid (0.01 ... 3) x 6 seeds; 20
hidden layers of 100 ReLU units (He init) on scikit-learn's digits; plain SGD (no momentum, so the
grid value is the step size), batch 32, at most 20 epochs; target 0.90 validation accuracy.

"Stable", defined up front: the run reached the target within its 20 epochs, i.e. it neither
diverged (NaN/inf loss) nor stalled. Per seed, the largest stable learning rate on the grid; when
the grid's top is stable the true value may be higher (upper bound open), when nothing is stable
it lies below the grid.

Verdict, BN against no BN, paired by seed (effect = median over seeds; exact 95% order-statistic interval over
seeds, bounds carried through):
- "BN allows higher learning rates": largest stable lr ratio BN / none > 1 (at least one grid step)
- "BN at its best lr needs fewer epochs": epochs to target at each arm's fastest grid lr, ratio
  BN / none < 1 (Ioffe & Szegedy's comparison: each network at the rate that suits it). The fastest lr is
  the one with the smallest median over seeds (ties: the smaller lr), the same lr for every seed of the arm
  (harness.tuned); each seed's own fastest lr was the minimum of a few noisy cells, which favours an arm
  fast at several rates: with BN fast at three lrs and no BN at one, both equally fast there, it read
  "supported" in 4.8% of simulated invocations, against 0.7% now (tests/suites/test_null_a.py)
- per learning rate, "BN needs fewer epochs at this lr": epochs-to-target ratio BN / none < 1
  (a run that did not reach the target, diverged ones included, is censored at the whole 20-epoch
  budget, so its ratio is a bound)
supported when the interval lies wholly on the claimed side, refuted when wholly on the other.
The first two rows reduce each seed's grid (its largest stable lr, its fastest lr): they read only the
seeds that have the whole grid (harness.whole_grid), so a seed added at a later look behind a few
cells cannot give a largest stable lr of 0.03 because the higher rates were never run for it.
"""
from harness import (Arms, CONVERGED, PairedStatement, Rule, RunConfig, Suite, VAL_ACC, epochs_to_target,
                     largest_passing_ratio_verdict, paired_verdicts, tuned, whole_grid)

LRS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
FEWER_EPOCHS = PairedStatement("BN needs fewer epochs", "epochs-to-target ratio", epochs_to_target,
                               "<", 1.0)

BEST = PairedStatement("BN at its best lr needs fewer epochs", "epochs-to-target ratio", epochs_to_target,
                       "<", 1.0)


def stable(row) -> bool:
    """Reached the target within the budget: neither diverged nor stalled."""
    return row[CONVERGED] == 1

# Seed noise: sd of log epochs to target per run, 0.16-0.26 in the cells where all 6 seeds reached the target (0.43 at
# BN's edge, lr 1), measured at default scale on 2026-12-06 (AMD EPYC, 6 seeds); the null tests draw with it.
NOISE = 0.22

HIGHER_LR = Rule("BN allows higher learning rates", "largest stable lr ratio", ">", 1.0)


def judge(runs):
    whole = whole_grid(runs, ["norm", "lr"])  # the grid reductions read seeds with every (norm, lr) cell only
    headline = largest_passing_ratio_verdict(whole, "lr", stable, Arms("norm", "before", "none"), HIGHER_LR)
    fastest = tuned(whole, ["norm"], epochs_to_target, "lr")  # each arm at the lr of its best median over seeds
    best = paired_verdicts(fastest, [BEST], "norm", "none", [])
    per_lr = paired_verdicts(runs, [FEWER_EPOCHS], "norm", "none", ["lr"])
    return [headline, *best, *per_lr]


SUITE = Suite(
    name="bn-learning-rate",
    claim="BN allows higher learning rates, and reaches the target in fewer epochs at them",
    source="Ioffe & Szegedy 2015; Bjorck et al. 2018; Santurkar et al. 2018; Geron, Hands-On ML (BN section)",
    base=RunConfig(dataset="digits", depth=20, width=100, activation="relu", optimizer="sgd", batch_size=32,
                   max_epochs=20, target_metric=VAL_ACC, target_value=0.90, stop_at_target=True, threads=1),
    grid={"norm": ("none", "before"), "lr": LRS},
    seeds=6,
    judge=judge,
    timing=False,  # the verdict is on stability and epochs, not wall-clock time
    words={"norm": {"before": "BN", "none": "no BN"}, "lr": "lr {:g}"},  # 'lr 0.3, BN vs no BN'
    scales={
        # ci: the rate where only BN trains (BN reaches 0.9 in 4-7 epochs, no BN never), 10 epochs, 2 seeds:
        # the structure (intervals stay open).
        "ci": {"seeds": 2, "max_epochs": 10, "grid": {"lr": (0.3,)}},
        "nightly": {"seeds": 10, "grid": {"lr": (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)}},
    },
)
