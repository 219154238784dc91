"""The one fixture every suite test shares: its module's SUITE run at CI scale into a fresh store of its own."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def suite_run(request, ci_suite_run):
    """(tracker, SuiteResult) of the test module's SUITE, with the module's SEEDS when it sets them."""
    return ci_suite_run(request.module.SUITE, seeds=getattr(request.module, "SEEDS", None))


@pytest.fixture(scope="module")
def result(suite_run):
    """The SuiteResult alone: verdicts, runs as stored, failures."""
    return suite_run[1]
