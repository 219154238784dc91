"""Diagnostics: independent callbacks off the timed path (gradient and activation health), chosen by config.diagnostics.

Each registry entry is a factory (config, tracker, run_id) -> pl.Callback. A diagnostic samples at
init (`on_train_start`, logged as step 0), at the end of every `config.diag_every`-th epoch (after
validation, so after the epoch timer has stopped) and at the last epoch if that was not one, and logs its per-layer metrics through the
tracker in one batch per sample; without a tracker it keeps them on `callback.samples` only.

A diagnostic never changes the training trajectory: it measures on a fixed probe in `probe_mode`
(batch norm on the probe's batch statistics, as a training step sees it; dropout off), restores every
buffer (BN running statistics and counters), module mode and RNG state it could touch, and takes
gradients with `torch.autograd.grad`, which leaves the parameters' `.grad` alone. The metric names
are documented in docs/diagnostics.md, next to the MLflow contract.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Callable

import numpy as np
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn

from harness.nn.activations import ACTIVATIONS
from harness.nn.clipping import clip_gradients
from harness.core.registry import Registry

DiagnosticFactory = Callable[..., pl.Callback]  # (config, tracker | None, run_id | None) -> callback

DIAGNOSTICS: Registry[DiagnosticFactory] = Registry("diagnostic")

GRAD_PROBE_ROWS = 512  # gradient probe: the first rows of the training split (already a seeded random order)
SATURATION_MARGIN = 0.01  # saturated: output within this share of the activation's range from either bound
PERCENTILES = (15, 50, 85)  # of the last hidden activation's inputs: the figure the BN paper plots for sigmoid nets
SNAPSHOT_STEPS = {0: "init", 1: "epoch1"}  # summary scalars are also logged as `<name>_<suffix>` at these steps
DROPOUT_MODULES = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout)  # off in probes


def layer_key(prefix: str, index: int) -> str:
    """Per-layer metric name, 1-based: layer_key('grad/norm', 0) == 'grad/norm/layer_01'."""
    return f"{prefix}/layer_{index + 1:02d}"


@contextmanager
def probe_mode(model: nn.Module):
    """Run a probe as a training step sees the network, then put back everything the probe could change.

    Batch norm normalizes with the probe's own batch statistics (train mode), which at init and
    during training is what the next step will see; dropout is off, so the probe is deterministic
    and draws no random numbers. On exit every buffer (BN running mean/var and num_batches_tracked),
    every module's train/eval flag and the RNG state are restored exactly.
    """
    modes = [(m, m.training) for m in model.modules()]
    saved = [(b, b.detach().clone()) for b in model.buffers()]
    devices = sorted({p.device.index or 0 for p in model.parameters() if p.device.type == "cuda"})
    with torch.random.fork_rng(devices=devices):
        model.train()
        for m in model.modules():
            if isinstance(m, DROPOUT_MODULES):
                m.eval()
        try:
            yield model
        finally:
            with torch.no_grad():
                for buffer, copy in saved:
                    buffer.copy_(copy)
            for m, mode in modes:
                m.train(mode)


def _ratio(a: float, b: float) -> float:
    """a / b, with 0/0 undefined (nan) and x/0 infinite: a ratio of norms never raises."""
    if b == 0:
        return math.nan if a == 0 else math.inf
    return a / b


class Diagnostic(pl.Callback):
    """Samples `measure` at init and every k epochs, outside the timed region, and logs one batch per sample."""

    summary_keys: tuple[str, ...] = ()  # scalars also logged as <key>_init / <key>_epoch1 (readable in load_runs)

    def __init__(self, config, tracker=None, run_id: str | None = None):
        self.config, self.tracker, self.run_id = config, tracker, run_id
        self.every = config.diag_every
        self.samples: dict[int, dict[str, float]] = {}  # step (0 = init, else 1-based epoch) -> metrics

    def measure(self, model: nn.Module, datamodule) -> dict[str, float]:
        raise NotImplementedError

    def on_train_start(self, trainer, pl_module) -> None:
        self._sample(trainer, pl_module, 0)

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        epoch = trainer.current_epoch + 1
        if epoch % self.every == 0:
            self._sample(trainer, pl_module, epoch)

    def on_train_end(self, trainer, pl_module) -> None:
        # A run that stopped early (target reached, diverged) between samples: its final state is sampled
        # too, so the latest value of every metric describes the net as training left it.
        last = len(pl_module.history)  # finished epochs
        if last not in self.samples:
            self._sample(trainer, pl_module, last)

    def _sample(self, trainer, pl_module, step: int) -> None:
        metrics = self.measure(pl_module.model, trainer.datamodule)
        if step in SNAPSHOT_STEPS:
            metrics.update({f"{k}_{SNAPSHOT_STEPS[step]}": metrics[k] for k in self.summary_keys if k in metrics})
        self.samples[step] = metrics
        if self.tracker is not None and self.run_id is not None:
            self.tracker.log_metrics(self.run_id, metrics, step=step)


@contextmanager
def differentiable(weights: list[nn.Parameter]):
    """Every weight requires grad inside (a frozen reused layer's too), each back to its own flag on exit."""
    flags = [w.requires_grad for w in weights]
    try:
        for w in weights:
            w.requires_grad_(True)
        yield weights
    finally:
        for w, flag in zip(weights, flags):
            w.requires_grad_(flag)


class GradientHealth(Diagnostic):
    """Per-layer gradient norms of the hidden Linear weights on a fixed training probe; first/last ratio.

    grad/norm/layer_NN: Frobenius norm of d(mean cross-entropy)/dW for hidden layer NN, frozen reused layers
    included (the gradient that reaches them, though no step applies it while they are frozen);
    grad/first_last_ratio: layer 1 over the last hidden layer (< 1 vanishing toward the input, > 1 exploding).
    """

    summary_keys = ("grad/first_last_ratio", "grad/first_norm", "grad/last_norm")

    def measure(self, model, datamodule) -> dict[str, float]:
        device = next(model.parameters()).device
        x = datamodule.x_train[:GRAD_PROBE_ROWS].to(device)  # (P, F)
        y = datamodule.y_train[:GRAD_PROBE_ROWS].to(device)  # (P,)
        weights = [linear.weight for linear in model.hidden_linears()]
        with probe_mode(model), differentiable(weights), torch.enable_grad():
            loss = F.cross_entropy(model(x), y)
            grads = torch.autograd.grad(loss, weights)  # leaves every .grad untouched
        norms = [float(g.norm()) for g in grads]
        out = {layer_key("grad/norm", i): n for i, n in enumerate(norms)}
        out["grad/first_norm"], out["grad/last_norm"] = norms[0], norms[-1]
        out["grad/first_last_ratio"] = _ratio(norms[0], norms[-1])
        return out


class ActivationHealth(Diagnostic):
    """Per-layer statistics before and after each hidden activation, on the whole validation split.

    Per layer NN: act/pre_mean, act/pre_std (the activation's input), act/post_mean, act/post_std
    (its output), act/dead_frac (units whose output is exactly 0 on every validation example),
    act/negative_frac (units whose input is < 0 on every example: dead for ReLU, in a 'coma' that
    still passes gradient for leaky ReLU/ELU), and for sigmoid/tanh act/saturated_frac (outputs within
    SATURATION_MARGIN of the range's ends). Summaries pool every hidden unit of every layer.
    """

    summary_keys = ("act/dead_frac", "act/negative_frac", "act/saturated_frac", "act/std_last_first_ratio",
                    *(f"act/last_pre_p{q}" for q in PERCENTILES))

    def __init__(self, config, tracker=None, run_id: str | None = None):
        super().__init__(config, tracker, run_id)
        self.bounds: tuple[float, float] | None = None
        if ACTIVATIONS.get(config.activation).saturating:  # the output range, read off the module itself
            ends = ACTIVATIONS.get(config.activation).make()(torch.tensor([-1e4, 1e4]))
            self.bounds = (float(ends[0]), float(ends[1]))

    def _layer_stats(self, pre: torch.Tensor, post: torch.Tensor) -> dict[str, float]:
        """pre, post: (N_val, width) input and output of one activation."""
        pre64, post64 = pre.double(), post.double()
        finite = bool(torch.isfinite(post).all())  # a diverged net has no dead/alive units, only nan
        stats = {
            "pre_mean": float(pre64.mean()), "pre_std": float(pre64.std(unbiased=False)),
            "post_mean": float(post64.mean()), "post_std": float(post64.std(unbiased=False)),
            "dead_frac": float((post == 0).all(0).double().mean()) if finite else math.nan,
            "negative_frac": float((pre < 0).all(0).double().mean()) if finite else math.nan,
        }
        if self.bounds is not None:
            lo, hi = self.bounds
            margin = SATURATION_MARGIN * (hi - lo)
            saturated = (post <= lo + margin) | (post >= hi - margin)
            stats["saturated_frac"] = float(saturated.double().mean()) if finite else math.nan
        return stats

    def measure(self, model, datamodule) -> dict[str, float]:
        device = next(model.parameters()).device
        x = datamodule.x_val.to(device)  # (N_val, F)
        per_layer: list[dict[str, float]] = []
        last_pre: list[torch.Tensor] = []

        def hook(module, inputs, output):
            per_layer.append(self._layer_stats(inputs[0], output))
            last_pre[:] = [inputs[0]]  # only the last layer's input is kept, for its percentiles

        handles = [block.act.register_forward_hook(hook) for block in model.hidden]
        try:
            with probe_mode(model), torch.no_grad():
                model(x)
        finally:
            for h in handles:
                h.remove()
        out: dict[str, float] = {}
        for i, stats in enumerate(per_layer):
            out.update({layer_key(f"act/{name}", i): v for name, v in stats.items()})
        width = [block.linear.out_features for block in model.hidden]  # units per layer, for pooled fractions
        for name in ("dead_frac", "negative_frac", "saturated_frac"):
            if name in per_layer[0]:
                out[f"act/{name}"] = float(np.average([s[name] for s in per_layer], weights=width))
        out["act/std_last_first_ratio"] = _ratio(per_layer[-1]["post_std"], per_layer[0]["post_std"])
        pcts = np.percentile(last_pre[0].double().cpu().numpy(), PERCENTILES)
        out.update({f"act/last_pre_p{q}": float(v) for q, v in zip(PERCENTILES, pcts)})
        return out


@contextmanager
def restored_step(params: list[nn.Parameter], optimizer: torch.optim.Optimizer):
    """Take a trial optimizer step inside, then put back the weights, their .grad and the optimizer's state in place."""
    weights = [p.detach().clone() for p in params]
    grads = [None if p.grad is None else p.grad.clone() for p in params]
    state = {p: {k: v.clone() if torch.is_tensor(v) else v for k, v in optimizer.state[p].items()}
             for p in params if p in optimizer.state}
    groups = [{k: v for k, v in g.items() if k != "params"} for g in optimizer.param_groups]
    try:
        yield
    finally:
        with torch.no_grad():
            for p, w, g in zip(params, weights, grads):
                p.copy_(w)
                p.grad = g
            for p in params:
                if p not in state:
                    optimizer.state.pop(p, None)
                    continue
                for k, v in state[p].items():  # in place: other holders of the state see the same tensors
                    if torch.is_tensor(v):
                        optimizer.state[p][k].copy_(v)
                    else:
                        optimizer.state[p][k] = v
            for g, saved in zip(optimizer.param_groups, groups):
                g.update(saved)


class UpdateHealth(Diagnostic):
    """One trial training step on a fixed batch (the first batch_size training rows), then undone.

    The step is the run's own: backward, the config's clipping, the run's optimizer with its current
    state and lr. Per hidden layer NN: upd/ratio/layer_NN = ||dW|| / ||W|| (the update's relative size),
    upd/eff_lr/layer_NN = ||dW|| / ||g|| with g the gradient the optimizer received (lr for plain SGD;
    momentum and adaptive scaling show up here). Pooled over all hidden weights: upd/ratio, upd/eff_lr.
    upd/grad_norm: the whole gradient's L2 norm before clipping; upd/clipped_norm after it;
    upd/clip_cosine: cosine between the clipped and the unclipped gradient (1 = direction kept).
    A frozen reused layer (layer reuse) receives no gradient and the step leaves it as it was: its upd/ratio
    is 0 and its upd/eff_lr nan; the pooled figures are over the hidden layers the step trains (nan if none).
    """

    summary_keys = ("upd/ratio", "upd/eff_lr", "upd/grad_norm", "upd/clipped_norm", "upd/clip_cosine")

    def _sample(self, trainer, pl_module, step: int) -> None:
        self.optimizer = trainer.optimizers[0]  # the raw torch optimizer, with the run's current state and lr
        super()._sample(trainer, pl_module, step)

    def measure(self, model, datamodule) -> dict[str, float]:
        device = next(model.parameters()).device
        rows = self.config.batch_size
        x, y = datamodule.x_train[:rows].to(device), datamodule.y_train[:rows].to(device)  # (B, F), (B,)
        params = [p for p in model.parameters() if p.requires_grad]
        weights = [linear.weight for linear in model.hidden_linears()]
        with restored_step(params, self.optimizer), probe_mode(model), torch.enable_grad():
            for p in params:
                p.grad = None
            F.cross_entropy(model(x), y).backward()
            raw = torch.cat([p.grad.flatten() for p in params]).double()
            clip_gradients(params, self.config.clip, self.config.clip_threshold)
            clipped = torch.cat([p.grad.flatten() for p in params]).double()
            layer_grads = [None if w.grad is None else w.grad.double().clone() for w in weights]  # None: frozen
            before = [w.detach().double().clone() for w in weights]
            self.optimizer.step()
            deltas = [w.detach().double() - b for w, b in zip(weights, before)]
        out = {"upd/grad_norm": float(raw.norm()), "upd/clipped_norm": float(clipped.norm()),
               "upd/clip_cosine": float(torch.dot(raw, clipped) / (raw.norm() * clipped.norm()))}
        for i, (d, b, g) in enumerate(zip(deltas, before, layer_grads)):
            out[layer_key("upd/ratio", i)] = _ratio(float(d.norm()), float(b.norm()))
            out[layer_key("upd/eff_lr", i)] = math.nan if g is None else _ratio(float(d.norm()), float(g.norm()))
        trained = [i for i, g in enumerate(layer_grads) if g is not None]
        pooled = [float(torch.cat([ts[i].flatten() for i in trained]).norm()) if trained else math.nan
                  for ts in (deltas, before, layer_grads)]
        out["upd/ratio"], out["upd/eff_lr"] = _ratio(pooled[0], pooled[1]), _ratio(pooled[0], pooled[2])
        return out


DIAGNOSTICS.register("gradients", GradientHealth)
DIAGNOSTICS.register("activations", ActivationHealth)
DIAGNOSTICS.register("updates", UpdateHealth)
