"""Your own LightningModule and LightningDataModule, unchanged, in a suite: MSE regression, target val_loss (min).

Claim (a textbook one, small enough for CI): a wider network reaches a low validation loss in fewer epochs.
Data: "waves", a LightningDataModule of a smooth 4-D function plus noise (its own DataLoaders, a float target).
Model: "regressor", a LightningModule with its own training_step, validation_step, configure_optimizers and
self.log("val_loss"); its factory takes (config) alone and honours the width axis. Grid: width 4 vs 64, paired by
seed; the target is val_loss <= 0.06 (target_mode "min") within 20 epochs.

Run it:  harness run ./examples/regression/suite.py --scale ci
"""
import pytorch_lightning as pl  # `import lightning.pytorch as pl` works the same
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import harness
from harness import RatioStatement, RunConfig, Suite, epochs_to_target


class Waves(pl.LightningDataModule):
    """y = mean_j sin(2 x_j) + noise (sd 0.1) on x ~ N(0, 1)^4: 2000 training and 500 validation points."""

    def __init__(self, batch_size: int, seed: int):
        super().__init__()
        self.batch_size, self.seed = batch_size, seed

    def setup(self, stage=None):
        g = torch.Generator().manual_seed(self.seed)  # the same data for every run seed
        x = torch.randn(2500, 4, generator=g)  # (N, 4)
        y = torch.sin(2 * x).mean(1, keepdim=True) + 0.1 * torch.randn(2500, 1, generator=g)  # (N, 1)
        self.train_set, self.val_set = TensorDataset(x[:2000], y[:2000]), TensorDataset(x[2000:], y[2000:])

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=500)


class Regressor(pl.LightningModule):
    """Two hidden tanh layers of `width` units, mean squared error, Adam at lr 0.01."""

    def __init__(self, width: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, width), nn.Tanh(), nn.Linear(width, width), nn.Tanh(),
                                 nn.Linear(width, 1))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", nn.functional.mse_loss(self.net(x), y))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=0.01)


@harness.register_dataset("waves")
def waves(config):
    """A LightningDataModule: the harness serves its loaders as given."""
    return Waves(config.batch_size, config.split_seed)


@harness.register_model("regressor", supports=("width",))
def regressor(config):
    """A LightningModule: its own steps, optimizer and logged metrics."""
    return Regressor(config.width)


SUITE = Suite(
    name="wider-regresses-faster",
    claim="a wider network reaches a low validation loss in fewer epochs",
    source="examples/regression (your LightningModule and LightningDataModule in a suite)",
    base=RunConfig(model="regressor", dataset="waves", width=4, batch_size=64, max_epochs=20,
                   target_metric="val_loss", target_value=0.06, target_mode="min"),
    grid={"width": (4, 64)},
    seeds=6,
    judge=harness.paired("width", 64, 4, [RatioStatement("a wider net needs fewer epochs", "epochs-to-target ratio",
                                                          epochs_to_target, "<")]),
    timing=False,
    scales={"ci": {"seeds": 6}},
)
