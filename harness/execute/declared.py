"""How a suite's configs run, from what the suite declares (harness.judge.suite.Suite): measured by its `measure`
function where `measure_where` matches, else trained with fresh copies of its `callbacks`; or its own `run`.

The harness owns the how: a measured config goes through the run lifecycle (harness.train.lifecycle.measure),
a trained one through the one fit (harness.train.fit). What is built here is data (frozen dataclasses of
module-level functions and callback instances), so worker processes and Ray tasks receive it pickled.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable

from harness.config.run_config import RunConfig
from harness.judge.suite import matches
from harness.train.fit import RunResult, train
from harness.train.lifecycle import Recording, measure


@dataclass(frozen=True)
class FreshCallbacks:
    """config -> a deep copy of each callback, so every run (or lockstep arm) starts with its own state."""

    callbacks: tuple[Any, ...] = ()

    def __call__(self, config: RunConfig | None = None) -> list:
        return [copy.deepcopy(c) for c in self.callbacks]


@dataclass(frozen=True)
class DeclaredRun:
    """One config of a suite, run as the suite declares: (config, Recording) -> metrics (measured) or RunResult."""

    measure: Callable[[RunConfig], dict] | None = None
    measure_where: tuple[tuple[str, Any], ...] = ()  # (field, value) pairs; () = every config is measured
    callbacks: tuple[Any, ...] = ()

    def __call__(self, config: RunConfig, recording: Recording | None = None) -> dict | RunResult:
        if self.measure is not None and matches(config, dict(self.measure_where)):
            return measure(self.measure, config, recording)
        return train(config, recording, extra_callbacks=FreshCallbacks(self.callbacks)())


def run_function(suite) -> Callable[..., Any]:
    """The function each of the suite's configs runs through: its own `run`, plain training, or a DeclaredRun."""
    if suite.run is not None:
        return suite.run
    if suite.measure is None and not suite.callbacks:
        return train
    return DeclaredRun(suite.measure, tuple(suite.measure_where.items()), tuple(suite.callbacks))
