"""Momentum: the terminal step is lr*g/(1-beta) (10x at beta 0.9), and momentum reaches a tolerance or a target in fewer steps.

Source: Polyak 1964 (heavy ball); the chapter ("if the gradient remains constant, the terminal
velocity ... is equal to that gradient multiplied by the learning rate multiplied by 1/(1-beta)";
"10 times faster than Gradient Descent" at beta 0.9); Nesterov 1983 / Sutskever et al. 2013.

Three parts, each through the real torch optimizers of harness.nn.optimizers (config fields
optimizer, momentum):
1. Constant gradient (exact): a float64 parameter under the linear loss g.w (g ~ N(0, I) in 5
   dimensions, drawn per seed), 3000 steps at lr 1e-3; the last step's length over lr*|g|, against
   1/(1-beta) for beta 0.5, 0.9, 0.99 (exact up to beta^3000 and float64 rounding).
2. Ill-conditioned quadratic: f(w) = w'Hw/2 in 20 dimensions, H = Q diag(lambda) Q', lambda
   log-spaced over [1, 100] (condition number 100), Q and w0 drawn per seed; iterations until
   f <= 1e-6 f(w0), at most 2000 (censored there), each optimizer at its best lr on a quarter-decade
   grid 1e-3 ... 1e-1 (the tuning is recorded: best_lr, and iterations per grid lr as a series).
   Plain GD vs heavy ball vs Nesterov, both at beta 0.9 (the beta 0.5 and 0.99 arms measure only part 1). Theory: GD needs ~kappa/2 ln(1e6) ~ 350,
   heavy ball at beta 0.9 ~ ln(1e6)/(-ln 0.9) ~ 130.
3. A real task: 5 hidden ReLU layers of 100 (He init) on digits, batch 32, target 0.95 val acc within
   20 epochs; sgd, momentum, nesterov (beta 0.9) each tuned on the lr grid 0.003 ... 0.3 (half
   decades) on held-out seeds (issue 23: until 2026-12-06 the judged seeds chose each lr): seeds 0 and
   1 choose each arm's lr, the fewest median epochs to target (chosen on validation accuracy, the same
   measure; every arm gets the same grid, so the same tuning budget), and are never judged; medians
   within TIE = 1 epoch of the best (the measure's resolution: the target is checked once an epoch)
   are tied and the smallest lr of them is taken, a rule fixed before any run. 10 seeds: 8 judged pairs
   (a look's level is what its 10 seeds can reach, 97.9%, which 6 pairs could not). (MNIST-1D would
   separate the optimizers more.)
   Part 2's per-seed best lr is not such a choice: the quadratic is deterministic given its seed, so
   each seed's iterations at its best grid lr is a property of that problem, with no noise to select on.

Verdicts (median over seeds, exact 95% interval; thresholds fixed in advance):
- terminal step error |step/(lr|g|) * (1-beta) - 1| < 1e-6 for each beta ("10x at 0.9" is beta 0.9's row);
- quadratic iterations ratio momentum / sgd < 1 and nesterov / sgd < 1, paired by seed;
- digits epochs-to-target ratio momentum / sgd < 1 and nesterov / sgd < 1 on seeds 2-9, each arm at the lr seeds
  0-1 chose.
"""
import math

import pandas as pd
import torch

from harness import (Measured, RatioStatement, RunConfig, Suite, ThresholdStatement, column, epochs_to_target,
                     make_optimizer, optimizer_steps, paired_verdicts, threshold_verdicts, tuned, first_seeds)

ANALYTIC = "synthetic"  # the dataset field marks the analytic arms (no data read): constant gradient and quadratic
KAPPA, DIM, TOL, MAX_ITERS = 100.0, 20, 1e-6, 2000
QUAD_BETA = 0.9
QUAD_LRS = tuple(10 ** (-3 + k / 4) for k in range(9))  # 1e-3 ... 1e-1, quarter decades
TERMINAL_STEPS, TERMINAL_LR = 3000, 1e-3
BETAS = (0.5, 0.9, 0.99)
TASK_LRS = (0.003, 0.01, 0.03, 0.1, 0.3)
OPTIMIZERS = ("sgd", "momentum", "nesterov")
TUNING_SEEDS = 2  # seeds 0, 1 choose each optimizer's digits lr and are never judged on digits
TIE = 1.0  # epochs: held-out medians this close to the fewest are tied, and the smallest lr of them is taken
# Seed noise, a default-scale run of the previous design (2026-12-06, AMD EPYC, load 10, 6 seeds); the null tests draw
# with it. QUAD_NOISE: sd over seeds of log iterations to tolerance at the best lr (sgd 0.09, nesterov 0.11, heavy
# ball 0.02). TASK_NOISE: sd over seeds of log epochs to 0.95 on digits, pooled over the cells where every seed
# reached it (0.19-0.44 each).
QUAD_NOISE, TASK_NOISE = 0.1, 0.35


def terminal_ratio(config: RunConfig, g: torch.Tensor) -> float:
    """The last of TERMINAL_STEPS steps' length over lr*|g| under a constant gradient g: the optimizer's own step
    with g set as the gradient once (the gradient of (g*w).sum(), bit for bit, without building that graph 3000
    times: ~5x less CPU)."""
    w = torch.nn.Parameter(torch.zeros_like(g))
    w.grad = g.clone()  # never cleared: every step reads g (SGD's momentum and Nesterov never write to the gradient)
    opt = make_optimizer([w], config.replace(lr=TERMINAL_LR))
    for _ in range(TERMINAL_STEPS - 1):
        opt.step()
    before = w.detach().clone()
    opt.step()
    return float((w.detach() - before).norm() / (TERMINAL_LR * g.norm()))


