"""Which tests share a pytest-xdist worker, and why (`python -m pytest -n 2`; pyproject's addopts say
`--dist loadgroup`: the tests of one group run on one worker, one after another).

A group's session and module fixtures are then made once, not once per worker:
- `services`: the tests on a real PostgreSQL and `mlflow server` (tests/server_fixtures.py): one cluster and one
  server of each kind, started once (each start costs seconds of both cores);
- `report-suite`: the report, compare and browser tests share one trained tiny invocation (tests/report_suite.py);
- `suite-<name>`: a shipped suite's own tests (suites/test_<name>.py, their module fixture `suite_run`) and its
  run through the command line (tests/test_every_suite_cli.py) read one CI-scale invocation (ci_suite_run);
- every other test: its module's group (its file), so a module fixture is made once too.
The root conftest.py applies these (a test may also carry `pytest.mark.xdist_group(...)` itself) and starts the
longest groups first (FIRST, with pyproject's --no-loadscope-reorder): a long group left for the end would run
alone while the other worker idles.
"""
from __future__ import annotations

SERVICES = {"pg_cluster", "mlflow_server", "auth_server"}  # session fixtures that start PostgreSQL or mlflow servers
REPORT_SUITE = {"tiny_store", "tiny_invocation", "registered"}  # the shared tiny invocation's fixtures
# The longest groups, longest first: summed test durations of a `-n 2` run (2026-12-06, 2-core AMD EPYC at load 6-8:
# services 595 s, signals 394 s, ..., report-suite 64 s; the ~60 other groups 55 s or less; docs examples ~80 s,
# measured alone the same day). A group missing here starts in collection order, after these: nothing breaks, the
# run may only end less evenly.
FIRST = ("services", "tests/test_signals.py", "tests/test_report_memo.py", "tests/test_concurrency.py",
         "suite-adaptive-generalization", "tests/test_crash_safety.py", "suite-momentum", "tests/test_ray.py",
         "tests/test_plugin.py", "tests/test_docs_examples.py", "report-suite", "tests/test_strategy.py",
         "tests/test_workers.py")


def suite_group(name: str) -> str:
    """The group of the tests that read suite `name`'s CI-scale invocation."""
    return f"suite-{name}"


def group_of(item) -> str:
    """The xdist group `item` belongs to: by the fixtures it uses (their closure), the suite its module tests, else
    its module (the node id's file part)."""
    fixtures = set(item.fixturenames)
    if fixtures & SERVICES:
        return "services"
    if fixtures & REPORT_SUITE:
        return "report-suite"
    suite = getattr(item.module, "SUITE", None)
    if suite is not None and item.path.parent.name == "suites":
        return suite_group(suite.name)
    return item.nodeid.split("::", 1)[0]


def rank(group: str) -> int:
    """Where a group starts: FIRST's in their order, then every other (a stable sort keeps collection order)."""
    return FIRST.index(group) if group in FIRST else len(FIRST)
