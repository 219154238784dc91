"""An arm: one configuration made ready to fit, right after its run was opened (and seeded): its data, its model in
a system, its callbacks (stopping rules, the user's, the MLflow recorder, diagnostics, the layer-reuse freeze) and
its own RNG stream. harness.train.fit fits one arm alone or several interleaved (harness.train.lockstep).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import pytorch_lightning as pl
import torch

from harness.config.run_config import RunConfig
from harness.data.datamodule import InMemoryDataModule, UserData
from harness.store.tracking import Tracker
from harness.train.callbacks import MlflowEpochRecorder
from harness.train.diagnostics import DIAGNOSTICS
from harness.train.reuse import FreezeThenUnfreeze, load_layers, reused_parameters
from harness.train.stopping import Convergence, DivergenceStop, EarlyStopping, StopReason
from harness.train.parts import build_parts
from harness.train.system import ClassifierSystem
from harness.train.user import UserSystem
from harness.train.timing import StepClock


@dataclass
class ArmTrainer:
    """What an arm's callbacks read from a trainer, the arm's own in lockstep: its epoch, its stop, data, optimizer."""

    max_epochs: int
    datamodule: InMemoryDataModule | UserData
    current_epoch: int = 0  # 0-based, as Lightning's
    should_stop: bool = False
    optimizers: list[torch.optim.Optimizer] = field(default_factory=list)  # the raw torch optimizer, once configured


@dataclass(eq=False)
class Arm:
    """One configuration being fitted: its run, data, system, callbacks, clocks and RNG stream."""

    config: RunConfig
    run_id: str | None
    datamodule: InMemoryDataModule | UserData
    system: ClassifierSystem | UserSystem
    convergence: Convergence  # also in `callbacks`; read for epochs_to_target
    before_clock: list[pl.Callback]  # act at an epoch's start before its clock starts (the reuse freeze switch)
    callbacks: list[pl.Callback]  # stopping rules, the user's, the recorder, diagnostics: called in this order
    rng: torch.Tensor  # the CPU generator's state between this arm's steps (lockstep)
    cuda_rng: torch.Tensor | None  # the CUDA generator's, on CUDA
    trainer: ArmTrainer
    clock: StepClock | None = None  # lockstep: this arm's steps' clock
    wall_s: float = 0.0  # seconds spent on this arm: setup, fit (solo) or its share of the lockstep
    active: bool = True  # lockstep: still stepping

    @property
    def all_callbacks(self) -> list[pl.Callback]:
        return [*self.before_clock, *self.callbacks]

    def swap_in(self) -> None:
        torch.set_rng_state(self.rng)
        if self.cuda_rng is not None:
            torch.cuda.set_rng_state(self.cuda_rng)

    def swap_out(self) -> None:
        self.rng = torch.get_rng_state()
        if self.cuda_rng is not None:
            self.cuda_rng = torch.cuda.get_rng_state()


def build_arm(config: RunConfig, run_id: str | None, tracker: Tracker | None, source_state: dict | None = None,
              extra_callbacks: list[pl.Callback] = ()) -> Arm:
    """Data and model, built straight after the run was seeded (harness.train.lifecycle.OpenRuns.open); the first
    reuse_layers hidden layers loaded from `source_state`; the callbacks; the RNG state captured."""
    t0 = time.perf_counter()
    datamodule, system = build_parts(config)  # a LightningModule's: UserData, UserSystem (harness.train.user)
    before_clock: list[pl.Callback] = []
    if source_state is not None:  # an MLP's (RunConfig refuses reuse for other models)
        load_layers(system.model, source_state, config.reuse_layers)
        before_clock.append(FreezeThenUnfreeze(reused_parameters(system.model, config.reuse_layers), config))
    convergence = Convergence(config)
    callbacks: list[pl.Callback] = [convergence]
    if config.early_stopping:  # after Convergence: a run that reaches its target says so
        callbacks.append(EarlyStopping(config))
    callbacks += [DivergenceStop(), StopReason(), *extra_callbacks]
    if run_id is not None:  # after the user's callbacks, so an EpochMetrics callback's metrics are logged
        callbacks.append(MlflowEpochRecorder(tracker, run_id))
    callbacks += [DIAGNOSTICS.get(name)(config, tracker, run_id) for name in config.diagnostic_names]
    cuda_rng = torch.cuda.get_rng_state() if config.device == "cuda" else None
    return Arm(config, run_id, datamodule, system, convergence, before_clock, callbacks, torch.get_rng_state(),
               cuda_rng, ArmTrainer(config.max_epochs, datamodule), wall_s=time.perf_counter() - t0)
