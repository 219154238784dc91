"""l2 regularization equals weight decay only for SGD; with Adam they differ, and decoupled decay (AdamW) does better.

Source: Loshchilov & Hutter 2019 (decoupled weight decay improved Adam's test error, by roughly 15%
relative on their image tasks, recalled, not checked; it also decouples the best decay from the
learning rate); the chapter ("use AdamW"). PyTorch's AdamW multiplies the decay by the lr
(w <- w - lr*wd*w): the paper's per-step decay d is lr * weight_decay, which is how the grid is set.

Two parts, through the real torch optimizers (harness.nn.optimizers):
1. One-step algebra (exact, float64, 100 weights and a gradient drawn per seed, lr 0.01, decay 0.1):
   SGD with l2 in the gradient vs the decoupled step w(1 - lr*decay) - lr*g; Adam with l2
   (Adam's weight_decay) vs AdamW. Gap = |difference of the two new weights| / |the step|.
2. Training: 3 hidden ReLU layers of 256 (He init) on digits with half held out (898 training rows,
   so regularization matters), batch 32, a fixed 20 epochs; Adam+l2 with l2 and AdamW with per-step
   decay d (weight_decay = d / lr) on the same half-decade grid 3e-4 ... 3e-2, each at lr 3e-4 and
   3e-3 (a decade apart, so a best decay that follows 1/lr moves by two grid points): the same
   10-cell budget each. The error-ratio row compares each method at its tuned cell, tuned on held-out
   seeds (harness.judge.tuning, select_on): seeds 0 and 1 choose each method's (lr, decay) cell, the one
   with the highest median final val acc, ties within TIE (accuracy) going to the first cell in grid
   order (the smaller lr, then the smaller decay), and are never judged in that row; seeds 2-8 are judged
   at the chosen cells (the cell is in the row's label). (Until 2026-12 the cell was chosen on the seeds
   then judged: the best of 10 noisy medians is biased in its method's favour, the more so the flatter its
   landscape; issue 23.) With one cell per method (ci) nothing is chosen and every seed is judged.
   (MNIST-1D would be a better test of generalization than digits.)
   The best decay at each lr is the grid value with the highest median final val acc over seeds
   (ties: the geometric mean of the tied values); its shift is |log10 best(3e-3) - log10 best(3e-4)|,
   in decades (a best decay at a grid edge may lie beyond it: the shift is then a lower bound), with
   a seed-bootstrap interval calibrated on flat landscapes (harness.best_shift). (Until 2026-12 the
   shift was read per seed, the argmax of single noisy cells: with a decay that had no effect at all,
   "the best decay moves" read supported in 24% of simulated invocations; docs/null-checks.md.)
   The paired AdamW - Adam+l2 row still reads the shift per seed (the argmax of that seed's cells):
   under no effect both methods' per-seed shifts have one distribution, so the paired row is exact.
   Both shift rows read the landscape over all 9 seeds (they choose nothing for a later row: the landscape is
   the claim).

Verdicts (median over seeds, exact 95% interval):
- SGD forms: gap < 1e-12; Adam forms: gap > 0.01;
- final validation error (1 - acc) ratio AdamW / Adam+l2 at each one's cell tuned on seeds 0-1 < 1, paired by
  seed over seeds 2-8;
- premise: for Adam+l2 the best decay moves with the lr, shift of the median-best decay > 0.25
  decades (half a grid step);
- the best decay moves less for AdamW: shift difference AdamW - Adam+l2 < 0 decades, paired by seed.
"""
import numpy as np
import pandas as pd
import torch

from harness import (DifferenceStatement, FINAL_VAL_ACC, grid_cube, Measured, RatioStatement, Rule, RunConfig, Suite,
                     ThresholdStatement, best_shift, column, final_val_acc, make_optimizer, paired_verdicts,
                     threshold_verdicts, tuned, held_out_where_chosen)

