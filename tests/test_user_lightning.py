"""A user's LightningModule and LightningDataModule, unchanged (issue 25 item 6): their own steps, optimizer and
self.log metrics under the harness's timing, stopping on any logged metric in either direction, and recording; the
settings such a module owns refused in one line; examples/regression run by path through the command line."""
from __future__ import annotations

import math
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
import pytorch_lightning as pl
import torch
from mlflow.tracking import MlflowClient
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from harness.cli.main import main
from harness.config.run_config import ConfigError, RunConfig
from harness.core.contract import (EPOCH_TIME, EPOCHS_TO_TARGET, STOP_REASON_TAG, TIME_TO_TARGET, TRAIN_LOSS, TRAIN_LR,
                                   VAL_EPOCH_TIME)
from harness.core.errors import EXIT_BAD_INPUT, EXIT_OK
from harness.data.datasets import DATASETS, register_dataset
from harness.nn.models import MODELS, register_model
from harness.store.queries import parent_runs
from harness.train.fit import train
from harness.train.parts import check_models

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "regression" / "suite.py"
SLEEP_S = 0.15  # seconds each validation_step sleeps: far more than an epoch's training steps take here


def line(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x.sum(1, keepdim=True)  # (N, 1): a target a linear model learns in a few epochs


class Lines(pl.LightningDataModule):
    """y = 0.5 * sum(x), 256 training points in batches of 32, 64 validation points in two batches."""

    def setup(self, stage=None):
        g = torch.Generator().manual_seed(0)
        x = torch.randn(320, 3, generator=g)  # (320, 3)
        self.train_set, self.val_set = TensorDataset(x[:256], line(x[:256])), TensorDataset(x[256:], line(x[256:]))

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=32, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=32)


