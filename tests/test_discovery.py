"""The shipped suites are found by reading suites/ (harness.discovery), and a suite's module is imported only when
that suite is asked for."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.core.names import SuiteEntry, suite_index
from harness.core.registry import UnknownNameError
from harness.discovery import SuiteCatalog, load_shipped

ROOT = Path(__file__).resolve().parents[1]


def test_names_need_no_suite_module_and_one_suite_imports_only_its_own():
    code = ("import sys; from harness.discovery import suites; c = suites(); names = c.names()\n"
            "loaded = lambda: sorted(m for m in sys.modules if m.startswith('suites.'))\n"
            "print(len(names), loaded(), 'torch' in sys.modules)\n"
            "c.get('he-init'); print(loaded())")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    first, second = out.splitlines()
    assert first == f"{len(suite_index())} [] False"
    assert second == "['suites.he_init']"


def test_suites_registered_at_run_time_sit_beside_the_shipped_ones(monkeypatch):
    monkeypatch.setenv("COLUMNS", "1000")  # a line wide enough for every valid name
    catalog = SuiteCatalog()
    suite = catalog.get("he-init")
    with pytest.raises(ValueError, match="suite 'he-init' is already registered"):
        catalog.register("he-init", suite)
    catalog.register("my-own", suite)
    assert catalog.names()[-1] == "my-own" and "my-own" in catalog and catalog.get("my-own") is suite
    assert list(catalog)[:len(suite_index())] == list(suite_index())
    with pytest.raises(UnknownNameError, match="unknown suite 'he_init'; valid: activations, .*, my-own"):
        catalog.get("he_init")


def test_a_module_whose_suite_is_not_the_one_its_source_names_is_refused():
    entry = SuiteEntry("not-he-init", "c", ("default",), "suites.he_init", False)
    with pytest.raises(TypeError, match="invalid suite module 'suites.he_init': its SUITE is not the harness.Suite "
                                        "named 'not-he-init'"):
        load_shipped(entry)
