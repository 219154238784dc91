"""How data is served: a DataModule over a configuration's split (harness.data.splits) that serves in-memory batches,
or the LightningDataModule a user's dataset loader returned, served as given (UserData)."""
from __future__ import annotations

import sys
from typing import Iterator

import pytorch_lightning as pl
import torch

from harness.data.datasets import DATASETS
from harness.data.splits import load_split

# Where Lightning's classes live: the harness's Trainer uses pytorch_lightning; users write `import lightning.pytorch
# as L` as often. The two packages hold distinct classes; the harness serves and calls either one's modules itself.
NAMESPACES = ("pytorch_lightning", "lightning.pytorch")


def lightning_namespace(obj, class_name: str) -> str | None:
    """The namespace whose `class_name` (LightningModule, LightningDataModule) `obj` is an instance of, else None. A
    namespace not imported yet holds no instance, so this never imports `lightning`."""
    for namespace in NAMESPACES:
        module = sys.modules.get(namespace)
        if module is not None and isinstance(obj, getattr(module, class_name)):
            return namespace
    return None


class ShuffledBatches:
    """One epoch of shuffled, full-size batches sliced from in-memory tensors.

    The last partial batch is dropped; a fresh permutation each epoch means every example is still
    seen. Dropping it keeps every batch the same size, so batch norm never sees a batch of 1 or 2
    rows, whose statistics would cripple BN runs for a reason the claim is not about.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, generator: torch.Generator):
        self.x, self.y, self.batch_size, self.generator = x, y, batch_size, generator

    def __len__(self) -> int:
        return len(self.x) // self.batch_size

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        perm = torch.randperm(len(self.x), generator=self.generator).to(self.x.device)
        for i in range(len(self)):
            idx = perm[i * self.batch_size : (i + 1) * self.batch_size]
            yield self.x[idx], self.y[idx]  # (B, F), (B,)


class OneItem:
    """An iterable of exactly one item: how the 'epoch' loop hands Lightning one step per epoch."""

    def __init__(self, item):
        self.item = item

    def __len__(self) -> int:
        return 1

    def __iter__(self):
        yield self.item


class InMemoryDataModule(pl.LightningDataModule):
    """Serves a configuration's split (harness.data.splits.load_split) as in-memory batches, on the trainer's device."""

    def __init__(self, config, arrays=None):  # config: a RunConfig (harness.config, a layer above, built on this one)
        super().__init__()
        self.config = config
        self._arrays = arrays  # (X, y) the dataset's loader returned already (make_data), else None: loaded in setup
        self._on_device: torch.device | None = None

    def setup(self, stage: str | None = None) -> None:
        if hasattr(self, "x_train"):
            return
        split = load_split(self.config, self._arrays)
        self._arrays = None
        self.x_train, self.y_train = split.x_train, split.y_train  # (N_train, F), (N_train,)
        self.x_val, self.y_val = split.x_val, split.y_val  # (N_val, F), (N_val,)
        self.n_features, self.n_classes = split.n_features, split.n_classes

    def _to_device(self) -> None:
        device = self.trainer.strategy.root_device if self.trainer is not None else torch.device("cpu")
        if self._on_device != device:
            for name in ("x_train", "y_train", "x_val", "y_val"):
                setattr(self, name, getattr(self, name).to(device))
            self._on_device = device

    def train_dataloader(self):
        self._to_device()
        shuffle = torch.Generator().manual_seed(self.config.seed)
        batches = ShuffledBatches(self.x_train, self.y_train, self.config.batch_size, shuffle)
        # 'epoch' loop: one item per epoch, the system iterates the batches itself.
        return OneItem(batches) if self.config.loop == "epoch" else batches

    def val_dataloader(self):
        self._to_device()
        return OneItem((self.x_val, self.y_val))  # the whole validation split as one batch


def load_data(config) -> InMemoryDataModule:  # config: a RunConfig
    """The config's data as a training run sees it, outside a Trainer (a measurement's forward pass, a few steps by
    hand): split, distorted and standardized; .x_train (N, F), .y_train (N,), .x_val, .y_val, .n_features, .n_classes."""
    data = InMemoryDataModule(config)
    data.setup("fit")
    return data


def make_data(config):  # config: a RunConfig
    """A training run's data: the loader's (X, y) arrays as a set-up InMemoryDataModule, or the LightningDataModule
    (either namespace) it returned, as given."""
    loaded = DATASETS.get(config.dataset).load(config)
    if lightning_namespace(loaded, "LightningDataModule"):
        return loaded
    data = InMemoryDataModule(config, loaded)
    data.setup("fit")
    return data


class UserData(pl.LightningDataModule):
    """A LightningModule arm's data (harness.train.user.UserSystem): the epoch's training batches as one item, which
    the system iterates inside the timed region (the 'epoch' loop), and the validation batches as one item.

    `source`: the user's LightningDataModule, its prepare_data, setup and loaders called as given; or an
    InMemoryDataModule (a dataset of arrays), its shuffled batches and its whole validation split as one batch.
    """

    def __init__(self, source):
        super().__init__()
        self.source = source
        self._ready = False

    @property
    def arrays(self) -> bool:
        return isinstance(self.source, InMemoryDataModule)

    def prepare_data(self) -> None:
        if not self.arrays:
            self.source.prepare_data()

    def setup(self, stage: str | None = None) -> None:
        if not self._ready:  # once: Lightning calls it per fit, the harness fits an arm once
            self.source.setup("fit")
            self._ready = True

    def train_dataloader(self):
        if self.arrays:
            self.source.trainer = self.trainer  # so its tensors move to the trainer's device
            return self.source.train_dataloader()  # OneItem(ShuffledBatches): RunConfig refuses loop 'step' here
        return OneItem(self.source.train_dataloader())

    def val_dataloader(self):
        """One item: a list of validation loaders (Lightning's dataloader_idx order); each an iterable of batches."""
        if self.arrays:
            self.source.trainer = self.trainer
            return OneItem([[self.source.val_dataloader().item]])  # one loader of one batch: the whole split
        base = getattr(sys.modules[lightning_namespace(self.source, "LightningDataModule")], "LightningDataModule")
        if type(self.source).val_dataloader is base.val_dataloader:  # none defined: no validation batches
            return OneItem([])
        loaders = self.source.val_dataloader()
        return OneItem(list(loaders) if isinstance(loaders, (list, tuple)) else [loaders])
