"""Which tests share a pytest-xdist worker, and why (`python -m pytest -n 2`; pyproject's addopts say
`--dist loadgroup`: the tests of one group run on one worker, one after another).

A group's session and module fixtures are then made once, not once per worker:
- `services`: the tests on a real PostgreSQL and `mlflow server` (tests/server_fixtures.py): one cluster and one
  server of each kind, started once (each start costs seconds of both cores);
- `report-suite`: the report, compare and browser tests share one trained tiny invocation (tests/report_suite.py);
- `suite-<name>`: a shipped suite's own tests (suites/test_<name>.py, their module fixture `suite_run`) and its
  run through the command line (tests/test_every_suite_cli.py) read one CI-scale invocation (ci_suite_run).
The root conftest.py applies these; a test may also carry `pytest.mark.xdist_group(...)` itself.
"""
from __future__ import annotations

SERVICES = {"pg_cluster", "mlflow_server", "auth_server"}  # session fixtures that start PostgreSQL or mlflow servers
REPORT_SUITE = {"tiny_store", "tiny_invocation", "registered"}  # the shared tiny invocation's fixtures


def suite_group(name: str) -> str:
    """The group of the tests that read suite `name`'s CI-scale invocation."""
    return f"suite-{name}"


def group_of(item) -> str | None:
    """The xdist group `item` belongs to, by the fixtures it uses (their closure) and the suite its module tests."""
    fixtures = set(item.fixturenames)
    if fixtures & SERVICES:
        return "services"
    if fixtures & REPORT_SUITE:
        return "report-suite"
    suite = getattr(item.module, "SUITE", None)
    if suite is not None and item.path.parent.name == "suites":
        return suite_group(suite.name)
    return None
