"""Null tests of selu-self-normalization, dying-relu, mc-dropout, gradient-clipping, transfer-learning and
unsupervised-pretraining: each suite's own judge on synthetic tables drawn at a row kind's boundary, with the suite's
measured seed noise (harness.judge.nullsim). Over >= 1000 rows per row kind, the wrong outcome's rate must stay <= 2.5%
(one-sided rows) or <= 5% (equivalence rows). Rows that are checks of the implementation (check=True: selu's "BN
renormalizes every layer", gradient-clipping's norm-clipping cosine) are not evidence and have no null.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from harness import (FINAL_VAL_ACC, FINAL_VAL_LOSS, MC_LATENCY_RATIO, MC_SECONDS_PER_PASS, VAL_ECE, VAL_MC_ACC,
                     VAL_MC_ECE, VAL_MC_NLL)
from harness.judge.nullsim import Null, where

import suites.dying_relu as dying
import suites.gradient_clipping as clipping
import suites.mc_dropout as mc
import suites.selu_self_normalization as selu
import suites.transfer_learning as transfer
import suites.unsupervised_pretraining as pretraining
from tests.suites.test_null_rules import assert_rates_within_bounds, cases


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


def quantized(x: np.ndarray, units: np.ndarray | float) -> np.ndarray:
    """A share of `units` things (units, examples) as measured: clipped to [0, 1], a whole number of units."""
    units = np.asarray(units, float)
    return np.round(np.clip(x, 0.0, 1.0) * units) / units


DIGITS_VAL = 360  # digits' validation split at val_fraction 0.2 (1797 rows)
# Independent groups of each dying-relu row kind (every comparison pins only its arms): per width w, relu and one
# remedy (in turn) at lr 0.01 and 0.3, depth 20 (the lr, remedy and large-lr rows); per lr in LRS, relu at depth 20,
# widths 10 and 100 (the width rows) and at width 10, depths 5 and 50 (the depth rows).
GROUPS = 16
LRS = tuple(round(0.011 + 0.001 * i, 3) for i in range(GROUPS))
DYING_GRID = {dying.GRID_KEY: (
    *((a, 20, 200 + i, lr) for i in range(GROUPS) for a in ("relu", dying.REMEDIES[i % 3])
      for lr in (dying.LOW_LR, dying.HIGH_LR)),
    *(("relu", 20, w, lr) for lr in LRS for w in (10, 100)),
    *(("relu", d, 10, lr) for lr in LRS for d in (5, 50)))}


def threshold_draw(configs, rng):
    """Every comparison exactly at its row's threshold: 0.01 more dead ReLU units at lr 0.3 than at 0.01, at width 10
    than at 100 (depth 20), at depth 50 than at 5 (width 10); a remedy with exactly 0.01 fewer stuck units than ReLU
    and the same accuracy at lr 0.01; at lr 0.3 every arm alike near chance (0.09, a third of the runs diverged: no
    accuracy, scored at chance), so the large-lr row's paired difference has median 0. Dead and stuck shares are whole
    units of the net (depth x width) around 0.2 (3.7 sd from 0: clipping at 0 cannot shift a difference), accuracies
    whole validation examples; per-run noise of dying.NOISE's size (dead: width 10's sd, a middle figure; at lr 0.3
    the sd at chance)."""
    n, relu, high = len(configs), where(configs, activation="relu"), where(configs, lr=dying.HIGH_LR)
    treated = relu & (high | where(configs, depth=20, width=10) | where(configs, depth=50))
    units = (configs.depth * configs.width).to_numpy()
    dead = quantized(0.2 + 0.01 * treated + rng.normal(size=n) * dying.NOISE["dead"], units)
    stuck = quantized(0.2 - 0.01 * ~relu + rng.normal(size=n) * dying.NOISE["stuck"], units)
    sd = np.where(high, dying.NOISE["acc at chance"], dying.NOISE["acc"])
    acc = quantized(np.where(high, 0.09, 0.72) + rng.normal(size=n) * sd, DIGITS_VAL)
    gone = high & (rng.random(n) < 1 / 3)
    return {"act/dead_frac": np.where(relu, dead, 0.0), "act/negative_frac": np.where(relu, dead, stuck),
            "final_val_acc": np.where(gone, np.nan, acc), "stop_reason": np.where(gone, "diverged", "max_epochs")}


DYING = [Null("every comparison exactly at its row's threshold; at lr 0.3 both arms near chance, a third diverged",
              {"more units die at a large learning rate": "supported", "more units die in narrow nets": "supported",
               "more units die in deep nets": "supported", "fewer units end up stuck": "supported",
               "the remedy trains better": "supported", "the remedy trains better at a large learning rate": "supported"},
              threshold_draw, grid=DYING_GRID, rows=2000)]  # 6 seeds: a true 1.6% (sign test), 2000 rows

CLIP_LRS = tuple(round(0.3 + 0.01 * i, 2) for i in range(GROUPS))
SWEPT = CLIP_LRS[:4]  # the threshold sweep at 4 lrs: 4 multiples each, 16 rows of its kind per invocation
CLIPPING_GRID = {clipping.GRID_KEY: (
    *((lr, c, clipping.CHAPTER_T) for lr in CLIP_LRS for c in ("none", "norm")),
    *((lr, "norm", m * clipping.MEDIAN_NORM) for lr in SWEPT for m in clipping.MULTIPLES),
    *((clipping.HIGH, "value", round(clipping.VALUE_T * (1 + 0.1 * i), 4)) for i in range(GROUPS)))}


def clipping_draw(configs, rng):
    """Every row at its threshold: every arm's final val acc at 0.5 (the premise's and the trains rows' boundary; norm
    vs none a difference of exactly 0); norm clipping's final training loss exactly like no clipping's (ratio 1); in
    the threshold sweep, each multiple exactly 0.05 off 1x (below 1x lower, above it higher: the equivalence margin);
    value clipping's cosine to the unclipped gradient at init exactly 0.99. Accuracies whole validation examples;
    noise of clipping.NOISE's size (accuracy: no clipping's sd at lr 0.3, norm clipping's near 1x in the sweep; log
    loss: norm clipping's)."""
    n = len(configs)
    m = configs.clip_threshold.to_numpy() / clipping.MEDIAN_NORM
    swept = where(configs, clip="norm") & (configs.clip_threshold != clipping.CHAPTER_T).to_numpy()
    shift = np.where(swept, 0.05 * np.sign(np.round(np.log(m), 6)), 0.0)
    base = np.where(swept, 0.85, 0.5)
    sd = np.where(swept, clipping.NOISE["acc, norm near 1x"], clipping.NOISE["acc"])
    acc = quantized(base + shift + rng.normal(size=n) * sd, DIGITS_VAL)
    return {"final_val_acc": acc, clipping.TRAIN_LOSS: 1.9 * np.exp(rng.normal(size=n) * clipping.NOISE["log loss"]),
            "upd/clip_cosine_init": np.where(where(configs, clip="norm"), 1.0,
                                             0.99 + rng.normal(size=n) * clipping.NOISE["cosine"]),
            "stop_reason": np.full(n, "max_epochs")}


