"""gradient-clipping at CI scale (lr 0.3: none vs norm 1.0 vs value 0.01, 2 seeds), and its rules on synthetic tables both ways."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from harness.judge.simulated import outcomes
from harness.judge.verdict import select
from suites.gradient_clipping import CHAPTER_T, MEDIAN_NORM, MULTIPLES, POINTS, SUITE, judge  # noqa: F401


def test_unclipped_blows_up_and_clipped_trains(result):
    runs = result.runs
    assert len(runs) == 6 and not result.failures  # 3 arms x 2 seeds
    acc = runs.groupby("clip").final_val_acc
    assert acc.max()["none"] < 0.5 and acc.min()["norm"] > 0.8 and acc.min()["value"] > 0.8
    loss = runs.groupby("clip")["train/loss"]
    assert loss.min()["none"] > 1.0 > 0.2 > loss.max()["norm"]


def test_value_clipping_turns_the_gradient_and_norm_clipping_does_not(result):
    runs = result.runs
    clipping = runs[runs["clip"] != "none"]
    # At init both clippings act (what makes the cosine a measure of what they do): each shortens the gradient.
    assert (clipping["upd/clipped_norm_init"] < clipping["upd/grad_norm_init"]).all()
    # Value clipping turns the gradient (cosines 0.968-0.983 at init, 6 seeds on an AMD EPYC); norm clipping only
    # rescales it (cosine 1 up to rounding).
    assert (runs[runs["clip"] == "value"]["upd/clip_cosine_init"] < 0.99).all()
    assert (runs[runs["clip"] == "norm"]["upd/clip_cosine_init"] > 0.9999).all()
    assert runs[runs["clip"] == "none"]["upd/clip_cosine_init"].tolist() == pytest.approx([1.0, 1.0], abs=1e-12)


def test_rows_at_two_seeds_are_open_but_lean_the_measured_way(result):
    tames = [v for v in result.verdicts if v.statement == "norm clipping tames the explosion"]
    assert [(v.group, v.arms) for v in tames] == [({"lr": 0.3, "clip_threshold": 1.0}, ({"clip": "norm"}, {"clip": "none"}))]
    assert tames[0].label == "lr 0.3, threshold 1, norm clipping vs no clipping"
    assert tames[0].effect < 0.2 and tames[0].outcome == "inconclusive" and tames[0].n == 2


def synthetic(clipping_helps: bool, seeds: int = 6) -> pd.DataFrame:
    """A full default-scale runs table where clipping helps (as measured) or, reversed, hurts."""
    rows = []
    for seed in range(seeds):
        for lr, clip, t in POINTS:
            good = (clip != "none") == clipping_helps
            if clip == "norm" and t == 4.0 * MEDIAN_NORM:
                good = not good  # far from 1x: differs either way
            rows.append(dict(seed=seed, lr=lr, clip=clip, clip_threshold=t, max_epochs=10, epochs_run=10,
                             converged=0, stop_reason="max_epochs", final_val_acc=(0.93 if good else 0.2) + 0.001 * seed,
                             **{"train/loss": 0.05 if good else (math.nan if lr == 1.0 else 2.0),
                                "upd/clip_cosine_init": {"value": 0.9 if clipping_helps else 1.0,
                                                    "norm": 1.0 if clipping_helps else 0.95}.get(clip, 1.0)}))
    return pd.DataFrame(rows)


@pytest.mark.parametrize("helps", [True, False])
def test_main_rows_flip_with_the_effect(helps):
    verdicts = judge(synthetic(helps))
    want = "supported" if helps else "refuted"
    for lr in (0.3, 1.0):
        assert outcomes(verdicts, "norm clipping tames the explosion", lr=lr, clip_threshold=1.0, clip="norm") == [want]
        assert outcomes(verdicts, "norm clipping improves accuracy", lr=lr, clip_threshold=1.0, clip="norm") == [want]
        assert outcomes(verdicts, "without clipping the net fails to train", lr=lr, clip="none", clip_threshold=1.0) == [want]
    assert outcomes(verdicts, "clipping by value turns the gradient", lr=0.3, clip="value", clip_threshold=0.01) == [want]
    assert outcomes(verdicts, "clipping by norm keeps its direction", lr=0.3, clip="norm", clip_threshold=1.0) == [want]
    sweep = select(verdicts, "the threshold is not critical", lr=0.3, clip="norm", baseline={"clip_threshold": 2.5})
    assert len(sweep) == len(MULTIPLES) - 1
    assert outcomes(sweep, "the threshold is not critical", clip_threshold=0.625) == ["supported"]  # same accuracy
    assert outcomes(sweep, "the threshold is not critical", clip_threshold=10.0) == ["refuted"]
