"""A suite's grid run interleaved: configs grouped by every field but the suite's `interleave` field, each group
(the arms of one seed) fitted in lockstep (harness.train.fit.train_group), one group after another in this process."""
from __future__ import annotations

import dataclasses
import functools
from typing import Callable

from harness.config.run_config import ConfigError, RunConfig
from harness.execute.executors import Destination, Failures, progress_bar, run_one
from harness.execute.null import NULL_SEED_STRIDE, pair_seed
from harness.store.tracking import Tracker
from harness.train.fit import train_group

# Fields the arms of a group must share: they pin how a step runs (or, for seed, which runs pair up).
SHARED_FIELDS = ("seed", "device", "threads", "loop", "strategy", "devices")


def check_interleave(suite, configs: list[RunConfig]) -> None:
    """Raise ConfigError (one line) for a suite whose grid cannot run interleaved, before anything is written."""
    name = suite.interleave
    if name is None:
        return
    valid = [f for f in suite.all_grid_fields() if f not in SHARED_FIELDS]
    aa = name == "seed" and all(c.seed >= NULL_SEED_STRIDE for c in configs)  # an A/A invocation's arms (null.py)
    if name not in valid and not aa:
        raise ConfigError(f"invalid interleave {name!r} for suite {suite.name!r}; valid: {', '.join(valid) or 'none'} "
                          f"(a field the grid varies)")
    if suite.run is not None or suite.measure is not None:
        raise ConfigError(f"invalid interleave {name!r} for suite {suite.name!r}: it runs its configs with its own "
                          f"function or measures them; valid: interleave=None")
    # Early stopping, diagnostics and layer reuse run in lockstep arms as in solo runs (harness.train.lockstep).
    for config in configs:
        if config.loop != "epoch":  # the lockstep steps each arm by hand: the 'epoch' loop's unit
            raise ConfigError(f"invalid loop {config.loop!r} with interleave {name!r}; valid: epoch")


def lockstep_groups(configs: list[RunConfig], interleave: str) -> list[list[RunConfig]]:
    """Configs equal in every field but `interleave` (the seed included), in order of first appearance. An A/A
    invocation interleaves the seed itself (its arms are one configuration on seeds of their own): a group is
    then the arms of one pair seed."""
    groups: dict[tuple, list[RunConfig]] = {}
    for config in configs:
        key = tuple((k, v) for k, v in dataclasses.asdict(config).items() if k != interleave)
        if interleave == "seed":
            key += (pair_seed(config.seed),)
        groups.setdefault(key, []).append(config)
    return list(groups.values())


def run_interleaved(interleave: str, configs: list[RunConfig], tracker: Tracker, dest: Destination,
                    progress: bool = True, callbacks_for: Callable[[RunConfig], list] | None = None) -> Failures:
    """Every group in lockstep, one after another; a group that raised fails every one of its configs. A group of
    one (its other arms finished already: resume) has nothing to alternate with and runs alone. callbacks_for(config)
    gives an arm's own callbacks (the suite's, fresh per arm)."""
    lockstep = functools.partial(train_group, interleave=interleave, callbacks_for=callbacks_for)
    failures: Failures = []
    with progress_bar(len(configs), dest, progress) as bar:
        for group in lockstep_groups(configs, interleave):
            error = run_one(lockstep, group, tracker, dest)
            failures += [(config, error) for config in group] if error else []
            bar.update(len(group))
    return failures
