"""Adaptive methods (AdaGrad, RMSProp, Adam) can generalize worse than (stochastic) gradient descent.

Source: Wilson, Roelofs, Stern, Srebro & Recht 2017, "The Marginal Value of Adaptive Gradient
Methods in Machine Learning", section 3.3 (a separable least-squares classification problem where GD
and SGD reach 0% test error and AdaGrad, RMSProp and Adam err on the negatives: test error 1 - p,
arbitrarily close to half as p -> 1/2) and section 4 (tuned SGD ahead of tuned adaptive methods on
CIFAR-10, a character-level language model and parsing); the chapter ("adaptive optimization methods
... can lead to solutions that generalize poorly on some datasets").

Two parts, through the real torch optimizers (harness.nn.optimizers):
1. The construction, exact and cheap (float64, full batch unless said): n = 100 training and 200 test
   points, y = +1 with probability p = 0.55, else -1; x has feature 1 = y, features 2 and 3 = 1,
   and features of its own: one if y = +1, five if y = -1, in d = 3 + 5 * 300 dimensions (test
   points' own features are never seen in training). Labels are redrawn until sum(y_train) > 0, the
   construction's assumption (it holds with probability -> 1 as n grows); then X sign(X'y) = 4y, so
   by the paper's Lemma 3.1 the adaptive methods started at w = 0 converge to w ~ sign(X'y), which
   scores every test point w'x = tau(y + 2) > 0: all negatives wrong. GD and SGD stay in the row
   space of X and reach the minimum-norm solution, which classifies every test point by its first
   feature. Loss 0.5 mean (x'w - y)^2 from w = 0; GD (sgd, full batch) at lr 0.1, SGD (batch 10) at lr
   0.1, AdaGrad at 0.1, RMSProp and Adam at 0.01 (the lemma holds at any step size; no tuning),
   1000 steps (SGD 2000).
2. Equal tuning on a real task: 3 hidden ReLU layers of 256 (He init) on MNIST-1D (5000 examples,
   1000 held out), batch 32, a fixed 20 epochs (the nets fit the training split: the gap is
   generalization); SGD with momentum 0.9 on lr {0.01, 0.03, 0.1} and Adam on lr {1e-3, 3e-3,
   1e-2} (each grid centred on the method's usual rate, a half-decade either side), each at its tuned lr.
   Held-out tuning (harness.judge.tuning, select_on): seeds 0 and 1 choose each optimizer's lr, the one with
   the highest median final validation accuracy, ties within TIE (accuracy) going to the smaller lr, and are
   never judged in this row; seeds 2-8 are judged at the chosen lrs. (Until 2026-12 the lr was chosen on the
   seeds then judged: the best of 3 noisy medians is biased in its arm's favour, and more so for the arm with
   the flatter landscape, so the bias was not shared alike; issue 23.) With one lr per optimizer (ci) nothing
   is chosen and every seed is judged.

Verdicts (median over seeds, exact 95% interval; thresholds fixed in advance from the paper):
- every method fits the training set: training error < 0.01;
- GD and SGD: test error < 0.01 (the paper: 0); their weights' cosine to the minimum-norm solution > 0.999;
- each adaptive method: test error > 0.3 ("about half": 1 - p = 0.45); cosine to sign(X'y) > 0.999 (Lemma 3.1);
- each adaptive method vs GD, paired by seed: test error difference > 0 (the main rows);
- MNIST-1D: final validation accuracy difference SGD(momentum) - Adam, each at its lr tuned on seeds 0-1, > 0,
  paired by seed over seeds 2-8.
9 seeds (7 judged in the tuned row; the construction's rows use all 9), one look: 45 construction measurements
and 54 MNIST-1D runs.
"""
import torch

from harness import (DifferenceStatement, RunConfig, Suite, ThresholdStatement, column, final_val_acc, optimizer_steps,
                     paired_verdicts, threshold_verdicts, tuned, held_out_where_chosen)

