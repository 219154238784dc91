"""Batch norm slows inference; folding it into the adjacent Linear after training removes the penalty.

Source: the chapter's BN section (BN adds computation at every layer at inference; fusing it into
the previous layer after training avoids that; a BN placed after the activation folds forward into
the next layer instead). No source figure; here: the 20x100 MLP of the chapter's exercise.

One run per (activation, placement, seed) measures three nets in eval mode under inference_mode:
  none  - the same MLP built without BN;
  bn    - the BN MLP after 20 training steps on digits (so its running statistics are real);
  fused - that BN MLP with every BN folded away (harness.fuse_bn).
At batch sizes 1, 32 and 1024, on the selected device (synchronized before every clock read;
harness.inference_latency): WARMUP untimed calls per net, then REPEATS timed single calls per net,
interleaved (none, bn, fused, rotating who goes first) so a busy machine slows all three alike; a
net's latency is the median over its calls. Single calls, not blocks of calls: on a shared,
oversubscribed CPU a short call is rarely preempted, so the median stays the uncontended cost. Ratios are taken within the
run (bn/none, fused/none). The run also records the fused net's error against a float64 reference
of the BN net in eval mode on 1024 fresh inputs (fused_max_rel_err: max |fused - ref| / max |ref|),
and the BN net's own float32 error against the same reference (bn_max_rel_err).

Verdict per activation, placement and batch size, thresholds fixed in advance (MARGIN = 0.05:
latency differences within 5% are treated as no difference, timing jitter on a shared machine):
- "BN slows inference":              bn/none latency ratio    > 1 + MARGIN
- "fused is as fast as no BN":       fused/none latency ratio < 1 + MARGIN
- "fused computes the BN net":       fused_max_rel_err < TOLERANCE = 1e-4: float32 rounding over 20
  layers gives ~1e-6 (the BN net's own error; measured 0.9-3.5e-6 for the fused net), while a
  wrong fold (a missing shift, a scale on the wrong axis) is off by 1e-2 or more; a check of fuse_bn,
  shown apart from the claim's rows and not counted in the answer
- "fusion removes the penalty":      both of the last two (all-of: refuted when either is), so a
  fast but wrong fusion fails it
effect = median over seeds, exact 95% order-statistic interval over seeds (6 seeds); supported when
the interval lies wholly on the claimed side, refuted when wholly on the other, else inconclusive.
"""
from __future__ import annotations

import copy

import torch

from harness import (RunConfig, Suite, ThresholdStatement, all_of, build_model, column, count_batchnorm, fuse_bn,
                     inference_latency, load_data, optimizer_steps, threshold_verdicts)

BATCH_SIZES = (1, 32, 1024)
VARIANTS = ("none", "bn", "fused")
MARGIN = 0.05  # equivalence margin on latency ratios
TOLERANCE = 1e-4  # largest relative error of the fused net against the float64 BN reference
REPEATS = 60  # timed calls per net and batch size
WARMUP = 5  # untimed calls per net and batch size (allocator, caches, lazy init)
BN_TRAIN_STEPS = 20  # steps that give the BN net real running statistics
# Seed noise per batch size: sd of the log latency ratio (BN/no BN, fused/no BN; the larger) between seeds of one
# (activation, placement), from the default-scale store of 2026-12-06 10:11 UTC (docs/evidence.md: AMD EPYC, load
# 5-11, 12 seeds per group); the null tests draw with it.
NOISE = {1: 0.04, 32: 0.19, 1024: 0.14}


def trained_bn_net(config: RunConfig, data, device: torch.device) -> torch.nn.Module:
    """The BN MLP after a few training steps: running statistics and affine parameters as training leaves them."""
    model = build_model(config, data.n_features, data.n_classes).to(device)
    x, y = data.x_train.to(device), data.y_train.to(device)  # (N, F), (N,)
    g = torch.Generator().manual_seed(config.seed)
    model.train()

    def loss() -> torch.Tensor:  # a minibatch drawn with replacement
        idx = torch.randint(0, len(x), (config.batch_size,), generator=g).to(device)
        return torch.nn.functional.cross_entropy(model(x[idx]), y[idx])

    for _ in optimizer_steps(model.parameters(), config, loss, BN_TRAIN_STEPS):
        pass  # every step
    return model.eval()


