"""Null tests for activations, he-init, vanishing-gradients, bn-saturating, bn-learning-rate and bn-inference: each
suite's own judge on synthetic tables drawn at a row kind's boundary, with the suite's measured seed noise
(harness.judge.nullsim; the test and ROWS as in test_null_rules.py).

Most of these rows are exact sign tests on a continuous value (a threshold on the median over seeds, a paired ratio
or difference): with the truth exactly at the threshold and noise symmetric about it, "supported" and "refuted"
have the same exact rate at 6 seeds, 1/64 = 1.56% each, whatever the noise's size. Where a scenario counts one
direction only, the draw is symmetric about the threshold and the other direction's rate is the same. The rows
whose rate the noise does move are the integer, censored epochs, the grid reductions (bn-learning-rate) and the
all-of rows (activations): their scenarios use the suites' measured noise (each suite's NOISE).
"""
from __future__ import annotations

import numpy as np
import pytest

from harness.judge.nullsim import PRESENT, Null, target_columns, where

import suites.activations as act
import suites.bn_inference as inference
import suites.he_init as he
import suites.bn_learning_rate as bnlr
import suites.bn_saturating as saturating
import suites.vanishing_gradients as vanishing

from tests.suites.test_null_rules import ROWS, assert_rates_within_bounds, cases


# --- activations ---------------------------------------------------------------------------------------------------

def activations_alike(configs, rng):
    """Every activation exactly alike: ~9 epochs to target (relu's median), whole epochs, within the 30-epoch budget;
    an epoch's seconds share the seed's load (its activations step in lockstep: lognormal, sd 0.3) times the run's
    own noise; final accuracy 0.94. Per-run noise of act.NOISE's measured size."""
    n, codes = len(configs), configs.seed.to_numpy()
    sd_epochs, sd_acc, sd_time = act.NOISE
    load = np.exp(rng.normal(size=codes.max() + 1) * 0.3)[codes]
    epoch_s = 0.2 * load * np.exp(rng.normal(size=n) * sd_time)
    columns = target_columns(9.0 * np.exp(rng.normal(size=n) * sd_epochs), epoch_s, configs.max_epochs.to_numpy())
    return {**columns, "final_val_acc": 0.94 + rng.normal(size=n) * sd_acc}


EVERY_SPEED, EVERY_ACCURACY = "ELU trains faster than every ReLU variant", "ELU is more accurate than every ReLU variant"
ACTIVATIONS = [
    # The single rows at their thresholds, counted supported (the draw is symmetric: refuted has the same rate). The
    # all-of rows counted refuted: refuted when ANY of their 6 (3) rows is, a union; supported only when every row
    # is, so never more often than one row.
    Null("every activation exactly alike",
         {**dict.fromkeys((st.statement for st in (*act.SPEED, *act.ACCURACY, *act.COST, *act.RANKING)), "supported"),
          EVERY_SPEED: "refuted", EVERY_ACCURACY: "refuted"}, activations_alike),
]


# --- he-init -------------------------------------------------------------------------------------------------------

def he_draw(he_std_ratio: float):
    """Every row at its threshold but He's activation-scale row: He's std ratio L30/L1 (median `he_std_ratio`), Glorot's
    and the default's at 0.01; every init's final accuracy at 0.5; the first-layer gradient norm of Glorot and default
    exactly 0.1x He's; every init ~8 epochs to target (the ratio 1). Lognormal per-run noise of he.NOISE's measured
    size (per init where it differs)."""
    def draw(configs, rng):
        n, is_he = len(configs), where(configs, init="he_normal")
        z = rng.normal(size=(4, n))
        sd_std = np.where(is_he, he.NOISE["std"][0], he.NOISE["std"][1])
        sd_grad = np.where(is_he, he.NOISE["grad"][0], he.NOISE["grad"][1])
        columns = target_columns(8.0 * np.exp(z[0] * he.NOISE["epochs"]), 0.1, configs.max_epochs.to_numpy())
        return {**columns, "act/std_last_first_ratio_init": np.where(is_he, he_std_ratio, 0.01) * np.exp(z[1] * sd_std),
                "grad/first_norm_init": np.where(is_he, 1.0, 0.1) * np.exp(z[2] * sd_grad),
                "final_val_acc": 0.5 + z[3] * he.NOISE["acc"], "activation": np.full(n, "relu")}  # a base field rows group by
    return draw


