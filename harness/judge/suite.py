"""A suite is a claim turned into a grid of runs and a verdict rule (harness.discovery finds the shipped ones)."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import pandas as pd

from harness.config.run_config import ConfigError, RunConfig
from harness.core.contract import METRIC_WORDS
from harness.core.names import scale_run
from harness.judge.subject import Words, speaking
from harness.judge.verdict import Verdict

UNTESTED_LISTED = 4  # a field's values a scale leaves out, named one by one up to this many; more are counted


@dataclass(frozen=True)
class Curves:
    """What a suite's learning-curve plot draws (harness.report.plots), in the claim's own terms: e.g. a claim about
    validation error draws 1 - accuracy as 'validation error'; a claim about a train/validation gap draws both."""

    metric: str = ""  # the per-epoch metric, validation side; "" = the runs' target metric
    label: str = ""  # the y axis in words with units, e.g. 'validation error'; "" = the metric's name
    error: bool = False  # draw 1 - metric: an accuracy shown as an error (the target line likewise)
    train: str = ""  # the training-set counterpart, drawn dashed beside it (a claim about a gap), e.g. 'train/eval_loss'

    def resolved(self, target_metric: str) -> "Curves":
        """With the metric and its label filled in: the target metric, in words ('validation accuracy')."""
        metric = self.metric or target_metric
        return Curves(metric, self.label or METRIC_WORDS.get(metric, metric), self.error, self.train)

    def shown(self, values: pd.Series) -> pd.Series:
        """Values as the plot draws them: 1 - x for an error."""
        return 1.0 - values if self.error else values


@dataclass(frozen=True)
class Suite:
    """A claim as a declaration: its words and source, a grid of runs and seeds, what a run measures, the judge."""

    name: str  # CLI name and MLflow experiment name
    claim: str  # the claim in words
    source: str  # where the claim comes from
    base: RunConfig  # settings shared by every run
    # config field -> values; runs are the cartesian product, times seeds. A key may be a tuple of fields whose
    # values are tuples taken together (zipped points, not a product), e.g. {("activation", "init"): (("sigmoid", "default"), ...)}.
    grid: dict[str | tuple[str, ...], tuple]
    seeds: int  # default number of seeds (0, 1, ..., seeds-1): the first look when seeds are added adaptively
    judge: Callable[[pd.DataFrame], list[Verdict]]  # runs as stored (harness.store.queries.load_runs) -> verdicts
    timing: bool = True  # the verdict depends on wall-clock time: never run configs side by side
    scales: dict[str, dict[str, Any]] = field(default_factory=dict)  # scale -> base-field overrides, plus optional 'seeds', 'max_seeds' and 'grid'
    # What a config measures instead of training (an analytic arm, a forward pass at init, an inference latency): a
    # module-level function config -> {metric: float, or a list of floats logged per step}, run through the run
    # lifecycle (harness.train.lifecycle.measure: seeded, threads pinned, recorded as a child run); None = every
    # config trains.
    measure: Callable[[RunConfig], dict] | None = None
    # Which configs `measure` runs: those whose fields equal these values, e.g. {"dataset": "synthetic"} (the
    # others train); {} = every config.
    measure_where: dict[str, Any] = field(default_factory=dict)
    # Lightning callbacks every trained config adds (each run gets its own deep copy, so a callback may keep
    # state), e.g. harness.LossGap(): their derived metrics are logged per epoch (harness.train.derived).
    callbacks: tuple[Any, ...] = ()
    # The escape hatch: a module-level function (config, harness.train.lifecycle.Recording) -> anything that runs a
    # config itself, in place of training and `measure`; None = what the fields above declare.
    run: Callable[..., Any] | None = None
    # Adaptive seeds (harness.judge.sequential): the cap on seeds per configuration; 0 = twice the first look.
    max_seeds: int = 0
    interleave: str | None = None  # config field whose levels train in lockstep, step by step, per seed (harness.train.fit.train_group)
    # An extra section for `harness report` (after the decomposition): a module-level function
    # (runs as stored, output folder) -> harness.judge.tables.Section, which writes its own plots there; None = none.
    report_section: Callable[..., Any] | None = None
    # How a verdict row names its fields and values, field -> a template ("lr {:g}"), a dict value -> phrase, a
    # function, or None (never shown), e.g. {"dropout": {0.0: "none"}}: harness.judge.subject. Default "field value".
    words: dict[str, Any] = field(default_factory=dict)
    curves: Curves = Curves()  # the learning-curve plot: the claim's metric in its words (default: the target metric)

    def __post_init__(self):
        if self.run is not None and (self.measure is not None or self.callbacks):
            raise ConfigError(f"invalid run for suite {self.name!r}: it declares measure or callbacks, which its own "
                              f"run function would ignore; valid: run=None, or neither measure nor callbacks")
        if self.measure_where and self.measure is None:
            raise ConfigError(f"invalid measure_where for suite {self.name!r}: no measure function to run; "
                              f"valid: measure_where={{}} or a measure")
        unknown = sorted(set(self.measure_where) - set(RunConfig.field_names()))
        if unknown:
            raise ConfigError(f"invalid measure_where field {unknown[0]!r} for suite {self.name!r}; "
                              f"valid: {', '.join(RunConfig.field_names())}")

    def measures(self, config: RunConfig) -> bool:
        """Whether this config is measured by the suite's `measure` function rather than trained."""
        return self.measure is not None and matches(config, self.measure_where)

    def verdicts(self, runs: pd.DataFrame) -> list[Verdict]:
        """The suite's judge on these runs, every row labelled in the suite's words (made once, here)."""
        with speaking(self.words_in_use()):
            return self.judge(runs)

    def words_in_use(self) -> Words:
        """The suite's words, and the config fields no verdict label shows: those its grid never varies."""
        grids = [self.grid, *({**self.grid, **o.get("grid", {})} for o in self.scales.values())]
        varying = {f for grid in grids for key, values in grid.items() for f, n in _spread(key, values).items() if n > 1}
        return Words(self.words, frozenset(set(RunConfig.field_names()) - varying))

    def run_names(self, configs) -> tuple[tuple[str, ...], dict[tuple, str]] | None:
        """How these configs' runs are named in the suite's words: (the grid fields that vary among them, values of
        those fields -> a name such as 'relu, default init, no BN'); None where the words would name two grid points
        alike (or one not at all), so that names stay unique."""
        fields = tuple(f for f in self.all_grid_fields() if len({getattr(c, f) for c in configs}) > 1)
        words = Words(self.words)  # the fields chosen vary here: none of them is one every row shares
        names = {key: words.name(dict(zip(fields, key))) for key in
                 dict.fromkeys(tuple(getattr(c, f) for f in fields) for c in configs)}
        if not fields or not all(names.values()) or len(set(names.values())) < len(names):
            return None
        return fields, names

    def untested(self, scale: str) -> list[str]:
        """The values the grid runs at the default scale that `scale` leaves out, in the suite's words (a hidden field
        or value unsaid), e.g. ['tanh', 'default init'] for bn-saturating at ci: what its verdict cannot speak for."""
        if scale == "default":
            return []
        everywhere, here = _values(self.grid), _values({**self.grid, **self.scale_overrides(scale).get("grid", {})})
        words, out = self.words_in_use(), []
        for f, values in everywhere.items():
            if words.hidden(f):
                continue
            said = {v: p for v in values if (p := words.phrase(f, v))}
            left = [p for v, p in said.items() if v not in here.get(f, ())]
            out += left if len(left) <= UNTESTED_LISTED else [f"{_noun(f, left)}: {len(left)} of {len(said)} values"]
        return out

    def configs(self, seeds: int | None = None, device: str | None = None, scale: str = "default") -> list[RunConfig]:
        """Every (grid point, seed) as a validated config, in run order (seed-major, so a cut-short suite keeps whole pairs)."""
        overrides = self.scale_overrides(scale)
        overrides.pop("max_seeds", None)
        scale_seeds = overrides.pop("seeds", self.seeds)
        grid = {**self.grid, **overrides.pop("grid", {})}  # a scale may narrow or widen grid axes
        n_seeds = seeds if seeds is not None else scale_seeds
        if n_seeds < 1:
            raise ConfigError(f"invalid --seeds {n_seeds!r}; must be >= 1")
        base = self.base.replace(**overrides) if device is None else self.base.replace(device=device, **overrides)  # None: the base's own
        keys = list(grid)
        points = list(itertools.product(*(grid[k] for k in keys)))
        return [base.replace(seed=s, **_fields(keys, p)) for s in range(n_seeds) for p in points]

    def seed_plan(self, scale: str = "default", max_seeds: int | None = None) -> tuple[int, int]:
        """(first look, cap) for adaptive seeds at a scale: the first look is at least the fewest seeds that can decide."""
        from harness.stats.median import min_seeds

        overrides = self.scale_overrides(scale)
        first = max(overrides.get("seeds", self.seeds), min_seeds())
        if max_seeds is not None or "max_seeds" in overrides:  # asked for: refused below the first look
            cap = max_seeds if max_seeds is not None else overrides["max_seeds"]
        else:  # the suite's own cap, set for its default seeds: a scale with more seeds makes one look at them
            cap = max(self.max_seeds, first) if self.max_seeds else 2 * first
        if cap < first:
            raise ConfigError(f"invalid --max-seeds {cap!r}; must be >= {first} (the first look)")
        return first, cap

    def all_grid_fields(self) -> list[str]:
        """The config fields the grid varies, including axes a scale adds, in order."""
        keys = grid_fields(self.grid)  # a tuple key (zipped points) spread over its fields
        for overrides in self.scales.values():
            keys += [k for k in grid_fields(overrides.get("grid", {})) if k not in keys]
        return keys

    def scale_run(self, scale: str) -> tuple[str, str | None]:
        """(the scale that runs, a note or None): harness.core.names.scale_run's rule, an unknown scale refused
        (ConfigError naming the valid ones)."""
        scale, note = scale_run(self.name, self.scales, scale)
        self.scale_overrides(scale)
        return scale, note

    def scale_overrides(self, scale: str) -> dict[str, Any]:
        valid = ["default", *self.scales]
        if scale not in valid:
            raise ConfigError(f"invalid scale {scale!r} for suite {self.name!r}; valid: {', '.join(valid)}")
        return dict(self.scales.get(scale, {}))


