"""Small suites for the scale-and-resilience tests (not collected: no test_ prefix).

A convergence-only suite (timing=False, so it may run side by side) and a timing one, both on
digits with 2-3 hidden layers: a run takes about a second, most of it Trainer set-up.
"""
from __future__ import annotations

import os
import signal

import pytorch_lightning as pl

from harness.config.run_config import RunConfig
from harness.judge.measures import epochs_to_target, median_epoch_time
from harness.judge.rules import paired_verdicts
from harness.judge.suite import Suite
from harness.judge.verdict import RatioStatement

BASE = RunConfig(dataset="digits", depth=3, width=32, optimizer="sgd", lr=0.05, batch_size=32, max_epochs=6,
                 target_metric="val/acc", target_value=0.9, threads=1)


def judge_epochs(runs):
    """BN before vs none: fewer epochs to 0.9 validation accuracy (epochs ratio < 1)."""
    statements = [RatioStatement("fewer epochs are needed", "epochs-to-target ratio", epochs_to_target, "<")]
    return paired_verdicts(runs, statements, factor="norm", baseline="none", group_by=["activation"])


def judge_epoch_time(runs):
    statements = [RatioStatement("each epoch is slower", "epoch time ratio", median_epoch_time, ">")]
    return paired_verdicts(runs, statements, factor="norm", baseline="none", group_by=["activation"])


def convergence_suite(name: str = "scale-convergence", activations=("relu",), seeds: int = 2,
                      **base_changes) -> Suite:
    """activation x norm (none, before) x seeds; the verdict uses epochs, never time."""
    return Suite(name=name, claim="BN needs fewer epochs (test suite)", source="tests", base=BASE.replace(**base_changes),
                 grid={"activation": tuple(activations), "norm": ("none", "before")}, seeds=seeds,
                 judge=judge_epochs, timing=False)


def timing_suite(name: str = "scale-timing", seeds: int = 1) -> Suite:
    return Suite(name=name, claim="BN epochs are slower (test suite)", source="tests", base=BASE.replace(max_epochs=2),
                 grid={"activation": ("relu",), "norm": ("none", "before")}, seeds=seeds, judge=judge_epoch_time,
                 timing=True)


class CtrlC(pl.Callback):
    """Presses Ctrl-C: a real SIGINT to this process at the end of the given epoch (1-based)."""

    def __init__(self, at_epoch: int):
        self.at_epoch = at_epoch

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        if trainer.current_epoch + 1 == self.at_epoch:
            os.kill(os.getpid(), signal.SIGINT)


def run_with_ctrl_c_in_seed_1(config: RunConfig, recording):
    """harness.train.fit.train, except that a seed-1 run is interrupted by Ctrl-C at the end of its 2nd epoch."""
    from harness.train.fit import train

    callbacks = [CtrlC(at_epoch=2)] if config.seed == 1 else []
    return train(config, recording, extra_callbacks=callbacks)