CLIPPING = [Null("every row at its threshold (accuracy 0.5, loss ratio 1, sweep 0.05 off 1x, cosine 0.99)",
                 {clipping.PREMISE.statement: "supported", **{st.statement: "supported" for st in clipping.TRAINS},
                  **{st.statement: "supported" for st in clipping.TAMES}, clipping.NOT_CRITICAL.statement: "supported",
                  clipping.DIRECTION[0].statement: "supported"}, clipping_draw, grid=CLIPPING_GRID)]


def pretraining_draw(configs, rng):
    """Pretraining without any effect: every classifier's validation error drawn alike (0.33, pretraining.NOISE's sd
    at depth 2, the arms independent as measured), whole validation examples (539): the paired difference's median is
    0 and the sd ratio 1, each exactly at its row's threshold."""
    n = len(configs)
    acc = quantized(0.67 + rng.normal(size=n) * pretraining.NOISE["error"], 539)
    return {"final_val_acc": acc, "stop_reason": np.full(n, "max_epochs")}


# 12 seeds: the difference row's exact false rate is 1.9%, close to 2.5%: 2000 rows put the bound 2 sd above it
PRETRAINING = [Null("pretraining without effect (same error distribution in both arms)",
                    {pretraining.LOWER_ERROR.statement: "supported", pretraining.SPREAD.statement: "supported"},
                    pretraining_draw, grid={pretraining.GRID_KEY: pretraining.points(range(2, 2 + GROUPS))},
                    rows=2000)]


# Independent tasks: the suite's MNIST-1D recipe and its 5 pairs under distinct data_path names (mnist1d reads no files;
# a task is dataset + path), so the shares' rows are judged over as many pairs as in the real runs.
PAIRS = transfer.MNIST1D_PAIRS
TASKS = {transfer.GRID_KEY: tuple(p for i in range(GROUPS)
                                  for p in transfer.points(replace(transfer.MNIST1D, data_path=f"null-{i}"), PAIRS))}
STEP = 1 / transfer.NOISE["validation images"]
SCRATCH = 0.15  # a scratch error inside the real pairs' range (medians 0.05-0.36 at the default scale)


def transfer_alike(configs, rng):
    """Reuse exactly like scratch: every target run's error drawn alike and independently (SCRATCH, sd
    transfer.NOISE's, whole validation signals)."""
    n = len(configs)
    error = quantized(SCRATCH + rng.normal(size=n) * transfer.NOISE["error"], 1 / STEP)
    return {"final_val_acc": 1.0 - error, "stop_reason": np.full(n, "max_epochs")}


LOSE = 1 - 0.5 ** (1 / len(PAIRS))  # per pair: in half the seeds no pair of 5 loses (share 0)


