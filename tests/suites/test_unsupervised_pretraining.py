"""unsupervised-pretraining at CI scale (depth 2, 6 seeds: autoencoders as real runs the classifiers reuse), and its
rules on synthetic tables both ways."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits

from harness.core.contract import REUSED_FROM_TAG
from harness import outcomes, runs_table
from suites.unsupervised_pretraining import LOWER_ERROR, SPREAD, SUITE, arm, judge  # noqa: F401


def test_classifiers_reuse_the_grids_autoencoders(suite_run):
    tracker, result = suite_run
    runs = result.runs
    assert len(runs) == 18 and not result.failures  # (autoencoder, pretrained, scratch) x 6 seeds
    autoencoders = runs[runs.model == "autoencoder"].set_index("seed")
    pixel_variance = float(load_digits().data.var(0).mean())  # the loss of predicting each pixel's mean: ~19
    assert (autoencoders.final_val_loss < 0.5 * pixel_variance).all()
    for _, row in runs[runs.reuse_layers > 0].iterrows():
        assert tracker.client.get_run(row.run_id).data.tags[REUSED_FROM_TAG] == autoencoders.run_id[row.seed]
    rows = {v.statement: v for v in result.verdicts}
    assert set(rows) == {LOWER_ERROR.statement, SPREAD.statement} and rows[SPREAD.statement].n == 6
    spread = rows[SPREAD.statement]
    assert 0 < spread.low < spread.effect < spread.high


def synthetic(pretraining_helps: bool):
    def metrics(cfg):
        kind = arm(cfg.__dict__)
        good = (kind == "pretrained") == pretraining_helps
        spread = 0.002 if good else 0.03  # the better arm is also the steadier one
        wobble = np.sin(cfg.seed * 2.1 + cfg.depth + 3 * (kind == "pretrained"))  # in [-1, 1]: a pattern per depth and arm
        return {"final_val_acc": (0.85 if good else 0.75) + spread * wobble, "final_val_loss": 0.5}

    return runs_table(SUITE, metrics)


@pytest.mark.parametrize("helps", [True, False])
def test_main_rows_flip_with_the_effect(helps):
    verdicts = judge(synthetic(helps))
    want = "supported" if helps else "refuted"
    assert outcomes(verdicts, LOWER_ERROR.statement) == [want, want]
    assert outcomes(verdicts, SPREAD.statement) == [want, want]