ANALYTIC = "synthetic"  # the dataset field marks the algebra arm (no data read)
STEP_LR, STEP_DECAY, DIM = 0.01, 0.1, 100
LRS = (3e-4, 3e-3)
DECAYS = (3e-4, 1e-3, 3e-3, 1e-2, 3e-2)  # l2 for Adam+l2, per-step decay d for AdamW: half decades
TUNING_SEEDS = 2  # seeds 0, 1 choose each method's (lr, decay) cell for the error-ratio row and are never judged there
# Seed noise: sd over seeds of final val acc, 0.002-0.005 at the cells within 0.01 of the best (a default-scale run,
# 2026-12-06, AMD EPYC, 1 thread, load 10-15, 6 seeds): the null tests draw with 0.005.
NOISE = 0.005
TIE = 0.005  # final val acc: held-out medians this close to the best are tied, the first cell in grid order chosen.
#  One run's sd (NOISE), ~4 validation digits; the top cells of that run lay 0.002-0.004 apart, ties in all but name.


def gap(a: torch.Tensor, b: torch.Tensor, w0: torch.Tensor) -> float:
    return float((a - b).norm() / (a - w0).norm())


def one_step(config: RunConfig) -> dict:
    """Both forms of each optimizer from the same weights and gradient (seeded as a run is)."""
    w0, g = torch.randn(DIM, dtype=torch.float64), torch.randn(DIM, dtype=torch.float64)

    def step(name: str) -> torch.Tensor:
        w = torch.nn.Parameter(w0.clone())
        opt = make_optimizer([w], config.replace(optimizer=name, lr=STEP_LR, weight_decay=STEP_DECAY))
        w.grad = g.clone()
        opt.step()
        return w.detach()

    decoupled_sgd = w0 * (1 - STEP_LR * STEP_DECAY) - STEP_LR * g
    return {"sgd_gap": gap(step("sgd"), decoupled_sgd, w0), "adam_gap": gap(step("adam"), step("adamw"), w0)}


def val_error(row: pd.Series) -> Measured:
    return Measured(1.0 - float(row[FINAL_VAL_ACC]))


# Checks of the implementation (exact algebra through the real optimizers), not evidence for the claim: shown apart.
ALGEBRA = [ThresholdStatement("for SGD, l2 and weight decay are the same step", "relative gap", column("sgd_gap"), "<", 1e-12,
                              check=True),
           ThresholdStatement("for Adam, l2 and weight decay differ", "relative gap", column("adam_gap"), ">", 0.01,
                              check=True)]
LOWER_ERROR = RatioStatement("AdamW reaches a lower validation error than Adam+l2", "final val error ratio", val_error, "<")


SHIFT = column("decay_shift")
MOVES = Rule("for Adam+l2 the best decay moves with the lr", "shift of the best decay (decades)", ">", 0.25)
MOVES_LESS = DifferenceStatement("the best decay moves less with the lr for AdamW than for Adam+l2",
                                 "shift difference (decades)", SHIFT, "<")


def with_log_decay(task: pd.DataFrame) -> pd.DataFrame:
    """The task's runs with log_decay: log10 of the decay as gridded (l2 for Adam+l2, per-step d for AdamW)."""
    decay = np.where(task.optimizer == "adamw", task.lr * task.weight_decay, task.weight_decay)
    return task.assign(log_decay=np.round(np.log10(decay.astype(float)), 3))  # d = lr * (d / lr) to 6 digits


def decay_shifts(task: pd.DataFrame) -> pd.DataFrame:
    """Per seed and optimizer: |log10 best decay at the highest lr - at the lowest| (decades), the decay as gridded (l2 or d).

    Only seeds that have every (lr, decay) cell of the optimizer, each with a value, count: a seed added later
    behind a few cells (adaptive seeds) would otherwise pick its best from part of the grid.
    """
    task = with_log_decay(task)
    rows = []
    for (dataset, opt), runs in task.groupby(["dataset", "optimizer"], sort=True):
        lrs, decays = sorted(runs.lr.unique()), sorted(runs.log_decay.unique())
        if len(lrs) < 2:
            continue
        seeds, acc = grid_cube(runs, "seed", [("lr", lrs), ("log_decay", decays)], FINAL_VAL_ACC)
        whole = ~np.isnan(acc).any(axis=(1, 2))  # seeds with the whole grid, each cell with a value
        seeds, acc = [s for s, w in zip(seeds, whole) if w], acc[whole]  # (seeds, lrs, decays)
        top = acc == acc.max(axis=-1, keepdims=True)
        best = (top * np.asarray(decays)).sum(axis=-1) / top.sum(axis=-1)  # ties: the geometric mean of the tied decays
        rows += [dict(seed=seed, optimizer=opt, dataset=dataset, decay_shift=float(abs(b[-1] - b[0])))
                 for seed, b in zip(seeds, best)]
    return pd.DataFrame(rows, columns=["seed", "optimizer", "dataset", "decay_shift"])