def shares_edge(configs, rng):
    """Both shares' rows at their thresholds: per pair and seed, reuse gains one validation signal with probability
    0.5 (a seed's share of gaining pairs has median 0.5) and loses one with probability 1 - 0.5^(1/5) = 12.9% (no
    pair loses in exactly half the seeds: the losing share's median between 0 and 1/5, at the caveat's 0.05); else
    a tie. Scratch error SCRATCH +- transfer.NOISE's sd, whole validation signals."""
    n = len(configs)
    key = configs.groupby(["data_path", "classes", "seed"], sort=False).ngroup().to_numpy()
    u = rng.random(key.max() + 1)[key]
    step = np.where(u < 0.5, -STEP, np.where(u < 0.5 + LOSE, STEP, 0.0))
    scratch = quantized(SCRATCH + rng.normal(size=key.max() + 1) * transfer.NOISE["error"], 1 / STEP)[key]
    error = np.where(configs.reuse_layers.to_numpy() > 0, np.clip(scratch + step, 0.0, 1.0), scratch)
    return {"final_val_acc": 1.0 - error, "stop_reason": np.full(n, "max_epochs")}


MEAN, GAIN, LOSS = (st.statement for st in transfer.ACROSS)
TRANSFER = [Null("reuse exactly like scratch", {transfer.LOWER_ERROR.statement: "supported", MEAN: "supported"},
                 transfer_alike, grid=TASKS),
            # 2000 rows: at 6 seeds a one-sided row's exact false rate is 0.5^6 = 1.56%; 1000 rows read the caveat's
            # at 2.3% on simulation seed 0 (2000: 2.15%, and 1.6% on seed 1), too near the 2.5% bound to tell apart.
            Null("half the pairs gain, none loses in half the seeds (both shares at their thresholds)",
                 {GAIN: "supported", LOSS: "supported"}, shares_edge, grid=TASKS, rows=2000)]


MNIST1D_VAL = 1000  # mc-dropout's validation rows


def mc_edge(configs, rng):
    """Every mc-dropout row at its threshold: the MC pass's NLL and ECE exactly the deterministic pass's (differences
    median 0), its accuracy exactly 0.01 above (the equivalence margin; whole validation rows), its per-sample cost
    exactly 2x one pass (the latency band's edge), and the per-pass cost at every larger T exactly 1.5x T 10's (the
    linearity band's edge). Per-run noise of mc.NOISE's size on each difference and ratio (the deterministic pass's
    own levels vary too, but cancel in the per-run differences the rows read)."""
    n, sd = len(configs), mc.NOISE
    loss, ece = 0.9 + rng.normal(size=n) * 0.1, 0.18 + rng.normal(size=n) * 0.02
    acc = quantized(0.6 + rng.normal(size=n) * 0.02, MNIST1D_VAL)
    larger = (configs.mc_samples > mc.T_SMALL).to_numpy()
    return {FINAL_VAL_LOSS: loss, VAL_MC_NLL: loss + rng.normal(size=n) * sd["nll difference"],
            VAL_ECE: ece, VAL_MC_ECE: ece + rng.normal(size=n) * sd["ece difference"],
            FINAL_VAL_ACC: acc, VAL_MC_ACC: quantized(acc + mc.ACC_MARGIN + rng.normal(size=n) * sd["acc difference"],
                                                     MNIST1D_VAL),
            MC_LATENCY_RATIO: mc.LATENCY_FACTOR * np.exp(rng.normal(size=n) * sd["log latency ratio"]),
            MC_SECONDS_PER_PASS: 0.01 * np.where(larger, mc.LINEAR_FACTOR, 1.0)
            * np.exp(rng.normal(size=n) * sd["log seconds per pass"]), "stop_reason": np.full(n, "max_epochs")}


# T 10 and 16 larger Ts: 17 groups of the per-T rows; the linearity rows share T 10's runs (dependent, each unbiased)
MC = [Null("every row at its threshold (differences 0, accuracy +0.01, latency 2x, per-pass cost 1.5x)",
           {**{st.statement: "supported" for st in mc.STATEMENTS}, mc.LINEAR.statement: "supported"}, mc_edge,
           grid={"mc_samples": (mc.T_SMALL, *range(mc.T_SMALL + 2, mc.T_SMALL + 2 * GROUPS + 1, 2))})]

NULLS = [*((selu.SUITE, n) for n in SELU), *((dying.SUITE, n) for n in DYING),
         *((clipping.SUITE, n) for n in CLIPPING),
         *((pretraining.SUITE, n) for n in PRETRAINING),
         *((transfer.SUITE, n) for n in TRANSFER),
         *((mc.SUITE, n) for n in MC)]


@pytest.mark.parametrize("suite, null", cases(NULLS))
def test_rows_read_wrong_rarely_under_their_null(suite, null):
    assert_rates_within_bounds(suite, null)
