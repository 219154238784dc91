"""MC dropout: averaging T predictions with dropout on improves the probabilities (NLL, calibration) at about the
same accuracy, and costs about T forward passes.

Source: Gal & Ghahramani 2016 (dropout at test time as approximate Bayesian inference; better predictive
log-likelihood than the standard, weight-averaged pass); the chapter's example (Fashion-MNIST: accuracy 87.0% ->
87.2% with 100 samples, confidence on a wrong example 84.4% -> 72.3%; "cost grows with the samples").

Setup: MNIST-1D (2000 examples, half held out: 1000 training, 1000 validation rows), 3 hidden layers of 256
ReLU units (He init) with dropout 0.2 after each (the chapter's MC example's rate), Adam lr 1e-3, batch 64, a
fixed 40 epochs (stop_at_target off): past the best validation loss (about epoch 12-20 in calibration runs),
so the deterministic net is overconfident, where the chapter says MC dropout helps.
Every validation also runs the MC pass (harness.nn.regularization, config mc_samples = T): the same weights,
T passes with dropout on, softmax probabilities averaged; the deterministic pass is the usual one (dropout off).
Both are measured on the last epoch's weights, so each comparison is paired within a run, then judged over seeds.
The lr is not tuned (one Adam lr 1e-3): both sides are passes of the same trained net, so the lr cannot favour either.

Grid: T in (10, 30) x 6 seeds. Verdict per T (median over seeds, exact 95% interval), thresholds fixed in advance:
- "MC dropout lowers the NLL":          val/mc_nll - val/loss (nats) < 0
- "MC dropout improves calibration":    val/mc_ece - val/ece (ECE, 15 equal-width bins) < 0
- "accuracy stays about the same":      val/mc_acc - val/acc within +-0.01 (the chapter's +0.2 points sits inside)
- "latency grows as T":                (MC seconds / deterministic seconds) / T within a factor 2 either way,
  the per-run median over epochs (harness.MCDropoutCost, mc/latency_ratio): each MC pass is one forward pass plus
  drawing the dropout masks, both clocks device-synchronized and outside the training epoch's timed region.
and across T, paired by seed:
- "MC cost is linear in T":              per-pass MC seconds at T 30 / at T 10 within a factor 1.5 either way
  (mc/seconds_per_pass: the per-run median over epochs of val/mc_time_s / T)
"""
import math

import pandas as pd

from harness import (FINAL_VAL_ACC, FINAL_VAL_LOSS, MCDropoutCost, MC_LATENCY_RATIO, MC_SECONDS_PER_PASS, Measured,
                     RatioStatement, RunConfig, Suite, ThresholdStatement, VAL_ECE, VAL_MC_ACC, VAL_MC_ECE, VAL_MC_NLL,
                     WITHIN_DIFFERENCE, WITHIN_RATIO, column, paired_verdicts, threshold_verdicts)

ACC_MARGIN = 0.01  # accuracy points (as a fraction) MC dropout may move either way and still count as "the same"
LATENCY_FACTOR = 2.0  # the per-sample MC cost may be within 2x of one deterministic pass
LINEAR_FACTOR = 1.5  # the per-pass MC cost at the largest T may be within 1.5x of that at the smallest


def _difference(mc: str, deterministic: str):
    def value(row: pd.Series) -> Measured:
        a, b = row.get(mc, math.nan), row.get(deterministic, math.nan)
        return Measured(float(a) - float(b))

    return value


STATEMENTS = [
    ThresholdStatement("MC dropout lowers the NLL", "NLL difference MC - deterministic (nats)",
                       _difference(VAL_MC_NLL, FINAL_VAL_LOSS), "<", 0.0),
    ThresholdStatement("MC dropout improves calibration", "ECE difference MC - deterministic",
                       _difference(VAL_MC_ECE, VAL_ECE), "<", 0.0),
    ThresholdStatement("accuracy stays about the same", "accuracy difference MC - deterministic",
                       _difference(VAL_MC_ACC, FINAL_VAL_ACC), WITHIN_DIFFERENCE, ACC_MARGIN),
    ThresholdStatement("latency grows as T", "(MC time / one pass) / T",
                       column(MC_LATENCY_RATIO), WITHIN_RATIO, LATENCY_FACTOR),
]
LINEAR = RatioStatement("MC cost is linear in T", "per-pass MC seconds ratio", column(MC_SECONDS_PER_PASS),
                        WITHIN_RATIO, LINEAR_FACTOR)
T_SMALL, T_LARGE = 10, 30
# Seed noise, sd per run, default scale (12 seeds), 2026-12-06 on AMD EPYC at load ~13: MC - deterministic NLL 0.017
# (T 30) to 0.022 (T 10) nats, ECE 0.008-0.010, accuracy 0.005-0.011; log latency ratio 0.08-0.10; log per-pass
# seconds 0.20-0.26 (the T 30 / T 10 ratio's log 0.30).
NOISE = {"nll difference": 0.022, "ece difference": 0.010, "acc difference": 0.011, "log latency ratio": 0.10,
         "log seconds per pass": 0.26}


def judge(runs):
    verdicts = threshold_verdicts(runs, STATEMENTS, group_by=["mc_samples"])
    if len(set(runs.mc_samples)) > 1:  # every larger T against T_SMALL (the grid's one: T_LARGE)
        verdicts += paired_verdicts(runs, [LINEAR], "mc_samples", T_SMALL, [])
    return verdicts


SUITE = Suite(
    name="mc-dropout",
    claim="MC dropout (T passes with dropout on, averaged) lowers NLL and calibration error at the same accuracy, at about T times the cost",
    source="Gal & Ghahramani 2016; Geron, Hands-On ML, ch. 'Training Deep Neural Networks' (MC dropout)",
    base=RunConfig(dataset="mnist1d", n_samples=2000, val_fraction=0.5, depth=3, width=256, activation="relu",
                   dropout=0.2, optimizer="adam", lr=1e-3, batch_size=64, max_epochs=40, stop_at_target=False,
                   target_value=0.6, mc_samples=T_SMALL, threads=1),
    grid={"mc_samples": (T_SMALL, T_LARGE)},
    seeds=6,
    judge=judge,
    words={"mc_samples": "{} passes"},  # '30 passes vs 10 passes'
    timing=False,  # the latency row is a ratio of two clocks read in the same validation, not a timed training claim
    callbacks=(MCDropoutCost(),),  # every run logs mc/latency_ratio and mc/seconds_per_pass per epoch
    # ci: T = 10 only, 12 epochs, 3 seeds
    scales={"ci": {"seeds": 3, "max_epochs": 12, "grid": {"mc_samples": (T_SMALL,)}},
            "nightly": {"seeds": 12, "n_samples": 4000, "max_epochs": 60, "grid": {"mc_samples": (T_SMALL, T_LARGE)}}},
)