ANALYTIC = "synthetic"  # the dataset field marks the construction's arms (no data read)
N_TRAIN, N_TEST, P_POSITIVE = 100, 200, 0.55
OWN_FEATURES = 5  # slots per point: a positive point uses 1, a negative one all 5
STEPS, SGD_BATCH = 1000, 10
ADAPTIVE = ("adagrad", "rmsprop", "adam")
# (optimizer, batch_size, lr): batch N_TRAIN = full batch (GD)
CONSTRUCTION = (("sgd", N_TRAIN, 0.1), ("sgd", SGD_BATCH, 0.1), ("adagrad", N_TRAIN, 0.1),
                ("rmsprop", N_TRAIN, 0.01), ("adam", N_TRAIN, 0.01))
TASK_LRS = {"momentum": (0.01, 0.03, 0.1), "adam": (1e-3, 3e-3, 1e-2)}
TUNING_SEEDS = 2  # seeds 0, 1 choose each optimizer's lr on MNIST-1D and are never judged in the tuned row
# Seed noise, sd over seeds (a default-scale run, 2026-12-06, AMD EPYC, 1 thread, load 7-13, 6 seeds): the adaptive
# methods' test error on the construction 0.032 (the test set's negative share; GD's is 0 exactly), MNIST-1D final
# val acc 0.026 at the lrs tuned then (momentum 0.03, Adam 3e-3; 0.009-0.013 at the others but momentum 0.1's 0.10).
NOISE = (0.032, 0.026)
TIE = 0.02  # final val acc: held-out medians this close to the best are tied, the smaller lr chosen. About one run's
#  sd (NOISE), under the gaps between each grid's best lr and the next in that run (0.038 Adam, 0.068 momentum).


def separable_problem() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(X_train, y_train, X_test, y_test) of the paper's construction, drawn from torch's seeded global RNG."""
    n = N_TRAIN + N_TEST
    while True:
        y = (torch.rand(n, dtype=torch.float64) < P_POSITIVE).double() * 2 - 1
        if y[:N_TRAIN].sum() > 0:
            break
    x = torch.zeros(n, 3 + OWN_FEATURES * n, dtype=torch.float64)
    x[:, 0], x[:, 1:3] = y, 1.0
    for i in range(n):
        start = 3 + OWN_FEATURES * i
        x[i, start:start + (1 if y[i] > 0 else OWN_FEATURES)] = 1.0
    return x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:]


def cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(a @ b / (a.norm() * b.norm()))


def construction(config: RunConfig) -> dict:
    """Fit the construction with the config's optimizer from w = 0; errors and the cosines of Lemma 3.1 (seeded as a run is)."""
    x, y, x_test, y_test = separable_problem()
    w = torch.nn.Parameter(torch.zeros(x.shape[1], dtype=torch.float64))
    full = config.batch_size >= N_TRAIN

    def loss() -> torch.Tensor:  # least squares on the full batch, or on a batch drawn with replacement
        rows = slice(None) if full else torch.randint(0, N_TRAIN, (config.batch_size,))
        return 0.5 * ((x[rows] @ w - y[rows]) ** 2).mean()

    for _ in optimizer_steps([w], config, loss, STEPS if full else 2 * STEPS):
        pass  # every step
    w = w.detach()
    min_norm = x.T @ torch.linalg.solve(x @ x.T, y)  # the interpolating solution in X's row space
    return {"train_error": float((torch.sign(x @ w) != y).double().mean()),
            "test_error": float((torch.sign(x_test @ w) != y_test).double().mean()),
            "test_negative_share": float((y_test < 0).double().mean()),
            "cos_sign": cosine(w, torch.sign(x.T @ y)), "cos_min_norm": cosine(w, min_norm)}


TEST_ERROR = column("test_error")
FITS = ThresholdStatement("every method fits the training set", "training error", column("train_error"), "<", 0.01)
GD_EXACT = [ThresholdStatement("gradient descent reaches zero test error", "test error", TEST_ERROR, "<", 0.01),
            ThresholdStatement("gradient descent finds the minimum-norm solution", "cosine to the minimum-norm solution",
                               column("cos_min_norm"), ">", 0.999)]