def latency(config: RunConfig) -> dict:
    """Median seconds per forward call of the no-BN, BN and fused nets at each batch size, their ratios, and the
    fused net's (and the BN net's own) error against the BN net in float64."""
    device = torch.device(config.device)
    data = load_data(config)
    bn = trained_bn_net(config, data, device)  # seeded as a run is
    fused = fuse_bn(bn)
    none = build_model(config.replace(norm="none"), data.n_features, data.n_classes).to(device).eval()
    nets = {"none": none, "bn": bn, "fused": fused}  # VARIANTS, in order
    out: dict[str, float] = {"bn_modules": float(count_batchnorm(bn)), "fused_bn_modules": float(count_batchnorm(fused))}
    g = torch.Generator().manual_seed(config.seed + 1)
    with torch.inference_mode():
        fresh = torch.randn(1024, data.n_features, generator=g).to(device)  # inputs BN never saw
        y_ref = copy.deepcopy(bn).double()(fresh.double())  # the BN net in eval mode, float64
        scale = y_ref.abs().max()
        out["fused_max_rel_err"] = float((fused(fresh).double() - y_ref).abs().max() / scale)
        out["bn_max_rel_err"] = float((bn(fresh).double() - y_ref).abs().max() / scale)
    for b in BATCH_SIZES:
        med = inference_latency(nets, fresh[:b], repeats=REPEATS, warmup=WARMUP)  # seconds per call, (b, F) input
        for v in VARIANTS:
            out[f"latency_s/{v}/b{b}"] = med[v]
        out[f"ratio/bn_vs_none/b{b}"] = med["bn"] / med["none"]
        out[f"ratio/fused_vs_none/b{b}"] = med["fused"] / med["none"]
        out[f"ratio/fused_vs_bn/b{b}"] = med["fused"] / med["bn"]
    return out


SLOWER = [ThresholdStatement("BN slows inference", f"BN/no-BN latency ratio, batch {b}",
                             column(f"ratio/bn_vs_none/b{b}"), ">", 1 + MARGIN) for b in BATCH_SIZES]
FAST = [ThresholdStatement("fused is as fast as no BN", f"fused/no-BN latency ratio, batch {b}",
                           column(f"ratio/fused_vs_none/b{b}"), "<", 1 + MARGIN) for b in BATCH_SIZES]
EXACT = ThresholdStatement("fused computes the BN net", "fused max rel error vs float64 BN",
                           column("fused_max_rel_err"), "<", TOLERANCE, check=True)  # an identity: shown apart


def judge(runs):
    by = ["activation", "norm"]
    exact = threshold_verdicts(runs, [EXACT], group_by=by)
    fast = threshold_verdicts(runs, FAST, group_by=by)
    batch = {st.metric: b for b, st in zip(BATCH_SIZES, FAST)}  # each FAST statement is one batch size
    removes = [all_of([f, e], "fusion removes the penalty", {**f.group, "batch": batch[f.metric]})
               for f in fast for e in exact if e.group == f.group]
    return [*threshold_verdicts(runs, SLOWER, group_by=by), *fast, *exact, *removes]


SUITE = Suite(
    name="bn-inference",
    claim="BN slows inference; folding each BN into the adjacent Linear after training removes the penalty",
    source="Geron, Hands-On ML, ch. 'Training Deep Neural Networks' (BN section: fusing BN after training)",
    base=RunConfig.chapter_recipe(max_epochs=1, threads=1),
    grid={"activation": ("relu", "elu"), "norm": ("before", "after")},
    seeds=6,
    judge=judge,
    timing=True,
    measure=latency,  # every config is measured, seeded as a run is: nothing here trains through the Trainer
    words={"activation": "{}", "norm": "BN {}", "batch": "batch {}"},  # 'relu, BN before, batch 32'
    # ci: one activation, both placements, 6 seeds, a 6-layer net: every row, n, intervals and the
    # fused net's exactness (clear-cut at any load) in seconds.
    scales={"ci": {"seeds": 6, "depth": 6, "grid": {"activation": ("relu",)}}},
)
