"""pytest plugin (entry point pytest11, on whenever harness is installed): run a suite in a test, assert on its verdicts.

    def test_bn_shortens_training(harness_suite):
        verdicts = harness_suite("path/to/my_suite.py")            # or a registered name, or a Suite
        verdicts.supported("total time is shorter", activation="relu")  # AssertionError with the verdict table

Options: --harness-scale (default ci; a suite without a ci scale runs at its default), --harness-seeds (default: the scale's), --harness-store (an MLflow
URI; default a fresh SQLite store in the session's temporary folder). Harness modules are imported on first
use, so the plugin costs a test session nothing until a test asks for a suite.
"""
from __future__ import annotations

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("harness", "harness suites (fixture harness_suite)")
    group.addoption("--harness-scale", default="ci", help="scale the harness_suite fixture runs suites at (default ci)")
    group.addoption("--harness-seeds", type=int, default=None, help="fixed seeds per configuration (default: the scale's)")
    group.addoption("--harness-store", default=None,
                    help="MLflow tracking URI the suites record to (default: a fresh store in pytest's temporary folder)")


class SuiteVerdicts:
    """A suite run's verdict rows with assertion helpers whose failure message is the verdict table."""

    def __init__(self, result, store: str):
        self.result, self.store = result, store
        self.verdicts = result.verdicts
        self.runs = result.runs

    @property
    def table(self) -> str:
        from harness.execute.judging import family_line
        from harness.judge.tables import format_table

        return format_table(self.verdicts, self.result.header) + "\n" + family_line(self.verdicts)

    def rows(self, statement: str, **fields) -> list:
        """The rows of a statement whose group or treatment arm holds these fields' values (harness.select), e.g.
        rows("a wider net needs fewer epochs", width=32); AssertionError (with the table) when there are none."""
        from harness.judge.verdict import select

        try:
            return select(self.verdicts, statement, **fields)
        except LookupError as e:
            raise AssertionError(f"{e}\n{self.table}") from None

    def _expect(self, outcome: str, statement: str, fields: dict) -> list:
        found = self.rows(statement, **fields)
        wrong = [v for v in found if v.outcome != outcome]
        if wrong:
            listed = "; ".join(f"{v.label}: {v.outcome} (effect {v.effect:.3g}, interval [{v.low:.3g}, {v.high:.3g}])"
                               for v in wrong)
            raise AssertionError(f"expected {statement!r} {outcome.upper()}, got {listed}\n{self.table}")
        return found

    def supported(self, statement: str, **fields) -> list:
        """Assert every matching row (see rows) is supported; returns the rows."""
        return self._expect("supported", statement, fields)

    def refuted(self, statement: str, **fields) -> list:
        """Assert every matching row (see rows) is refuted; returns the rows."""
        return self._expect("refuted", statement, fields)

    def inconclusive(self, statement: str, **fields) -> list:
        """Assert every matching row (see rows) is inconclusive; returns the rows."""
        return self._expect("inconclusive", statement, fields)

    def finished(self) -> "SuiteVerdicts":
        """Assert no run failed; returns self."""
        if self.result.failures:
            errors = "; ".join(f"{c.config_id}: {e}" for c, e in self.result.failures)
            raise AssertionError(f"{len(self.result.failures)} run(s) failed: {errors}\n{self.table}")
        return self


@pytest.fixture(scope="session")
def harness_suite(request, tmp_path_factory):
    """Run a suite (a Suite, a file path, or a name) at --harness-scale into --harness-store: its SuiteVerdicts.

    Runs are cached per session by (suite, scale, seeds), so several tests can assert on one run.
    """
    options = request.config.option
    cache: dict = {}

    def run(suite, scale: str | None = None, seeds: int | None = None) -> SuiteVerdicts:
        from harness.api import find_suite
        from harness.api import run as run_suite

        suite = find_suite(suite)
        scale = scale or options.harness_scale
        if scale == "ci" and "ci" not in suite.scales:  # a suite of one scale runs as it is
            scale = "default"
        seeds = seeds if seeds is not None else options.harness_seeds
        key = (suite.name, scale, seeds)
        if key not in cache:
            store = options.harness_store or f"sqlite:///{tmp_path_factory.mktemp('harness') / 'mlflow.db'}"
            cache[key] = SuiteVerdicts(run_suite(suite, scale=scale, seeds=seeds, store=store), store)
        return cache[key]

    return run