def matches(config: RunConfig, where: Mapping[str, Any]) -> bool:
    """Whether the config's fields equal every value of `where` ({} matches every config)."""
    return all(getattr(config, f) == v for f, v in where.items())


def grid_fields(grid: dict) -> list[str]:
    """The config fields a grid varies, in order, a tuple key spread over its fields."""
    return [f for key in grid for f in (key if isinstance(key, tuple) else (key,))]


def _noun(field: str, phrases: list[str]) -> str:
    """What a field's values are called in the suite's words: the first word its phrases share ('wd' of 'wd 0.01',
    'wd 0.1'), else the field's name."""
    firsts = {p.split(" ", 1)[0] for p in phrases}
    return firsts.pop() if len(firsts) == 1 and all(" " in p for p in phrases) else field


def _values(grid: dict) -> dict[str, list]:
    """Field -> its distinct values in a grid, in order (a tuple key spread over its fields)."""
    out: dict[str, list] = {}
    for key, values in grid.items():
        for i, f in enumerate(key if isinstance(key, tuple) else (key,)):
            seen = out.setdefault(f, [])
            seen += [v for v in dict.fromkeys(p[i] if isinstance(key, tuple) else p for p in values) if v not in seen]
    return out


def _spread(key, values: tuple) -> dict[str, int]:
    """Field -> how many distinct values a grid axis gives it (a tuple key spread over its fields)."""
    if not isinstance(key, tuple):
        return {key: len(set(values))}
    return {f: len({point[i] for point in values}) for i, f in enumerate(key)}


def _fields(keys: list, point: tuple) -> dict[str, Any]:
    """One grid point as config fields: a tuple key spreads its tuple value over its fields."""
    out: dict[str, Any] = {}
    for key, value in zip(keys, point):
        if isinstance(key, tuple):
            if not isinstance(value, tuple) or len(value) != len(key):
                raise ConfigError(f"invalid grid point {value!r} for {key!r}; must be a tuple of {len(key)} values")
            out.update(zip(key, value))
        else:
            out[key] = value
    return out

