"""Null tests of selu-self-normalization, dying-relu, mc-dropout, gradient-clipping, transfer-learning and
unsupervised-pretraining: each suite's own judge on synthetic tables drawn at a row kind's boundary, with the suite's
measured seed noise (harness.judge.nullsim). Over >= 1000 rows per row kind, the wrong outcome's rate must stay <= 2.5%
(one-sided rows) or <= 5% (equivalence rows). Rows that are checks of the implementation (check=True: selu's "BN
renormalizes every layer", gradient-clipping's norm-clipping cosine) are not evidence and have no null.
"""
from __future__ import annotations

import numpy as np
import pytest

from harness.judge.nullsim import Null, null_rates, where

import suites.selu_self_normalization as selu
from tests.suites.test_null_rules import ROWS


def measured(n: int) -> dict[str, np.ndarray]:
    """The columns every forward-pass (measure=) run carries."""
    return {"stop_reason": np.full(n, "measured")}


SELU_EDGE = (*selu.KEEPS, *selu.BREAKS, selu.RAW, ("lecun_normal", False, 0.1, "alpha", "none"))
SELU_SD = dict(zip(SELU_EDGE[:4], (selu.NOISE[k] for k in ("baseline", "alpha dropout", "he init", "plain dropout"))))


def edge_draw(configs, rng):
    """Every variant exactly at the domain's edge: the median distance over seeds is 1 (log-normal draws), in the last
    10 layers with each variant's measured spread (selu.NOISE), in the first 10 for raw inputs (two raw-input groups,
    selu.NOISE's first-layer spread)."""
    variants = list(zip(*(configs[f] for f in selu.VARIANT)))
    sd = np.array([SELU_SD.get(v, selu.NOISE["raw inputs, first"]) for v in variants])
    d = np.exp(rng.normal(size=len(configs)) * sd)
    return {**measured(len(configs)), "last_distance": d, "first_distance": d, "all_distance": d}


SELU = [Null("every variant exactly at the domain's edge (distance 1)",
             {"keeps mean ~0, variance ~1 in the last layers": "supported", "breaks self-normalization": "supported",
              "raw inputs break it in the first layers": "supported"}, edge_draw,
             grid={tuple(selu.VARIANT): SELU_EDGE})]

NULLS = [*((selu.SUITE, n) for n in SELU)]

# One xdist group per suite (tests/xdist_groups.py): a suite's scenarios share a worker, the suites spread over both.
CASES = [pytest.param(s, n, id=f"{s.name}: {n.name}", marks=pytest.mark.xdist_group(f"null-{s.name}")) for s, n in NULLS]


@pytest.mark.parametrize("suite, null", CASES)
def test_rows_read_wrong_rarely_under_their_null(suite, null):
    rates = null_rates(suite, null, rows=ROWS)
    assert all(r.rows >= ROWS for r in rates), [str(r) for r in rates]
    assert all(r.passes for r in rates), "\n".join(map(str, rates))
