"""ReLU units die (output 0 for every input), more so at a large learning rate and in deep, narrow nets; leaky ReLU and ELU are the remedy.

Source: the chapter ("dying ReLUs ... especially if you use a large learning rate"; leaky ReLU
"never dies", ELU); Lu et al. 2019 (deep narrow ReLU nets collapse far more often as depth grows
and width shrinks); Maas et al. 2013 (leaky slope 0.01), Xu et al. 2015 (slope ~0.2); Clevert et
al. 2016 (ELU).

Grid (digits, plain SGD, batch 32, a fixed budget of 5 epochs, no early stop), points
(activation, depth, width, lr):
- learning rate: relu, 20 x 100, lr 0.01, 0.03, 0.1, 0.3 (a half-decade log grid);
- width:         relu, depth 20, widths 10, 30, 100, lr 0.01;
- depth:         relu, width 10, depths 5, 20, 50, lr 0.01;
- remedies:      leaky_relu (0.01), leaky_relu_0.2, elu at 20 x 100, lr 0.01 and 0.3.
The `activations` diagnostic measures the whole validation split at the end (and at init):
act/dead_frac = share of hidden units whose output is 0 on every validation example;
act/negative_frac = share whose input is < 0 on every example (dead for ReLU; for the remedies a
'coma' that still passes gradient).

Verdict, thresholds fixed in advance (0.01 = one unit in a 100-unit layer), differences paired by
seed, median over seeds with the exact 95% interval:
- relu dead fraction, lr 0.3 - lr 0.01 > 0.01       ("more units die at a large learning rate")
- relu dead fraction, width 10 - width 100 > 0.01   ("more units die in narrow nets", depth 20)
- relu dead fraction, depth 50 - depth 5 > 0.01     ("more units die in deep nets", width 10)
- remedies, judged at lr 0.01, where ReLU units die but training is stable (no run diverged there
  in issue #12's measurements), remedy - relu:
  stuck units (act/negative_frac) < -0.01 ("fewer units end up stuck")
  final validation accuracy > 0           ("the remedy trains better")
- remedies at lr 0.3, where ReLU ends at chance: final validation accuracy remedy - relu > 0
  ("the remedy trains better at a large learning rate"), every accuracy floored at chance (0.1, 10
  classes) and a diverged run scored at chance, never a dropped pair: a remedy that diverges ties a
  ReLU net at chance and loses to one that trains. (Until 2026-12 a diverged run scored 0, below the
  dead ReLU net's 0.086: the row could be refuted by a divergence but never won by one, so it could
  only go one way where both arms fail.) Its stuck fraction, unmeasurable after divergence, is not
  judged there.
Default 6 seeds; all rows are paired differences over the same 6 seeds.
"""
from harness import (DifferenceStatement, FINAL_VAL_ACC, RunConfig, Suite, VAL_ACC, accuracy_floored_at_chance,
                     column, paired_verdicts)

HIGH_LR, LOW_LR = 0.3, 0.01
CHANCE = 0.1  # digits: 10 classes
# Seed noise, sd per run, default scale (6-12 seeds), 2026-12-06 on AMD EPYC at load ~10: ReLU dead fraction 0.013
# (20 x 100, lr 0.01) to 0.17 (lr 0.3), 0.054 (width 10), 0.022 (depth 5), 0.14 (depth 50); stuck fraction 0.013
# (relu), 0.0015-0.012 (remedies); final val acc at lr 0.01 0.074 (relu), 0.015-0.077 (remedies); at lr 0.3 ReLU
# sits at 0.092 (sd 0.025), leaky ReLU 0.01 at 0.106 (sd 0.047), ELU and leaky 0.2 at 0.1058 in every seed.
NOISE = {"dead": 0.054, "stuck": 0.013, "acc": 0.074, "acc at chance": 0.047}
REMEDIES = ("leaky_relu", "leaky_relu_0.2", "elu")
POINTS = (
    *(("relu", 20, 100, lr) for lr in (0.01, 0.03, 0.1, 0.3)),
    *(("relu", 20, w, LOW_LR) for w in (10, 30)),
    *(("relu", d, 10, LOW_LR) for d in (5, 50)),
    *((act, 20, 100, lr) for act in REMEDIES for lr in (LOW_LR, HIGH_LR)),
)
GRID_KEY = ("activation", "depth", "width", "lr")
CI_POINTS = (("relu", 20, 100, LOW_LR), ("relu", 20, 100, HIGH_LR), ("relu", 20, 10, LOW_LR), ("relu", 5, 10, LOW_LR),
             ("relu", 50, 10, LOW_LR), *((act, 20, 100, lr) for act in ("elu",) for lr in (LOW_LR, HIGH_LR)))
