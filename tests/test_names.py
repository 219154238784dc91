"""The names the command line reads from source files (harness.core.names) are exactly the imported registries' and suites'."""
from __future__ import annotations

import ast
import dataclasses
import importlib
import pkgutil

import pytest

from harness.core import names
from harness.nn.activations import ACTIVATIONS
from harness.config.run_config import DEVICES, NORMS, RunConfig
from harness.data.datasets import DATASETS
from harness.train.diagnostics import DIAGNOSTICS
from harness.nn.inits import INITS
from harness.nn.optimizers import OPTIMIZERS
from harness.discovery import suites
from harness.judge.suite import Suite

# Registries the command line does not read from source, each for a reason: models are checked against the
# runtime registry (a user's register_model must count), suites through names.suite_index (tested below).
NOT_READ_FROM_SOURCE = {"MODELS": "harness/nn/models.py"}


def registry(axis: str):
    """The imported registry that names.REGISTRIES points at for `axis`."""
    file, var = names.REGISTRIES[axis]
    return getattr(importlib.import_module("harness." + file.removesuffix(".py").replace("/", ".")), var)


@pytest.mark.parametrize("axis", sorted(names.REGISTRIES))  # names' own table: no second list here to leave one out
def test_static_registry_names_equal_the_registry(axis):
    assert list(names.registry_names(axis)) == registry(axis).names()
    assert registry(axis).axis == axis


def test_every_registry_in_the_package_is_read_from_source_or_excused():
    """A new Registry(...) in harness/ is either in names.REGISTRIES (so checked above) or named here with why."""
    found = set()
    for path in names.PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
            if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "Registry"):
                target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                found.add((path.relative_to(names.PACKAGE).as_posix(), target.id))
    read = {(file, var) for file, var in names.REGISTRIES.values()}
    excused = {(file.removeprefix("harness/"), var) for var, file in NOT_READ_FROM_SOURCE.items()}
    assert read <= found, "names.REGISTRIES points at a registry that no module defines"
    assert found == read | excused


def test_static_suite_index_equals_the_imported_suites():
    """Every module of the suites package imported (pkgutil, not the index): those defining SUITE are the index."""
    import suites as package

    real = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"suites.{info.name}")
        if isinstance(getattr(module, "SUITE", None), Suite):
            real[module.SUITE.name] = (module.__name__, module.SUITE)
    index = names.suite_index()
    assert sorted(index) == sorted(real) and len(real) > 20
    for name, (module, suite) in real.items():
        entry = index[name]
        assert entry.module == module and entry.claim == suite.claim
        assert entry.scales == ("default", *suite.scales)
        assert entry.timing is suite.timing  # what `run --workers` is refused on before torch is imported
        assert suites().get(name) is suite  # discovery loads that very module


def test_static_config_fields_equal_the_dataclass():
    fields = {f.name: f.default for f in dataclasses.fields(RunConfig)}
    assert {f.name: f.default for f in names.config_fields()} == fields
    assert {f.name: f.type for f in names.config_fields()} == {f.name: f.type for f in dataclasses.fields(RunConfig)}


def test_static_constants_equal_the_module_values():
    assert names.constant("config/run_config.py", "DEVICES") == DEVICES
    assert names.constant("config/run_config.py", "NORMS") == NORMS


def test_did_you_mean_names_the_near_miss_and_only_then(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # room for every valid name
    every = names.unknown("activation", "rleu", ACTIVATIONS.names())
    assert every.endswith("; did you mean 'relu'?") and all(n in every for n in ACTIVATIONS.names())
    assert "did you mean" not in names.unknown("activation", "transformer", ACTIVATIONS.names())


def test_a_list_of_choices_too_long_for_the_line_names_the_nearest_and_where_to_see_all(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    suites = list(names.suite_index())
    near = names.unknown("suite", "bn-waltime", suites)
    assert near == f"unknown suite 'bn-waltime'; did you mean 'bn-walltime'? (all {len(suites)}: `harness list`)"
    far = names.unknown("suite", "xyzzy", suites)
    assert far.startswith(f"unknown suite 'xyzzy'; valid: {suites[0]}, ") and far.endswith(f"`harness list`)")
    assert len(names.PREFIX + far) <= 100 and len(names.PREFIX + near) <= 100
    monkeypatch.setenv("COLUMNS", "60")  # not even one more name fits: still one, and where to see all
    assert names.unknown("suite", "xyzzy", suites).startswith(f"unknown suite 'xyzzy'; valid: {suites[0]}, ...")
    assert names.unknown("activation", "rleu", ACTIVATIONS.names()).endswith("(all 9: `harness train --help`)")