class Linear(pl.LightningModule):
    """A linear regression: MSE, SGD at lr 0.05; `sleep` seconds in each validation_step (untimed work)."""

    def __init__(self, sleep: float = 0.0):
        super().__init__()
        self.net, self.sleep = nn.Linear(3, 1), sleep

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self.net(x), y)
        self.log("train_mse", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        time.sleep(self.sleep)
        x, y = batch
        self.log("val_mse", nn.functional.mse_loss(self.net(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)


@pytest.fixture
def registered(request):
    """Registers the test's own model and dataset names (registries are per process), unregistered afterwards."""
    names = []

    def register(kind: str, name: str, fn):
        (register_model if kind == "model" else register_dataset)(name)(fn)
        names.append((kind, name))
        return name

    yield register
    for kind, name in names:
        (MODELS if kind == "model" else DATASETS).unregister(name)


def lines_config(registered, tag: str, **changes) -> RunConfig:
    registered("dataset", f"lines-{tag}", lambda config: Lines())
    registered("model", f"linear-{tag}", lambda config: Linear(config.options.get("sleep", 0.0)))
    fields = dict(model=f"linear-{tag}", dataset=f"lines-{tag}", max_epochs=3, target_metric="val_mse",
                  target_mode="min", target_value=0.0)
    return RunConfig(**{**fields, **changes})


def test_the_timed_region_is_the_training_steps_and_excludes_the_modules_validation(registered):
    result = train(lines_config(registered, "timed", options={"sleep": SLEEP_S}, stop_at_target=False))
    assert len(result.history) == 3 and result.stop_reason == "max_epochs"
    for epoch in result.history:  # 2 validation batches: >= 0.3 s of sleep each epoch, none of it training time
        assert epoch[VAL_EPOCH_TIME] >= 2 * SLEEP_S
        assert 0 < epoch[EPOCH_TIME] < SLEEP_S
        assert {"train_mse", "val_mse", TRAIN_LOSS} <= set(epoch)  # the module's self.log means, by its own names
    # the module's logged training mean is the harness's own mean of the losses it returned (8 equal batches)
    assert result.history[0]["train_mse"] == pytest.approx(result.history[0][TRAIN_LOSS], rel=1e-6)


def test_a_lightning_module_on_a_dataset_of_arrays_gets_the_harness_split_in_batches(registered):
    """A loader of (X, y) arrays with a LightningModule: the harness's split, standardized, in shuffled batches."""
    def arrays(config):
        x = np.random.default_rng(0).normal(size=(400, 3)).astype(np.float32)  # (400, 3)
        return x, line(torch.from_numpy(x)).numpy()  # (400, 1) float targets
    config = lines_config(registered, "arrays", stop_at_target=False).replace(
        dataset=registered("dataset", "line-arrays", arrays), batch_size=40)
    result = train(config)
    losses = [h["val_mse"] for h in result.history]
    assert len(losses) == 3 and losses[-1] < losses[0] / 2  # it learns the line
    assert result.history[0]["train_mse"] == pytest.approx(result.history[0][TRAIN_LOSS], rel=1e-6)


class Scheduled(Linear):
    """Linear, its lr halved after every epoch (StepLR); `monitor`: by ReduceLROnPlateau on that metric instead."""

    def __init__(self, monitor: str = ""):
        super().__init__()
        self.monitor = monitor

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=0.05)
        if self.monitor:
            plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": plateau, "monitor": self.monitor}}
        return [opt], [torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)]


def test_the_modules_lr_schedulers_are_stepped_as_configure_optimizers_says(registered):
    config = lines_config(registered, "sched", stop_at_target=False)
    stepped = train(config.replace(model=registered("model", "step-lr", lambda config: Scheduled())))
    assert [h[TRAIN_LR] for h in stepped.history] == pytest.approx([0.05, 0.025, 0.0125])
    typo = config.replace(model=registered("model", "plateau-typo", lambda config: Scheduled("val_mes")))
    with pytest.raises(ConfigError, match="^invalid lr scheduler monitor 'val_mes': not logged this epoch; valid: "
                                          ".*val_mse"):
        train(typo)


def test_target_mode_min_stops_at_the_first_epoch_at_or_below_the_target(registered):
    probe = train(lines_config(registered, "probe", stop_at_target=False, max_epochs=6))
    losses = [h["val_mse"] for h in probe.history]  # decreasing: SGD on a linear target
    target = (losses[2] + losses[3]) / 2  # first reached at epoch 4
    assert losses[0] > target
    config = lines_config(registered, "min", max_epochs=6).replace(target_value=target)
    result = train(config)
    assert [h["val_mse"] for h in result.history] == pytest.approx(losses[:4])  # seeded: the same run, stopped
    assert (result.epochs_to_target, result.stop_reason, len(result.history)) == (4, "target", 4)
    assert result.summary()[TIME_TO_TARGET] == pytest.approx(sum(h[EPOCH_TIME] for h in result.history))
    maxed = train(config.replace(target_mode="max"))  # the other direction: reached at once
    assert (maxed.epochs_to_target, maxed.stop_reason) == (1, "target")


def test_a_module_from_lightning_pytorch_runs_as_one_from_pytorch_lightning(registered):
    L = pytest.importorskip("lightning.pytorch", reason="the `lightning` package is not installed here")
    assert L.LightningModule is not pl.LightningModule  # the two namespaces' classes differ

    class LinearL(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = nn.Linear(3, 1)

        training_step, validation_step, configure_optimizers = (Linear.training_step, Linear.validation_step,
                                                                 Linear.configure_optimizers)
        sleep = 0.0

    class LinesL(L.LightningDataModule):
        setup, train_dataloader, val_dataloader = Lines.setup, Lines.train_dataloader, Lines.val_dataloader

    registered("dataset", "lines-L", lambda config: LinesL())
    registered("model", "linear-L", lambda config: LinearL())
    ours = train(lines_config(registered, "pl", stop_at_target=False))
    theirs = train(RunConfig(model="linear-L", dataset="lines-L", max_epochs=3, target_metric="val_mse",
                             target_mode="min", target_value=0.0, stop_at_target=False))
    assert [h["val_mse"] for h in theirs.history] == pytest.approx([h["val_mse"] for h in ours.history])


def test_what_cannot_run_is_refused_before_any_run_opens(registered):
    config = lines_config(registered, "refused")
    with pytest.raises(ConfigError, match=r"^invalid lr 0\.1 for model 'linear-refused', whose factory returns a "
                                          r"LightningModule: .*; valid: 0\.01 \(a setting your module reads goes in "
                                          r"options, e\.g\. options\.lr\)$"):
        check_models([config.replace(lr=0.1)])
    registered("model", "three-args", lambda config, n_features, n_classes: Linear())
    with pytest.raises(ConfigError, match="factory takes .config, n_features, n_classes. and the dataset returns a "
                                          "LightningDataModule"):
        check_models([config.replace(model="three-args")])
    registered("model", "plain", lambda config: nn.Linear(3, 1))
    with pytest.raises(ConfigError, match="only a LightningModule's training_step knows those batches"):
        check_models([config.replace(model="plain")])
    manual = Linear()
    manual.automatic_optimization = False
    registered("model", "manual", lambda config: manual)
    with pytest.raises(ConfigError, match="sets automatic_optimization = False"):
        check_models([config.replace(model="manual")])
    with pytest.raises(ConfigError, match="^invalid target_metric 'val_mse' for model 'mlp', an nn.Module"):
        check_models([RunConfig(target_metric="val_mse", target_mode="min")])
    with pytest.raises(ConfigError, match="invalid interleave for model 'linear-refused'"):
        check_models([config, config.replace(seed=1)], lockstep=True)
    check_models([config])  # the config itself runs


BAD_SUITE = '''
import harness
from harness import RunConfig, Suite, RatioStatement, epochs_to_target
from tests.test_user_lightning import Lines, Linear

harness.register_dataset("lines-{tag}")(lambda config: Lines())
harness.register_model("linear-{tag}", supports=("width",))(lambda config: Linear())
SUITE = Suite(name="refused-{tag}", claim="c", source="s", seeds=2, timing=False,
              base=RunConfig(model="linear-{tag}", dataset="lines-{tag}", max_epochs=2, target_metric="val_mse",
                             {changes}),
              grid={{"width": (4, 8)}},
              judge=harness.paired("width", 8, 4, [RatioStatement("r", "ratio", epochs_to_target, "<")]))
'''


@pytest.mark.parametrize("tag, changes, error", [
    ("mode", 'target_mode="minimum"', "invalid target_mode 'minimum'; valid: auto, min, max"),
    ("owned", 'target_mode="min", momentum=0.5', "invalid momentum 0.5 for model 'linear-owned', whose factory "
                                                 "returns a LightningModule"),
])
def test_the_command_line_refuses_in_one_line_and_writes_nothing(tmp_path, monkeypatch, capsys, tag, changes, error):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "suite.py").write_text(BAD_SUITE.format(tag=tag, changes=changes))
    try:
        code = main(["run", "./suite.py", "--tracking-uri", f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}"])
    finally:
        for registry, name in ((MODELS, f"linear-{tag}"), (DATASETS, f"lines-{tag}")):
            if name in registry:
                registry.unregister(name)
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert err.startswith(f"harness: error: {error}") and err.count("\n") == 1, err
    assert not (tmp_path / "mlruns").exists()
    code = main(["train", "--target-mode", "sideways"])
    assert code == EXIT_BAD_INPUT and capsys.readouterr().err == (
        "harness: error: invalid target_mode 'sideways'; valid: auto, min, max\n")


def test_the_regression_example_runs_by_path_and_its_children_record_epochs_and_train_times(tmp_path, monkeypatch,
                                                                                            capsys):
    """The Done-when bullet: a LightningModule and a LightningDataModule, target val_loss (min), by path, a verdict."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")  # the verdict table on one line per row, whatever runs the tests
    shutil.copy(EXAMPLE, tmp_path / "suite.py")
    uri = f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}"
    code = main(["run", "./suite.py", "--scale", "ci", "--seeds", "2", "--no-report", "--tracking-uri", uri])
    out, err = capsys.readouterr()
    assert code == EXIT_OK, err
    assert "a wider net needs fewer epochs  width 64 vs 4" in out  # the verdict row
    client = MlflowClient(uri)
    (parent,) = parent_runs(client, "wider-regresses-faster")
    children = client.search_runs([parent.info.experiment_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    assert len(children) == 4 and {c.info.status for c in children} == {"FINISHED"}
    for child in children:
        stopped = child.data.tags[STOP_REASON_TAG]
        epochs = client.get_metric_history(child.info.run_id, EPOCH_TIME)
        val_loss = client.get_metric_history(child.info.run_id, "val_loss")
        assert len(epochs) == len(val_loss) >= 1 and all(0 < m.value < math.inf for m in epochs)
        if stopped == "target":  # epochs to target: the epoch whose val_loss first fell to 0.06
            reached = [m.step for m in val_loss if m.value <= 0.06]
            assert child.data.metrics[EPOCHS_TO_TARGET] == reached[0] == len(val_loss)
        else:
            assert stopped == "max_epochs" and EPOCHS_TO_TARGET not in child.data.metrics
    assert {c.data.params["width"] for c in children if c.data.tags[STOP_REASON_TAG] == "target"} >= {"64"}

