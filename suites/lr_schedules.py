"""Learning-rate schedules beat a constant rate at each lr of a common grid, and 1cycle reaches in budget B what a step schedule needs 2B for.

Source: the chapter (power, exponential, piecewise constant, performance scheduling and 1cycle;
"exponential and performance scheduling both work", qualitative); Senior et al. 2013; Smith 2018 and
Smith & Topin 2019 (1cycle on CIFAR-10: 91.9% in 100 epochs vs 90.3% in 800 with a step schedule).

Setting: MNIST-1D (4000 train / 1000 validation), 3 hidden ReLU layers of 64 (He init), Nesterov
momentum 0.9 (the chapter's recipe), batch 64, budget B = 10 epochs, no early stop (target 0.6
recorded). (On digits every schedule sat within a validation example or two of ~97%; on MNIST-1D a
constant rate is still climbing at 10 epochs, ~0.6, and piecewise at 2B reaches ~0.67.) Schedule
parameters fixed in advance from the budget (harness.nn.schedules): power s = 1 epoch, c = 1 (lr/11 at the
end); exponential s = B (10x lower at the end); piecewise x0.1 after epochs 5 and 8; performance x0.5
after every epoch without a lower val/loss (patience 0: in the pilot below, at patience 1 or 2 it never
fired at lr 0.03-0.1 within 10 epochs, the constant rate under another name); 1cycle from lr/10 to lr
(the peak) and back, then 1000x down. Every schedule runs at each lr of one grid {0.03, 0.1, 0.3} (for 1cycle, the
peak) and is compared with constant at the same lr, a row per lr: no choice of lr. Issue 23: until 2026-12-06 the
judged seeds chose each schedule's lr (the best of three noisy medians); choosing on held-out seeds (seeds 0-1, ties
within a point to the smaller lr) then failed its null: with every schedule exactly like constant on the pilot's
landscape (0.59, 0.61, 0.60), 2-seed medians a point or two apart pick different lrs for the two arms, and their
judged runs then differ for real, at those lrs: 1cycle against the step schedule read refuted in 4.5% and
supported in 4.1% of simulated invocations (bound 2.5%). A row per lr keeps every verdict on runs no choice has
seen. The grid was fixed from a pilot on seeds 100-102 (never judged): over {0.01, 0.03, 0.1, 0.3} every schedule's best
median was at 0.1 (1cycle 0.64, performance at patience 0 0.64, piecewise 0.61, exponential 0.61,
constant 0.60, power 0.58); 0.3 was lower for every schedule and 0.01 never within 5 points, so the grid
brackets the optimum. Also piecewise at 2B = 20 epochs (x0.1 after epochs 10 and 16), on the same grid
way. Epochs, not seconds: the machine is shared, and every schedule's per-step cost is the same LambdaLR
or plateau step.

Verdicts per lr, paired by seed, both arms at that lr, one look at 8 seeds. Two questions apart, each rule fixed
before any run (issue 23: at lr 0.3 the constant rate never trains, stuck near chance (0.1) in 8 of 8 seeds, and
the step schedule at 2B in 7 of 8, so "beats a constant lr" and "1cycle matches the step schedule" read supported
there by construction, +0.31 to +0.42 against nets that learned nothing; bn-walltime's rescue rows answer alike):
- Rescue, per schedule and lr vs constant at B, "the schedule rescues training a constant lr cannot", and per lr
  "1cycle at B trains where a step schedule at 2B cannot": per seed, did only the schedule train? A run trained when
  its final val acc is at least TRAINED = 0.3, fixed from the 2026-12-06 default-scale run's cells, not its pairs:
  the stuck runs ended at 0.09-0.21 (the step schedule's eighth seed at 0.36), every other run at 0.35 or more
  (piecewise at B, lr 0.3, the lowest: 0.35-0.50). Effect = the share of seeds where only the schedule trained, with
  its exact (Clopper-Pearson) interval; claimed > 1/2 (harness.rescue_verdicts: the sign test; at 8 seeds supported
  only at 8 of 8, refuted only at 0 of 8). Refuted where the baseline trains as well (both arms train, or both fail,
  in most seeds): the rows below then answer.
- Where both arms trained (harness.PairFilter; the note gives how many of how many seeds): per schedule and lr vs
  constant at B, final val acc difference > 0; per lr, 1cycle at B vs piecewise at 2B, final val acc difference
  > -0.01 (non-inferior within one point). Median over seeds, exact 95% interval; with fewer such seeds than an
  interval needs (6) the row is inconclusive and its note says so.
"""
import pandas as pd

from harness import (DifferenceStatement, PairFilter, RunConfig, Subject, Suite, final_val_acc, paired_verdicts,
                     rescue_rule, rescue_verdicts)

B = 10
LRS = (0.03, 0.1, 0.3)
GRID_KEY = ("schedule", "max_epochs", "milestones", "decay_epochs", "decay_factor", "lr")
SCHEDULES = (("constant", B, "", 10.0, 0.1), ("power", B, "", 1.0, 0.1), ("exponential", B, "", float(B), 0.1),
             ("piecewise", B, "5,8", 10.0, 0.1), ("performance", B, "", 10.0, 0.5), ("1cycle", B, "", 10.0, 0.1),
             ("piecewise", 2 * B, "10,16", 10.0, 0.1))
