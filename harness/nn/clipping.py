"""Gradient clipping, applied inside every training step between backward and the optimizer step (both loops)."""
from __future__ import annotations

from typing import Iterable

import torch

# none; value: every gradient entry clamped into [-t, t] (can turn the gradient's direction);
# norm: the whole gradient (all parameters together) rescaled to L2 norm <= t (keeps its direction).
CLIPS = ("none", "value", "norm")


def clip_gradients(parameters: Iterable[torch.nn.Parameter], mode: str, threshold: float) -> None:
    """Clip the parameters' .grad in place by `mode` at `threshold` (a no-op for 'none')."""
    if mode == "value":
        torch.nn.utils.clip_grad_value_(parameters, threshold)
    elif mode == "norm":
        # error_if_nonfinite=False: a nan/inf gradient stays nan and the run is recorded as diverged.
        torch.nn.utils.clip_grad_norm_(parameters, threshold)
    elif mode != "none":
        raise ValueError(f"invalid clip {mode!r}; valid: {', '.join(CLIPS)}")


def total_grad_norm(parameters: Iterable[torch.nn.Parameter]) -> torch.Tensor:
    """L2 norm of all the parameters' gradients together (what norm clipping compares to its threshold)."""
    grads = [p.grad for p in parameters if p.grad is not None]
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
