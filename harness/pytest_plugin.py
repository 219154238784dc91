"""pytest plugin (entry point pytest11, on whenever harness is installed): run a suite in a test, assert on its verdicts.

    def test_bn_shortens_training(harness_suite):
        verdicts = harness_suite("path/to/my_suite.py")            # or a registered name, or a Suite
        verdicts.supported("total time is shorter where both arms train", activation="relu")  # AssertionError with the verdict table

Options: --harness-scale (default ci; a suite that defines no scale runs its default at any scale, with a note, as
`harness run` does), --harness-seeds (default: the scale's), --harness-store (an MLflow URI; default a fresh SQLite
store in the session's temporary folder), --harness-reports (the folder each run's report goes to; default reports/,
as `harness run` writes it; 'none': no report). The session ends with a line per suite run: its store, parent run
and report. Lightning's INFO lines are silenced, so a failing claim's message is the verdict table. Harness modules
are imported on first use, so the plugin costs a test session nothing until a test asks for a suite.
"""
from __future__ import annotations

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("harness", "harness suites (fixture harness_suite)")
    group.addoption("--harness-scale", default="ci", help="scale the harness_suite fixture runs suites at (default ci)")
    group.addoption("--harness-seeds", type=int, default=None, help="fixed seeds per configuration (default: the scale's)")
    group.addoption("--harness-store", default=None,
                    help="MLflow tracking URI the suites record to (default: a fresh store in pytest's temporary folder)")
    group.addoption("--harness-reports", default="reports",
                    help="folder for each suite run's report (<suite>-<run id>/report.html, .md, .txt); 'none': no "
                         "report (default: reports)")


RAN = pytest.StashKey[list]()  # a line per suite run this session (where its store and report are), said at the end


def pytest_terminal_summary(terminalreporter):
    """Where each suite run's store and report went, pass or fail."""
    ran = terminalreporter.config.stash.get(RAN, [])
    if ran:
        terminalreporter.write_sep("-", "harness")
        for line in ran:
            terminalreporter.write_line(line)


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


def _where(suite, scale: str, store: str, parent_run_id: str, reports: str, note: str | None) -> str:
    """One line: the suite run, its store and parent run, and its report (written here unless reports is 'none')."""
    from pathlib import Path

    from harness.store.remote import redact

    said = f"{suite.name} ({scale} scale): store {redact(store)}, parent run {parent_run_id[:8]}"
    if reports.lower() != "none":
        from harness.report.build import write_report
        from harness.store.tracking import Tracker

        out = Path(reports) / f"{suite.name}-{parent_run_id[:8]}"
        said += f", report {write_report(Tracker(store), suite, parent_run_id, out).out_dir / 'report.html'}"
    return said + (f" ({note})" if note else "")


@pytest.fixture(scope="session")
def harness_suite(request, tmp_path_factory):
    """Run a suite (a Suite, a file path, or a name) at --harness-scale into --harness-store: its SuiteVerdicts.

    Runs are cached per session by (suite, scale, seeds), so several tests can assert on one run.
    """
    options = request.config.option
    cache: dict = {}

    def run(suite, scale: str | None = None, seeds: int | None = None) -> SuiteVerdicts:
        from pathlib import Path

        import harness.execute.pipeline  # noqa: F401 -- imports Lightning, which sets its loggers' levels: quiet after
        from harness.api import find_suite
        from harness.api import run as run_suite
        from harness.core.logs import quiet

        quiet()  # Lightning's INFO lines ("GPU available", tips) would bury a failing claim's verdict table
        project = suite if isinstance(suite, (str, Path)) and str(suite).endswith(".py") else None
        suite = find_suite(suite)
        scale, note = suite.scale_run(scale or options.harness_scale)  # the command line's rule
        seeds = seeds if seeds is not None else options.harness_seeds
        key = (suite.name, scale, seeds)
        if key not in cache:
            store = options.harness_store or f"sqlite:///{tmp_path_factory.mktemp('harness') / 'mlflow.db'}"
            result = run_suite(suite, scale=scale, seeds=seeds, store=store, project=project)
            cache[key] = SuiteVerdicts(result, store)
            request.config.stash.setdefault(RAN, []).append(_where(suite, scale, store, result.parent_run_id, options.harness_reports, note))
        return cache[key]

    return run