POINTS = tuple((*s, lr) for s in SCHEDULES for lr in LRS)
TRAINED = 0.3  # final val acc: a run at least this accurate trained at all (the module docstring; chance is 0.1)


def trains(row) -> bool:
    """Whether the run trained at all: its final val acc at least TRAINED (a net stuck near chance did not)."""
    return final_val_acc(row).value >= TRAINED


TRAINS_SAID = f"trained (final val acc >= {TRAINED:g})"
BOTH_TRAINED = PairFilter(trains, f"both arms {TRAINS_SAID}")
RESCUE = rescue_rule("the schedule rescues training a constant lr cannot", "share of seeds only the schedule trained")
BETTER = DifferenceStatement("the schedule beats a constant lr where both train", "final val acc difference",
                             final_val_acc, ">")
# Seed noise: sd over seeds of the final val acc per (schedule, budget, lr) cell, a default-scale run (2026-12-06, AMD
# EPYC, load 10-15, 8 seeds): 0.013-0.031 where the net trains, 0.05-0.1 where it diverges (constant and piecewise at
# 2B at lr 0.3), 0.032 pooled; the null tests draw with the pooled figure.
NOISE = 0.03
CYCLE_RESCUE = rescue_rule("1cycle at B trains where a step schedule at 2B cannot",
                           "share of seeds only 1cycle trained")
ONE_CYCLE = DifferenceStatement("1cycle at B matches a step schedule at 2B where both train",
                                "final val acc difference", final_val_acc, ">", -0.01)


def judge(runs):
    at_b = runs[runs.max_epochs == B]
    verdicts = []
    if (at_b.schedule == "constant").any():  # each schedule against constant at the same lr: rescue, both-train rows
        others = [s for s in dict.fromkeys(at_b.schedule) if s != "constant"]
        verdicts += rescue_verdicts(at_b, RESCUE, "schedule", "constant", ["max_epochs", "lr"], reached=trains,
                                    said=TRAINS_SAID)
        verdicts += paired_verdicts(at_b, [BETTER], "schedule", "constant", ["max_epochs", "lr"], levels=others,
                                    only=BOTH_TRAINED)
    cycle = (runs.schedule == "1cycle") & (runs.max_epochs == B)
    step = (runs.schedule == "piecewise") & (runs.max_epochs == 2 * B)
    if cycle.any() and step.any():  # 1cycle at B against piecewise at 2B, at the same lr (1cycle's peak)
        pair = runs[cycle | step]
        arms = pd.Series([Subject(schedule=s, max_epochs=e) for s, e in zip(pair.schedule, pair.max_epochs)],
                         index=pair.index, dtype=object)
        pair, step_arm = pair.assign(arm=arms), Subject(schedule="piecewise", max_epochs=2 * B)
        verdicts += rescue_verdicts(pair, CYCLE_RESCUE, "arm", step_arm, ["lr"], reached=trains, said=TRAINS_SAID)
        verdicts += paired_verdicts(pair, [ONE_CYCLE], "arm", step_arm, ["lr"], only=BOTH_TRAINED)
    return verdicts


SUITE = Suite(
    name="lr-schedules",
    claim="power, exponential, piecewise, performance and 1cycle schedules beat a constant lr at the same lr; "
          "1cycle in budget B matches a step schedule in 2B; where the constant lr cannot train, a schedule rescues it",
    source="Senior et al. 2013; Smith 2018; Smith & Topin 2019; Geron, Hands-On ML, ch. 'Training Deep Neural Networks' "
           "(learning rate scheduling)",
    base=RunConfig(dataset="mnist1d", depth=3, width=64, activation="relu", optimizer="nesterov", batch_size=64,
                   max_epochs=B, stop_at_target=False, target_value=0.6, patience=0, threads=1),
    grid={GRID_KEY: POINTS},
    seeds=8,
    max_seeds=8,  # one look: 8 pairs bound a 95% interval tighter than [min, max]; paired differences spread ~0.03
    judge=judge,
    timing=False,  # epochs and accuracy; every schedule's per-step cost is the same scheduler step
    # 'in 10 epochs, lr 0.1, exponential vs constant', 'lr 0.1, 1cycle in 10 epochs vs piecewise in 20 epochs'
    # runs: 'piecewise, in 10 epochs, milestones 5,8, lr 0.1' (a schedule's own decay settings unsaid: one set each)
    words={"schedule": "{}", "max_epochs": "in {} epochs", "lr": "lr {:g}",
           "milestones": lambda m: f"milestones {m}" if m else "", "decay_epochs": lambda e: "",
           "decay_factor": lambda f: ""},
    # ci: constant vs exponential vs 1cycle at lr 0.1, 2 seeds.
    scales={"ci": {"seeds": 2,
                   "grid": {GRID_KEY: tuple(p for p in POINTS if p[0] in ("constant", "exponential", "1cycle")
                                            and p[-1] == 0.1)}},
            "nightly": {"seeds": 12}},
)
