"""Nesterov accelerated gradient is almost always faster than plain momentum, the more so at large momentum.

Source: the chapter ("NAG is generally faster than regular momentum optimization"); Sutskever et
al. 2013 (deep autoencoders: Nesterov tolerated larger momentum values, recalled, not checked).

Grid: optimizer momentum (heavy ball) vs nesterov x beta 0.9, 0.95, 0.99; 3 hidden ReLU layers of
64 (He init) on MNIST-1D (4000 train / 1000 validation), batch 64, target 0.55 val acc within 20
epochs. Each (optimizer, beta) is tuned on the same 3-point grid of effective learning rates
lr/(1-beta) in {0.1, 0.3, 1} (so the grid follows the terminal step, lr*g/(1-beta), instead of
blowing up at beta 0.99), on held-out seeds (issue 23: until 2026-12-06 the judged seeds chose each
lr): seeds 0 and 1 choose the lr with the fewest median epochs to target (chosen on validation
accuracy, recorded in the row's label) and are never judged; medians within TIE = 1 epoch of the
fewest (the measure's resolution) are tied and the smallest lr of them is taken, a rule fixed before
any run. The target was fixed from a pilot on seeds
100-102 (never judged), 20 epochs without stopping: at the better effective lrs (0.3, 1) the curves
plateau at 0.58-0.63, crossed 0.55 in 5-12 epochs (17 once) and 0.6 only in about half the runs, so
0.55 sits below the plateau where the curve still climbs ~1-2 points per epoch. (On digits the
target 0.96 sat on the ~97% plateau: epochs to it were noise and censoring left the intervals open.)

Verdicts (median over the judged seeds 2, 3, ..., exact 95% interval; paired by seed, each arm at the lr seeds 0-1
chose; one look at 10 seeds, 8 judged pairs: a look's level is what its seed count can reach, 97.9% at 10 seeds,
and a held-out row has 2 pairs fewer; at 8 seeds (99.2%) its 6 pairs could never decide, measured: every row open):
- per beta: epochs-to-target ratio nesterov / momentum < 1 (a run that never reaches the target is
  censored at the whole 20-epoch budget);
- "at every beta": supported when every beta's row is, refuted only through a row refuted at the level corrected for
  the three (Bonferroni, harness.every_row: 1 - 0.05/3, which 7 pairs reach). (Until 2026-12-06 it was refuted when
  any row was: three chances of one row's error.) At the 8 judged pairs both levels give the [min, max] interval, so
  the two rules agree; they differ at nightly's 10 (all_of 0.9% false refutations there, every_row 0.0%).
"""
from harness import (RatioStatement, RunConfig, Suite, epochs_to_target, every_row, held_out_where_chosen, paired_verdicts,
                     tuned)

BETAS = (0.9, 0.95, 0.99)
EFFECTIVE_LRS = (0.1, 0.3, 1.0)  # lr / (1 - beta)
GRID_KEY = ("optimizer", "momentum", "lr")
POINTS = tuple((o, b, round(e * (1 - b), 6)) for o in ("momentum", "nesterov") for b in BETAS for e in EFFECTIVE_LRS)
TUNING_SEEDS = 2  # seeds 0, 1 choose each arm's lr and are never judged
TIE = 1.0  # epochs: held-out medians this close to the fewest are tied, and the smallest lr of them is taken
ARM = ["optimizer", "momentum"]
# Seed noise: sd over seeds of log epochs to 0.55, pooled over the 12 (optimizer, beta, lr) cells where all 6 seeds
# reached it (0.10-0.24 each), a default-scale run of the previous design (2026-12-06, AMD EPYC, load 8.4); the null
# tests draw with it.
NOISE = 0.17
FASTER = RatioStatement("Nesterov reaches the target in fewer epochs", "epochs-to-target ratio", epochs_to_target, "<")
EVERY = "Nesterov is faster at every momentum"


def judge(runs):
    # Each (optimizer, beta) at the lr seeds 0-1 chose; only the other seeds' runs come back. A grid with one lr per
    # arm (ci) leaves nothing to choose: every seed is judged.
    best = tuned(runs, ARM, epochs_to_target, select_on=held_out_where_chosen(runs, ARM, TUNING_SEEDS), within=TIE)
    def per_beta():
        return paired_verdicts(best, [FASTER], "optimizer", "momentum", ["momentum"])  # a row per beta
    # every beta judged; refuted by a row only at the level corrected for their number
    return [*per_beta(), every_row(per_beta, EVERY)]


SUITE = Suite(
    name="nesterov-vs-momentum",
    claim="Nesterov momentum reaches a target in fewer epochs than plain momentum, at every momentum value",
    source="Sutskever et al. 2013; Nesterov 1983; Geron, Hands-On ML, ch. 'Training Deep Neural Networks' (NAG)",
    base=RunConfig(dataset="mnist1d", depth=3, width=64, activation="relu", batch_size=64, max_epochs=20,
                   target_value=0.55, stop_at_target=True, threads=1),
    grid={GRID_KEY: POINTS},
    seeds=10,  # 2 choose the lrs, 8 are judged (see the docstring)
    max_seeds=10,  # one look; a ratio of epochs to 0.55 moves in steps of about 1/8
    judge=judge,
    timing=False,  # epochs, not seconds
    words={"optimizer": "{}", "momentum": "beta {:g}"},  # 'beta 0.9, nesterov vs momentum (tuned: lr 0.03 vs 0.03)'
    # ci: beta 0.9 and 0.99 at effective lr 0.3 only (no tuning: every seed judged), 2 seeds, 10 epochs.
    scales={"ci": {"seeds": 2, "max_epochs": 10,
                   "grid": {GRID_KEY: tuple(p for p in POINTS if p[1] in (0.9, 0.99) and p[2] == round(0.3 * (1 - p[1]), 6))}},
            "nightly": {"seeds": 12}},
)