ADAPTIVE_FAILS = [ThresholdStatement("the adaptive method is about half wrong", "test error", TEST_ERROR, ">", 0.3),
                  ThresholdStatement("the adaptive method converges to sign(X'y)", "cosine to sign(X'y)",
                                     column("cos_sign"), ">", 0.999)]
WORSE = DifferenceStatement("the adaptive method generalizes worse than gradient descent", "test error difference",
                            TEST_ERROR, ">")
SGD_AHEAD = DifferenceStatement("SGD with momentum generalizes better than Adam at equal tuning",
                                "final val acc difference", final_val_acc, ">")


def judge(runs):
    built, task = runs[runs.dataset == ANALYTIC], runs[runs.dataset != ANALYTIC]
    plain, adaptive = built[built.optimizer == "sgd"], built[built.optimizer.isin(ADAPTIVE)]
    full = built[built.batch_size == N_TRAIN]
    verdicts = (threshold_verdicts(built, [FITS], ["optimizer", "batch_size"])
                + threshold_verdicts(plain, GD_EXACT, ["optimizer", "batch_size"])
                + threshold_verdicts(adaptive, ADAPTIVE_FAILS, ["optimizer"])
                + paired_verdicts(full, [WORSE], "optimizer", "sgd", ["batch_size"], levels=list(ADAPTIVE)))
    if len(task):
        verdicts += paired_verdicts(tuned_task(task), [SGD_AHEAD], "optimizer", "adam", ["dataset"])
    return verdicts


def tuned_task(task):
    """Each optimizer's MNIST-1D runs at its lr: chosen on seeds 0-1 and judged on the others where any optimizer has
    an lr to choose; every seed at its single lr where none has (ci)."""
    arm = ["dataset", "optimizer"]
    return tuned(task, arm, final_val_acc, lower_is_better=False,
                 select_on=held_out_where_chosen(task, arm, TUNING_SEEDS), within=TIE)


GRID_KEY = ("dataset", "optimizer", "batch_size", "lr")
CONSTRUCTION_POINTS = tuple((ANALYTIC, *arm) for arm in CONSTRUCTION)
TASK_POINTS = tuple(("mnist1d", opt, 32, lr) for opt, lrs in TASK_LRS.items() for lr in lrs)

SUITE = Suite(
    name="adaptive-generalization",
    claim="adaptive methods (AdaGrad, RMSProp, Adam) can generalize worse than SGD: on a separable construction GD "
          "reaches 0% test error and they about half; at equal tuning SGD with momentum beats Adam on test accuracy",
    source="Wilson et al. 2017 (sections 3.3 and 4); Geron, Hands-On ML, ch. 'Training Deep Neural Networks' "
           "(adaptive methods may generalize poorly)",
    base=RunConfig(depth=3, width=256, activation="relu", batch_size=32, max_epochs=20, stop_at_target=False,
                   target_value=0.6, threads=1),
    grid={GRID_KEY: CONSTRUCTION_POINTS + TASK_POINTS},
    seeds=9,  # 2 choose the lrs, 7 are judged: one look at 9 seeds judges at 96.1% ([x2, x8]), which
    #  7 pairs' [min, max] (98.4%) can bound; 8 seeds' look (99.2%) needs 8 pairs, so 6 judged could never decide
    max_seeds=9,  # one look (the 5-minute budget)
    judge=judge,
    timing=False,  # errors and accuracies, not time
    measure=construction,  # the construction's arms are measured, seeded as a run is; the MNIST-1D arms train
    measure_where={"dataset": ANALYTIC},
    words={"dataset": {ANALYTIC: "construction"}, "optimizer": "{}",
           "batch_size": lambda b: "full batch" if b == N_TRAIN else f"batch {b}"},
    # ci: the whole construction (seconds), MNIST-1D at one lr each (no tuning), 5 epochs; 6 seeds so rows can decide.
    scales={"ci": {"seeds": 6, "max_epochs": 5,
                   "grid": {GRID_KEY: CONSTRUCTION_POINTS + (("mnist1d", "momentum", 32, 0.03), ("mnist1d", "adam", 32, 3e-3))}},
            "nightly": {"seeds": 12, "max_epochs": 40}},
)
