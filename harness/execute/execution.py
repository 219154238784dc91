"""What an invocation asks for (suite, seeds, device, store) and how it runs its grid (engine, workers, side by
side or not), validated once, before anything heavy is imported.

Apart from harness.execute.pipeline so that the command line refuses bad options (e.g. `--workers 2` for a
suite that judges time) without importing torch, Lightning or MLflow; harness.execute.pipeline.run_invocation
then assembles and runs what was validated here.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

from harness.config.run_config import DEVICES, ConfigError
from harness.core import names
from harness.core.contract import ENGINE_TAG, NULL_TAG, PARALLEL_TIMING_TAG, WORKERS_TAG

ENGINES = ("local", "ray")


@dataclass(frozen=True)
class Execution:
    """How an invocation runs its grid; validated in one place, for the CLI and the API alike."""

    scale: str = "default"  # the suite's scale, recorded on the parent run
    progress: bool = True  # a progress bar over runs
    workers: int = 1  # local worker processes, one config each at a time (suites that do not judge time)
    engine: str = "local"  # local (this machine) or ray (a Ray cluster)
    ray_address: str | None = None  # Ray cluster address (default: $RAY_ADDRESS, else a local instance)
    pack: int = 0  # runs per Ray task; 0 = about two tasks per CPU
    parallel_timing: bool = False  # allow a timing suite side by side (its runs are then tagged)
    force: bool = False  # rerun configs already finished in the store
    null: bool = False  # an A/A invocation: every arm a copy of its baseline (harness.execute.null), tagged NULL_TAG

    @property
    def side_by_side(self) -> bool:
        return self.workers > 1 or self.engine == "ray"

    def validate(self, suite) -> None:
        """Raise ConfigError (one line naming the bad value and the valid choices) before anything is written.

        `suite` needs only `name` and `timing`: a Suite, or the command line's entry read from source.
        """
        if self.engine not in ENGINES:
            raise ConfigError(f"invalid --engine {self.engine!r}; valid: {', '.join(ENGINES)}")
        if self.workers < 1:
            raise ConfigError(f"invalid --workers {self.workers!r}; must be >= 1")
        if self.pack < 0:
            raise ConfigError(f"invalid --pack {self.pack!r}; must be >= 0 (0 = automatic)")
        if self.engine == "ray" and self.workers > 1:
            raise ConfigError(f"invalid --workers {self.workers!r} with --engine ray; Ray uses the cluster's CPUs "
                              f"(see --pack)")
        if self.side_by_side and suite.timing and not self.parallel_timing:
            raise ConfigError(f"suite {suite.name!r} judges wall-clock time, and runs measured side by side are not "
                              f"comparable: use --workers 1 --engine local, or add --parallel-timing (its runs are "
                              f"then tagged {PARALLEL_TIMING_TAG}=true)")

    def child_tags(self, suite) -> dict[str, str]:
        """Tags the parent and every child carry: NULL_TAG on an A/A invocation; when runs go side by side (their
        timings compete for the machine), the workers, the engine and whether the suite judges time."""
        tags = {NULL_TAG: "true"} if self.null else {}
        if not self.side_by_side:
            return tags
        tags |= {WORKERS_TAG: str(self.workers), ENGINE_TAG: self.engine}
        if suite.timing:
            tags[PARALLEL_TIMING_TAG] = "true"
        return tags


@dataclass(frozen=True)
class Invocation:
    """One suite run as asked for, validated once, here, at construction: the command line builds it before torch,
    Lightning or MLflow is imported; harness.run and the tests' fixture through Invocation.of; then
    harness.execute.pipeline.run_invocation builds the configs, opens the store and runs it.

    `name` and `timing` are all it needs of the suite (a Suite, or the command line's names.SuiteEntry read from
    source), so a bad option is refused before the suite's module is imported.
    """

    name: str  # the suite's
    timing: bool  # the suite judges wall-clock time (never side by side unless asked)
    options: Execution = field(default_factory=Execution)
    seeds: int | None = None  # a fixed seed count; None: the scale's (or, with adaptive looks, the first look's)
    device: str | None = None  # None: the configs' own (RunConfig's default, auto: resolved once, when they are built)
    threads: int | None = None  # torch threads per run; None: the suite's
    store: str | None = None  # tracking URI; None: $MLFLOW_TRACKING_URI, else sqlite:///mlruns/mlflow.db
    # the suite file (or a folder) whose git repository's commit the runs record (harness.core.project); None: the
    # working directory's (a shipped suite)
    project: str | None = None

    def __post_init__(self) -> None:
        self.options.validate(self)
        if self.device is not None and self.device not in DEVICES:  # a fixed seed count and threads: RunConfig's checks
            raise ConfigError(f"invalid device {self.device!r}; valid: {', '.join(DEVICES)}"
                              f"{names.did_you_mean(self.device, DEVICES)}")

    @classmethod
    def of(cls, suite, **settings) -> "Invocation":
        """An invocation of `suite` (a Suite or a names.SuiteEntry whose timing is known) with these settings."""
        return cls(suite.name, bool(suite.timing), **settings)


def threads_warning(threads: int, workers: int) -> str | None:
    """A warning when the runs ask for more threads than the machine has cores free now (load average)."""
    cores, load = os.cpu_count() or 1, os.getloadavg()[0]
    free = max(0, math.floor(cores - load + 0.5))  # whole cores, a core at least half idle counting as free
    wanted = threads * workers
    if wanted <= max(free, 1):
        return None
    return (f"warning: {wanted} threads ({threads} per run x {workers} workers) but only {free} of {cores} cores "
            f"are free (load average {load:.1f}): runs will compete for them and time slower")