HE_ROWS = (*dict.fromkeys(st.statement for st in he.THRESHOLDS), *(st.statement for st in he.RATIOS))
KEPT = he.THRESHOLDS[0].statement
HE_INIT = [
    Null("every row at its threshold, He's std ratio at the band's edge (6)", dict.fromkeys(HE_ROWS, "supported"),
         he_draw(6.0)),
    # Counted supported only. Every draw is symmetric about its threshold, so refuted has the same rate; for the
    # equivalence row too: at the band's edge, supported needs all 6 seeds inside it and refuted all 6 outside, 1/64
    # each, and at the claim at its truest (the theory's median 0.7, sd 0.48) a refutation is rarer still.
]


# --- vanishing-gradients --------------------------------------------------------------------------------------------

def vanishing_draw(fixes_ratio: float):
    """The first/last-layer gradient ratio (at init and after epoch 1) of sigmoid + default at 0.1, the fixes' (tanh +
    Glorot, relu + He) at `fixes_ratio`; every final accuracy at 0.5. Per-run noise of vanishing.NOISE's size."""
    def draw(configs, rng):
        n, naive = len(configs), where(configs, activation="sigmoid")
        sd_log_ratio, sd_acc = vanishing.NOISE
        ratio = np.where(naive, 0.1, fixes_ratio)
        return {"grad/first_last_ratio_init": ratio * np.exp(rng.normal(size=n) * sd_log_ratio),
                "grad/first_last_ratio_epoch1": ratio * np.exp(rng.normal(size=n) * sd_log_ratio),
                "final_val_acc": 0.5 + rng.normal(size=n) * sd_acc}
    return draw


# Each draw is symmetric about its thresholds: refuted has the same rate as supported (counted: supported).
VANISHING = [
    Null("every gradient ratio at 0.1, every accuracy at 0.5",
         dict.fromkeys(("gradients vanish toward the input", "gradients do not vanish", "does not train", "trains"),
                       "supported"), vanishing_draw(0.1)),
    Null("the fixes' gradient ratios at 10", {"gradients do not explode": "supported"}, vanishing_draw(10.0)),
]


# --- bn-saturating ---------------------------------------------------------------------------------------------------

def saturating_draw(configs, rng):
    """BN exactly like no BN in every (activation, init): ~16 epochs to target (lognormal, saturating.NOISE's sd, so
    ~6% of runs pass the 30-epoch budget, censored alike in both arms); the BN runs' final accuracy at 0.5; the
    gradient ratio L1/L20 at init drawn alike for both arms (log-normal about 0.1). Per-run noise of saturating.NOISE."""
    n = len(configs)
    sd_epochs, sd_acc, sd_log_grad = saturating.NOISE
    columns = target_columns(16.0 * np.exp(rng.normal(size=n) * sd_epochs), 0.1, configs.max_epochs.to_numpy())
    return {**columns, "final_val_acc": 0.5 + rng.normal(size=n) * sd_acc,
            "grad/first_last_ratio_init": 0.1 * np.exp(rng.normal(size=n) * sd_log_grad)}


BN_SATURATING = [Null("BN exactly like no BN, BN's accuracy at 0.5 (counting supported; the draw is symmetric)",
                      dict.fromkeys(("with BN it trains", "BN needs fewer epochs", "BN keeps gradients flowing"),
                                    "supported"), saturating_draw)]


# --- bn-learning-rate -----------------------------------------------------------------------------------------------

def lr_draw(epochs_by_arm: dict[str, dict[float, float]], edge: float = 1.0, partial: tuple[float, ...] = ()):
    """Each arm (norm) reaches the target in epochs_by_arm[norm][lr] epochs (inf: never), times bnlr.NOISE's per-run
    lognormal noise, in whole epochs within the 20-epoch budget (more: censored); at the top lr both arms reach it in
    a share `edge` of the runs only (their stability edge), the others never. `partial`: seeds 6 and up are present
    only at these lrs (seeds added at a later look behind a few cells)."""
    def draw(configs, rng):
        n, lr = len(configs), configs.lr.to_numpy()
        truth = np.empty(n)
        for norm, by_lr in epochs_by_arm.items():
            arm = where(configs, norm=norm)
            truth[arm] = [by_lr[x] for x in lr[arm]]
        truth[(lr == lr.max()) & (rng.random(n) >= edge)] = np.inf
        columns = target_columns(truth * np.exp(rng.normal(size=n) * bnlr.NOISE), 0.1, configs.max_epochs.to_numpy())
        if partial:
            columns[PRESENT] = (configs.seed.to_numpy() < 6) | np.isin(lr, partial)
        return columns
    return draw


