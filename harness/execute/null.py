"""An A/A invocation (`harness run SUITE --null`): every arm of the suite's arm field trained as a copy of its baseline.

The arm field is the suite's `interleave` field (the suites that judge wall-clock time interleave their arms); its
first level in the grid is the baseline (bn-walltime: norm=none; activations: activation=relu). Every other arm
trains the baseline's configuration on its own seeds, through the same code path, in lockstep with the baseline's
run of the same pair seed, as the real arms would; then the suite's own judge reads the runs with each copy labelled
as the arm it stands in for. No effect exists, so every row that reads supported or refuted is a false finding: the
count is the rules' and the measurement's A/A error rate on real runs (issue 23).

Recorded apart, never mixed with real verdicts: the invocation has its own experiment, `null_experiment(suite)`, and
every run carries NULL_TAG. Its runs' seeds lie at NULL_SEED_STRIDE and above (arm j of pair seed s trains seed
NULL_SEED_STRIDE * (j + 1) + s, the baseline being arm 0), which real invocations never use, so no config_id of an
A/A run is ever a real run's: neither kind of invocation can resume into the other, whatever store it reads.
"""
from __future__ import annotations

import dataclasses

import pandas as pd

from harness.config.run_config import ConfigError, RunConfig
from harness.core.contract import null_experiment
from harness.judge.verdict import Verdict

NULL_SEED_STRIDE = 100_000  # real seeds lie below; A/A arm j of pair seed s trains seed STRIDE * (j + 1) + s


def pair_seed(seed: int) -> int:
    """The seed an A/A run pairs on (its arm's offset removed); a real run's own seed."""
    return seed % NULL_SEED_STRIDE


def null_invocation(suite, configs: list[RunConfig]):
    """(the A/A suite, its configs) for a suite's grid: each config's arm replaced by the baseline's, on its own seed.

    ConfigError (one line) for a suite without an arm field, or a grid whose seeds reach NULL_SEED_STRIDE."""
    factor = suite.interleave
    if factor is None:  # the command line names the suites that have one (harness.cli.main)
        raise ConfigError(f"invalid --null for suite {suite.name!r}: it names no arm field to copy (interleave); "
                          f"valid: a suite whose Suite.interleave names one")
    if max(c.seed for c in configs) >= NULL_SEED_STRIDE:
        raise ConfigError(f"invalid --null with seeds up to {max(c.seed for c in configs)}; valid: seeds below "
                          f"{NULL_SEED_STRIDE}")
    levels = list(dict.fromkeys(getattr(c, factor) for c in configs))  # grid order: the first is the baseline
    copies = [c.replace(**{factor: levels[0]}, seed=NULL_SEED_STRIDE * (levels.index(getattr(c, factor)) + 1) + c.seed)
              for c in configs]

    def judge(runs: pd.DataFrame) -> list[Verdict]:
        return suite.judge(as_arms(runs, factor, levels))

    aa = dataclasses.replace(suite, name=null_experiment(suite.name), judge=judge, interleave="seed",
                             claim=f"A/A: every {factor} trained as {factor}={levels[0]} (no effect exists); "
                                   f"{suite.claim}")
    return aa, copies


def as_arms(runs: pd.DataFrame, factor: str, levels: list) -> pd.DataFrame:
    """A/A runs as the suite's judge reads real ones: each labelled with the arm it stands in for, on its pair seed."""
    if runs.empty:
        return runs
    runs = runs.copy()
    runs[factor] = [levels[seed // NULL_SEED_STRIDE - 1] for seed in runs["seed"]]
    runs["seed"] = runs["seed"] % NULL_SEED_STRIDE
    return runs


def null_line(verdicts: list[Verdict]) -> str:
    """The A/A's count: with no effect anywhere, every supported or refuted row is a false finding."""
    outcomes = [v.outcome for v in verdicts]
    return (f"A/A (every arm a copy of its baseline): {len(outcomes)} rows, {outcomes.count('supported')} supported, "
            f"{outcomes.count('refuted')} refuted, {outcomes.count('inconclusive')} inconclusive; each supported or "
            f"refuted row is a false finding")