def iterations_to_tolerance(config: RunConfig, h: torch.Tensor, w0: torch.Tensor, lr: float) -> int:
    """Steps until f(w) <= TOL f(w0) on f = w'Hw/2; MAX_ITERS + 1 when never (or diverged)."""
    w = torch.nn.Parameter(w0.clone())
    f0 = float(0.5 * w0 @ h @ w0)
    for k in optimizer_steps([w], config.replace(lr=lr), lambda: 0.5 * w @ h @ w, MAX_ITERS):
        value = float(0.5 * w.detach() @ h @ w.detach())
        if value <= TOL * f0:
            return k
        if not math.isfinite(value):
            break
    return MAX_ITERS + 1


def analytic(config: RunConfig) -> dict:
    """Terminal step ratio and tuned iterations to tolerance for one optimizer, beta and seed (seeded as a run is)."""
    g = torch.randn(5, dtype=torch.float64)
    q, _ = torch.linalg.qr(torch.randn(DIM, DIM, dtype=torch.float64))
    h = q @ torch.diag(torch.logspace(0, math.log10(KAPPA), DIM, dtype=torch.float64)) @ q.T
    w0 = torch.randn(DIM, dtype=torch.float64)
    out = {}
    if config.optimizer != "sgd":  # plain SGD has no velocity
        ratio = terminal_ratio(config, g)
        out.update(terminal_ratio=ratio, terminal_error=abs(ratio * (1 - config.momentum) - 1))
    if config.momentum == QUAD_BETA:  # the quadratic compares the optimizers at one beta
        iters = [iterations_to_tolerance(config, h, w0, lr) for lr in QUAD_LRS]
        best = min(range(len(iters)), key=iters.__getitem__)
        out.update(iters_to_tol=float(iters[best]), best_lr=QUAD_LRS[best], iters_by_lr=[float(i) for i in iters])
    return out


def iterations(row: pd.Series) -> Measured:
    """Iterations to tolerance at the best grid lr; censored at MAX_ITERS when no lr reached it."""
    value = float(row["iters_to_tol"])
    return Measured(float(MAX_ITERS), censored=True) if value > MAX_ITERS else Measured(value)


TERMINAL = ThresholdStatement("the terminal step is lr*g/(1-beta)", "relative error", column("terminal_error"), "<", 1e-6,
                              where=(("optimizer", "momentum"),), check=True)  # an identity: shown apart from the claim
QUAD = [RatioStatement("momentum needs fewer iterations on an ill-conditioned quadratic", "iterations ratio",
                       iterations, "<")]
TASK = [RatioStatement("momentum reaches the target in fewer epochs", "epochs-to-target ratio", epochs_to_target, "<")]


def judge(runs):
    analytic_runs, task = runs[runs.dataset == ANALYTIC], runs[runs.dataset != ANALYTIC]
    quad = analytic_runs[analytic_runs.momentum == QUAD_BETA]
    verdicts = threshold_verdicts(analytic_runs, [TERMINAL], ["optimizer", "momentum"])
    verdicts += paired_verdicts(quad, QUAD, "optimizer", "sgd", ["dataset", "momentum"])
    if len(task):  # each optimizer at the lr seeds 0-1 chose; only the other seeds' runs come back
        best = tuned(task, ["dataset", "optimizer"], epochs_to_target, select_on=tuning_seed, within=TIE)
        verdicts += paired_verdicts(best, TASK, "optimizer", "sgd", ["dataset"])
    return verdicts


tuning_seed = first_seeds(TUNING_SEEDS)  # select_on: the held-out seeds choose


GRID_KEY = ("dataset", "optimizer", "momentum", "lr")
ANALYTIC_POINTS = ((ANALYTIC, "sgd", 0.9, 0.01), *((ANALYTIC, "momentum", b, 0.01) for b in BETAS),
                   (ANALYTIC, "nesterov", 0.9, 0.01))
TASK_POINTS = tuple(("digits", o, 0.9, lr) for o in OPTIMIZERS for lr in TASK_LRS)

SUITE = Suite(
    name="momentum",
    claim="momentum's terminal step is lr*g/(1-beta) (10x at 0.9); momentum and Nesterov need fewer steps than plain "
          "gradient descent on an ill-conditioned quadratic and fewer epochs on a real task",
    source="Polyak 1964; Nesterov 1983; Sutskever et al. 2013; Geron, Hands-On ML, ch. 'Training Deep Neural Networks' "
           "(momentum optimization)",
    base=RunConfig(depth=5, width=100, activation="relu", batch_size=32, max_epochs=20, target_value=0.95,
                   stop_at_target=True, threads=1),
    grid={GRID_KEY: ANALYTIC_POINTS + TASK_POINTS},
    # One look at 10 seeds: the digits rows judge 8 (2 choose the lrs). A look's level is the one its seed count can
    # reach (99.2% at 8 seeds, 97.9% at 10), and a held-out row has 2 pairs fewer: at 8 seeds its 6 pairs could never
    # decide (measured: every digits row open at 8).
    seeds=10,
    max_seeds=10,
    judge=judge,
    timing=False,  # steps and epochs, not seconds
    # 'analytic, beta 0.9, nesterov vs sgd'; 'digits, momentum vs sgd (tuned: lr 0.03 vs 0.1)'
    words={"dataset": {ANALYTIC: "analytic"}, "optimizer": "{}", "momentum": "beta {:g}"},
    measure=analytic,  # the analytic arms are measured, seeded as a run is; the digits arms train
    measure_where={"dataset": ANALYTIC},
    # ci: the analytic parts only (seconds), 6 seeds so their rows can decide.
    scales={"ci": {"seeds": 6, "grid": {GRID_KEY: ANALYTIC_POINTS}}, "nightly": {"seeds": 12}},
)
