"""harness.judge.tuning: the choice, its label, seeds added behind one value, and the held-out seed split that removes selection bias."""
from __future__ import annotations

import numpy as np
import pandas as pd

from harness.judge.measures import final_val_acc
from harness.judge.subject import Subject
from harness.judge.tuning import tuned


def table(acc) -> pd.DataFrame:
    """One arm 'sgd' over lrs; acc(seed, lr) -> final val acc."""
    return pd.DataFrame([dict(optimizer="sgd", lr=lr, seed=s, final_val_acc=acc(s, lr)) for s in range(12)
                         for lr in (0.01, 0.1)])


def test_the_best_median_is_chosen_and_named():
    best = tuned(table(lambda s, lr: 0.9 if lr == 0.1 else 0.8), ["optimizer"], final_val_acc, lower_is_better=False)
    assert set(best.lr) == {0.1} and len(best) == 12
    assert set(best.arm) == {Subject(optimizer="sgd")} and set(best.tuned) == {Subject(lr=0.1)}  # data, not a code


def test_several_knobs_are_tuned_together():
    runs = pd.DataFrame([dict(optimizer="adamw", lr=lr, weight_decay=wd, seed=s, final_val_acc=0.9 if (lr, wd) == (0.1, 1.0)
                              else 0.8) for s in range(6) for lr in (0.01, 0.1) for wd in (0.1, 1.0)])
    best = tuned(runs, ["optimizer"], final_val_acc, knob=["lr", "weight_decay"], lower_is_better=False)
    assert len(best) == 6 and set(best.tuned) == {Subject(lr=0.1, weight_decay=1.0)}


def test_a_held_out_split_chooses_on_one_half_and_returns_the_other():
    # lr 0.1 wins on the even seeds, lr 0.01 on the odd ones: the choice follows the selection seeds only
    acc = lambda s, lr: 0.9 if (lr == 0.1) == (s % 2 == 0) else 0.8
    best = tuned(table(acc), ["optimizer"], final_val_acc, lower_is_better=False, select_on=lambda s: s % 2 == 0)
    assert set(best.lr) == {0.1} and sorted(best.seed) == list(range(1, 12, 2))
    assert (best.final_val_acc == 0.8).all()  # judged on seeds that did not choose it: no credit for the choice


def test_choosing_on_the_judged_seeds_favours_the_choice_and_the_split_does_not():
    # Two lrs of equal quality (pure seed noise): the same-seed choice is the larger of two noisy medians.
    rng = np.random.default_rng(0)
    gaps_same, gaps_split = [], []
    for _ in range(200):
        noise = {(s, lr): rng.normal(0.9, 0.01) for s in range(12) for lr in (0.01, 0.1)}
        runs = table(lambda s, lr, noise=noise: noise[(s, lr)])
        same = tuned(runs[runs.seed % 2 == 1], ["optimizer"], final_val_acc, lower_is_better=False)
        split = tuned(runs, ["optimizer"], final_val_acc, lower_is_better=False, select_on=lambda s: s % 2 == 0)
        gaps_same.append(same.final_val_acc.median() - 0.9)
        gaps_split.append(split.final_val_acc.median() - 0.9)
    assert np.mean(gaps_same) > 0.002  # E[max of two medians of 6] - mu is ~0.5 sd of a median (~0.004 here)
    assert abs(np.mean(gaps_split)) < 0.001