DEAD = DifferenceStatement
STATEMENTS = {
    "lr": [DEAD("more units die at a large learning rate", "relu dead fraction difference", column("act/dead_frac"), ">", 0.01)],
    "width": [DEAD("more units die in narrow nets", "relu dead fraction difference", column("act/dead_frac"), ">", 0.01)],
    "depth": [DEAD("more units die in deep nets", "relu dead fraction difference", column("act/dead_frac"), ">", 0.01)],
    "remedy": [DEAD("fewer units end up stuck", "stuck (input < 0 everywhere) fraction difference",
                    column("act/negative_frac"), "<", -0.01),
               DEAD("the remedy trains better", "final val acc difference", column(FINAL_VAL_ACC), ">", 0.0)],
    "remedy_high_lr": [DEAD("the remedy trains better at a large learning rate",
                            "final val acc difference (floored at chance; diverged = chance)",
                            accuracy_floored_at_chance(CHANCE), ">", 0.0)],
}


def _select(runs, **where):
    """The runs whose columns take the given values (a tuple: any of its values)."""
    keep = runs.index == runs.index  # all True
    for col, value in where.items():
        keep &= runs[col].isin(value if isinstance(value, tuple) else (value,))
    return runs[keep]


def judge(runs):
    # Each comparison pins only its arms and groups by the other grid fields: a group without both arms gives no row
    # (at the grid above each comparison has one group, the points listed in the docstring); a null test's grid may
    # hold many independent groups of one row kind.
    lr_runs = _select(runs, activation="relu", lr=(LOW_LR, HIGH_LR))
    width_runs = _select(runs, activation="relu", depth=20, width=(10, 100))
    depth_runs = _select(runs, activation="relu", depth=(5, 50), width=10)
    return (paired_verdicts(lr_runs, STATEMENTS["lr"], "lr", LOW_LR, group_by=["activation", "depth", "width"])
            + paired_verdicts(width_runs, STATEMENTS["width"], "width", 100, group_by=["activation", "depth", "lr"])
            + paired_verdicts(depth_runs, STATEMENTS["depth"], "depth", 5, group_by=["activation", "width", "lr"])
            + paired_verdicts(_select(runs, lr=LOW_LR), STATEMENTS["remedy"], "activation", "relu",
                              group_by=["depth", "width", "lr"])
            + paired_verdicts(_select(runs, lr=HIGH_LR), STATEMENTS["remedy_high_lr"], "activation", "relu",
                              group_by=["depth", "width", "lr"]))


SUITE = Suite(
    name="dying-relu",
    claim="ReLU units die, more so at a large learning rate and in deep, narrow nets; leaky ReLU and ELU keep units alive",
    source="Geron, Hands-On ML, ch. 'Training Deep Neural Networks' (dying ReLUs); Lu et al. 2019; Maas et al. 2013; "
           "Xu et al. 2015; Clevert et al. 2016",
    base=RunConfig(dataset="digits", optimizer="sgd", batch_size=32, max_epochs=5, stop_at_target=False,
                   target_metric=VAL_ACC, target_value=0.9, diagnostics="activations", diag_every=5, threads=1),
    grid={GRID_KEY: POINTS},
    seeds=6,
    judge=judge,
    timing=False,
    words={"activation": "{}"},  # 'relu, depth 20, width 100, lr 0.3 vs 0.01'
    # ci: only the points the verdict compares (no middle learning rates or widths; one remedy), 2 seeds, 3 epochs;
    # nightly: more seeds and a longer budget.
    scales={"ci": {"seeds": 2, "max_epochs": 3, "diag_every": 3, "grid": {GRID_KEY: CI_POINTS}},
            "nightly": {"seeds": 10, "max_epochs": 20, "diag_every": 20}},
)