def tuned_task(task: pd.DataFrame) -> pd.DataFrame:
    """Each method's digits runs at its (lr, decay) cell: chosen on seeds 0-1 and judged on the others where any
    method has a cell to choose; every seed at its single cell where none has (ci)."""
    arm, knob = ["dataset", "optimizer"], ["lr", "weight_decay"]
    return tuned(task, arm, final_val_acc, knob=knob, lower_is_better=False,
                 select_on=held_out_where_chosen(task, arm, TUNING_SEEDS, knob), within=TIE)


def judge(runs):
    algebra, task = runs[runs.dataset == ANALYTIC], runs[runs.dataset != ANALYTIC]
    verdicts = threshold_verdicts(algebra, ALGEBRA, ["dataset"])
    if len(task):
        verdicts += paired_verdicts(tuned_task(task), [LOWER_ERROR], "optimizer", "adam", ["dataset"])
        verdicts += best_shift(with_log_decay(task), MOVES, ["dataset", "optimizer"], "lr", "log_decay", final_val_acc,
                               where=(("optimizer", "adam"),))
        shifts = decay_shifts(task)
        if len(shifts):
            verdicts += paired_verdicts(shifts, [MOVES_LESS], "optimizer", "adam", ["dataset"])
    return verdicts


GRID_KEY = ("dataset", "optimizer", "lr", "weight_decay")
ALGEBRA_POINTS = ((ANALYTIC, "adam", 0.01, 0.0),)
TASK_POINTS = (*(("digits", "adam", lr, l2) for lr in LRS for l2 in DECAYS),
               *(("digits", "adamw", lr, round(d / lr, 6)) for lr in LRS for d in DECAYS))

SUITE = Suite(
    name="adamw-vs-l2",
    claim="l2 regularization equals weight decay for SGD but not for Adam; decoupled weight decay (AdamW) generalizes better",
    source="Loshchilov & Hutter 2019; Geron, Hands-On ML, ch. 'Training Deep Neural Networks' (AdamW)",
    base=RunConfig(depth=3, width=256, activation="relu", batch_size=32, val_fraction=0.5, max_epochs=20,
                   stop_at_target=False, target_value=0.95, threads=1),
    grid={GRID_KEY: ALGEBRA_POINTS + TASK_POINTS},
    seeds=9,  # 2 choose the cells, 7 are judged: one look at 9 seeds judges at 96.1% ([x2, x8]), which
    #  7 pairs' [min, max] (98.4%) can bound; 8 seeds' look (99.2%) needs 8 pairs, so 6 judged could never decide
    max_seeds=9,  # one look (the 5-minute budget)
    judge=judge,
    timing=False,
    measure=one_step,  # the algebra arm is measured, seeded as a run is; the digits arms train
    measure_where={"dataset": ANALYTIC},
    words={"dataset": {ANALYTIC: "one step", "digits": "digits"}, "optimizer": {"adam": "Adam+l2", "adamw": "AdamW"},
           "weight_decay": "wd {:g}"},
    # ci: the algebra (exact, seconds) and one cell per method at lr 1e-3, 6 epochs, 6 seeds.
    scales={"ci": {"seeds": 6, "max_epochs": 6,
                   "grid": {GRID_KEY: ALGEBRA_POINTS + (("digits", "adam", 1e-3, 1e-3), ("digits", "adamw", 1e-3, 1.0))}},
            "nightly": {"seeds": 12, "max_epochs": 40}},
)
