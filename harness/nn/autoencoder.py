"""A denoising autoencoder for unsupervised pretraining (model 'autoencoder'): the MLP's hidden layers as the encoder,
a linear decoder back to the inputs; its hidden layers are what a classifier reuses (harness.train.reuse)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from harness.nn.inits import initialize
from harness.nn.mlp import MLP, Block

MASK_RATE = 0.25  # share of input features zeroed per example while training (Vincent et al. 2008's masking noise)


class Autoencoder(MLP):
    """x (B, F) -> encoder hidden blocks (B, width) -> linear decoder (B, F); trained on its own reconstruction loss."""

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean squared reconstruction error of x from a masked copy (unmasked in eval mode); labels y are unused."""
        noisy = x * (torch.rand_like(x) >= MASK_RATE) if self.training else x
        return F.mse_loss(self(noisy), x)


def build_autoencoder(config, n_features: int, n_classes: int) -> Autoencoder:
    """Encoder = the MLP's depth x width blocks (activation, init); decoder = one Linear to the n_features inputs."""
    if isinstance(n_features, (tuple, list)):
        raise ValueError(f"model 'autoencoder' takes flat (N, F) features; got per-example shape {tuple(n_features)}")
    model = Autoencoder(n_features, n_features, config.depth, Block.of(config))
    initialize(model.hidden_linears(), model.head, config.resolved_init)
    return model
