"""How an invocation runs its grid (engine, workers, side by side or not), validated before anything heavy is imported.

Apart from harness.execute.pipeline so that the command line refuses bad options (e.g. `--workers 2` for a
suite that judges time) without importing torch, Lightning or MLflow.
"""
from __future__ import annotations

from dataclasses import dataclass

from harness.config.run_config import ConfigError
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
