"""The public API for a suite of your own: judges in a line, suites from files and installed packages, a run in a call.

A suite file defines SUITE (a harness.Suite); `load_suite_file` imports it, `suites_in` finds every one in a
folder, and installed packages declare theirs (and models and datasets) under the entry-point groups
`harness.suites`, `harness.models` and `harness.datasets` (README, "Your model, your data, your CI"). A suite's
flip test builds synthetic runs tables with `runs_table`, `reached` and `censored` and reads rows with `outcomes`.
"""
from __future__ import annotations

import hashlib
import importlib.util
import sys
from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from harness.config.run_config import ConfigError
from harness.data.datasets import DATASETS, Dataset
from harness.nn.models import MODELS, Model
from harness.judge.rules import paired_verdicts, threshold_verdicts
from harness.discovery import suites
from harness.judge.suite import Suite
from harness.judge.simulated import censored, outcomes, reached, runs_table  # noqa: F401 (public: a suite's flip tests)
from harness.judge.verdict import PairedStatement, ThresholdStatement, Verdict

Judge = Callable[[pd.DataFrame], list[Verdict]]
# Entry-point group names are public (installed packages declare under them): the names they had before the move to
# layer folders, not module paths.
SUITE_GROUP, MODEL_GROUP, DATASET_GROUP = "harness.suites", "harness.models", "harness.datasets"


def paired(factor: str, treatment, baseline, statements: Sequence[PairedStatement], group_by: Sequence[str] = ()) -> Judge:
    """A judge: `factor` = treatment (one level or a list) vs = baseline, paired by seed, per group of `group_by`.

    Each statement (harness.RatioStatement / DifferenceStatement) gives one row per group and treatment;
    a treatment absent from the runs still gets its row (n = 0, inconclusive), so nothing goes missing.
    """
    levels = list(treatment) if isinstance(treatment, (list, tuple)) else [treatment]
    statements, group_by = list(statements), list(group_by)

    def judge(runs: pd.DataFrame) -> list[Verdict]:
        return paired_verdicts(runs, statements, factor, baseline, group_by, levels=levels)

    return judge


def thresholds(statements: Sequence[ThresholdStatement], group_by: Sequence[str]) -> Judge:
    """A judge: each group's own median over seeds against each statement's threshold (harness.ThresholdStatement)."""
    statements, group_by = list(statements), list(group_by)

    def judge(runs: pd.DataFrame) -> list[Verdict]:
        return threshold_verdicts(runs, statements, group_by)

    return judge


def _import_file(path: Path):
    """Import a Python file as a module; its folder goes on sys.path so it can import its neighbours."""
    folder = str(path.parent.resolve())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    name = path.stem
    loaded = sys.modules.get(name)
    if loaded is not None and Path(getattr(loaded, "__file__", "") or "").resolve() == path.resolve():
        return loaded  # imported before (e.g. by its own test file): one module, one set of registrations
    if loaded is not None:  # the stem names another module: a private name, stable for this path
        name = f"harness_suite_{path.stem}_{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]}"
        if name in sys.modules:
            return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before executing: dataclasses and pickling look the module up by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def load_suite_file(path) -> Suite:
    """The SUITE a Python file defines; ConfigError (one line) for a missing file, no SUITE, or a SUITE that is not a Suite."""
    path = Path(path)
    if path.suffix != ".py" or not path.is_file():
        raise ConfigError(f"invalid suite file {str(path)!r}: no such Python file")
    suite = getattr(_import_file(path), "SUITE", None)
    if suite is None:
        raise ConfigError(f"invalid suite file {str(path)!r}: it defines no SUITE (a harness.Suite)")
    if not isinstance(suite, Suite):
        raise ConfigError(f"invalid suite file {str(path)!r}: SUITE is a {type(suite).__name__}, not a harness.Suite")
    return suite


def suites_in(folder) -> dict[str, Suite]:
    """Every suite the Python files of a folder define (not test_*, _* or conftest), by name, files in name order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"invalid suite folder {str(folder)!r}: not a folder")
    found: dict[str, Suite] = {}
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith(("test_", "_", "conftest")):
            continue
        suite = getattr(_import_file(path), "SUITE", None)
        if isinstance(suite, Suite):
            if suite.name in found:
                raise ConfigError(f"invalid suite folder {str(folder)!r}: two files define suite {suite.name!r}")
            found[suite.name] = suite
    return found


def installed_suites() -> dict[str, Suite]:
    """Suites installed packages declare under the entry-point group harness.suites (a Suite, or a module with SUITE)."""
    load_plugins()
    found: dict[str, Suite] = {}
    for ep in entry_points(group=SUITE_GROUP):
        obj = ep.load()
        suite = obj if isinstance(obj, Suite) else getattr(obj, "SUITE", None)
        if not isinstance(suite, Suite):
            raise ConfigError(f"invalid entry point {ep.name!r} = {ep.value!r} in group {SUITE_GROUP}: not a harness.Suite "
                              f"nor a module defining SUITE")
        found[suite.name] = suite
    return found


def find_suite(suite) -> Suite:
    """A Suite from a Suite, a path to a suite file (*.py), or the name of a suite in suites/ or an installed package.

    An unknown name raises the registry's one-line error listing the valid names (UnknownNameError).
    """
    if isinstance(suite, Suite):
        return suite
    if isinstance(suite, Path) or str(suite).endswith(".py"):
        load_plugins()  # the file may use an installed package's models or datasets
        return load_suite_file(suite)
    registered = suites()
    if suite in registered:
        return registered.get(suite)
    installed = installed_suites()
    if suite in installed:
        return installed[suite]
    return registered.get(suite)


@lru_cache(maxsize=None)
def load_plugins() -> tuple[str, ...]:
    """Import the models and datasets installed packages declare (groups harness.models, harness.data.datasets), once.

    An entry point may name a module (importing it runs its register_model / register_dataset decorators) or
    a factory / loader, which is registered under the entry point's name (a factory honours the axes in its
    `supports` attribute, default none). Returns the entry-point names loaded.
    """
    loaded = []
    for group, registry in ((MODEL_GROUP, MODELS), (DATASET_GROUP, DATASETS)):
        for ep in entry_points(group=group):
            obj = ep.load()
            known = {id(entry.build if group == MODEL_GROUP else entry.load) for _, entry in registry.items()}
            if callable(obj) and id(obj) not in known and ep.name not in registry:
                doc = (obj.__doc__ or "").strip().split("\n")[0] or f"entry point {ep.value}"
                entry = Model(obj, tuple(getattr(obj, "supports", ())), doc) if group == MODEL_GROUP else Dataset(obj, doc)
                registry.register(ep.name, entry)
            loaded.append(f"{group}:{ep.name}")
    return tuple(loaded)


def run(suite: Suite, scale: str = "ci", seeds: int | None = None, store: str | None = None, device: str | None = None):
    """Run a suite at a scale into a store (default: the usual resolution, README "The MLflow contract"): a SuiteResult.

    A fixed seed count (the scale's, or `seeds`), one look; `harness run` adds adaptive seeds on top. `device`
    None keeps the suite's (RunConfig's default, auto). Assembled as `harness run` assembles it
    (harness.execute.pipeline.run_invocation).
    """
    from harness.execute.execution import Execution, Invocation
    from harness.execute.pipeline import run_invocation

    invocation = Invocation.of(suite, options=Execution(scale=scale, progress=False), seeds=seeds, device=device,
                               store=store)
    return run_invocation(suite, invocation)[1]