INF = float("inf")
LRS = {"lr": (0.03, 0.1, 0.3, 1.0)}  # 4 of the 6 lrs, 3 where a scenario needs no more: a smaller table, a cheaper judge
ALIKE = {0.03: 11.0, 0.1: 8.0, 0.3: 7.0, 1.0: 7.0}  # one landscape for both arms, stable at 1 in half the seeds
# Each arm's fastest lr at 8 epochs: BN at 0.1, 0.3 and 1 alike, no BN at 0.1 only (a per-seed minimum over BN's three
# lrs would favour it); both stable at 1 in half the seeds (the largest stable lr alike: 1 or 0.3).
BN_FLAT = {0.1: 8.0, 0.3: 8.0, 1.0: 8.0}
NONE_SHARP = {0.1: 8.0, 0.3: 14.0, 1.0: 14.0}
# Each arm's fastest lr (BN 0.3, no BN 0.1) at 8 epochs; at 0.03, where the seeds added later ran, BN is 1.2x slower
# (measured at default scale: 1.2x at 0.03, 1.6x at 0.01). Measured 2026-12-06, 1000 rows: refuted in 0.7% with
# whole_grid and without it (the tuned lr is chosen on whole seeds; a partial seed lacks it); the old per-seed fastest
# lr read 0.1% with whole_grid, 1.9% without (the partial seeds' "fastest" was 0.03, where BN is slower).
BN_SLOW_START = {0.03: 13.0, 0.1: 10.0, 0.3: 8.0}
NONE_FAST_START = {0.03: 11.0, 0.1: 8.0, 0.3: 12.0}
BN_LEARNING_RATE = [
    # symmetric arms: "refuted" has the same rate as "supported" (swap the labels)
    Null("BN exactly like no BN at every lr", {bnlr.FEWER_EPOCHS.statement: "supported"},
         lr_draw({"before": ALIKE, "none": ALIKE}, edge=0.5), grid=LRS),
    Null("each arm's fastest lr at 8 epochs (BN at 3 lrs, no BN at 1), both stable at lr 1 in half the seeds",
         {bnlr.BEST.statement: "supported", bnlr.HIGHER_LR.statement: "supported"},
         lr_draw({"before": BN_FLAT, "none": NONE_SHARP}, edge=0.5), grid={"lr": tuple(BN_FLAT)}),
    Null("each arm's fastest lr at 8 epochs; seeds 6-11 added behind lr 0.03 only, where BN is slower",
         {bnlr.BEST.statement: "refuted"},
         lr_draw({"before": BN_SLOW_START, "none": NONE_FAST_START}, partial=(0.03,)), grid={"lr": tuple(BN_SLOW_START)},
         seeds=12),
]


# --- bn-inference ----------------------------------------------------------------------------------------------------

def latency_draw(configs, rng):
    """BN/no-BN and fused/no-BN latency ratios each exactly at 1 + MARGIN (median), lognormal per-run noise of the
    measured size for its batch (inference.NOISE); the fused net exact to float32 rounding (1e-6)."""
    n, columns = len(configs), {}
    for b in inference.BATCH_SIZES:
        for ratio in ("bn_vs_none", "fused_vs_none"):
            columns[f"ratio/{ratio}/b{b}"] = (1 + inference.MARGIN) * np.exp(rng.normal(size=n) * inference.NOISE[b])
    return {**columns, "fused_max_rel_err": 1e-6 * np.exp(rng.normal(size=n) * 0.3)}


INFERENCE_ROWS = ("BN slows inference", "fused is as fast as no BN", "fusion removes the penalty")
# "fused computes the BN net" is a check of fuse_bn (an identity up to rounding), not evidence: no scenario.
BN_INFERENCE = [Null(f"every latency ratio exactly at 1 + MARGIN (counting {w})", dict.fromkeys(INFERENCE_ROWS, w),
                     latency_draw) for w in ("supported", "refuted")]


NULLS = [*((vanishing.SUITE, n) for n in VANISHING), *((saturating.SUITE, n) for n in BN_SATURATING), *((he.SUITE, n) for n in HE_INIT), *((act.SUITE, n) for n in ACTIVATIONS), *((bnlr.SUITE, n) for n in BN_LEARNING_RATE), *((inference.SUITE, n) for n in BN_INFERENCE)]


@pytest.mark.parametrize("suite, null", cases(NULLS))
def test_rows_read_wrong_rarely_under_their_null(suite, null):
    assert_rates_within_bounds(suite, null)
