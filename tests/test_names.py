"""The names the command line reads from source files (harness.core.names) are exactly the imported registries' and suites'."""
from __future__ import annotations

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

REGISTRIES = {"activation": ACTIVATIONS, "init": INITS, "optimizer": OPTIMIZERS, "dataset": DATASETS,
              "diagnostic": DIAGNOSTICS}


@pytest.mark.parametrize("axis", sorted(REGISTRIES))
def test_static_registry_names_equal_the_registry(axis):
    assert list(names.registry_names(axis)) == REGISTRIES[axis].names()


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


def test_did_you_mean_names_the_near_miss_and_only_then():
    assert names.unknown("activation", "rleu", ACTIVATIONS.names()).endswith("; did you mean 'relu'?")
    assert "did you mean" not in names.unknown("activation", "transformer", ACTIVATIONS.names())
