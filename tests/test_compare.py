"""harness compare: two invocations side by side; thread count changes timings, never convergence here."""
from __future__ import annotations

import pytest
from mlflow.tracking import MlflowClient

from harness.cli.main import main
from harness.report.compare import compare, render
from harness.execute.pipeline import Execution, run_suite
from harness.store.queries import QueryError
from harness.discovery import suites
from harness.store.tracking import Tracker
from tests.report_suite import tiny_suite


@pytest.fixture(scope="module")
def invocations(tiny_invocation):
    """Three invocations of a 2-run suite in the shared store: threads 1, threads 2, and a 1-epoch budget."""
    uri = tiny_invocation[0]
    suite = tiny_suite(lrs=(0.01,), seeds=1, diagnostics="", name="tiny-compare")
    tracker = Tracker(uri)
    ids = {}
    for label, changes in (("t1", dict(threads=1)), ("t2", dict(threads=2)),
                           ("short", dict(threads=1, max_epochs=1, target_value=0.99))):
        result = run_suite(suite, tracker, [c.replace(**changes) for c in suite.configs()], Execution(progress=False))
        assert not result.failures
        ids[label] = result.parent_run_id
    return uri, suite, ids


def test_thread_counts_differ_in_timing_columns_and_leave_convergence_unchanged(invocations):
    uri, suite, ids = invocations
    c = compare(MlflowClient(uri), suite, ids["t1"], ids["t2"])
    assert ("threads", "1", "2") in c.differences
    assert not [d for d in c.differences if d[0].startswith("config.")]  # nothing else in the configs differs
    assert c.convergence_unchanged and len(c.convergence) == 2  # (norm none, before) x seed 0
    header, *rows = c.configs
    assert header[:4] == ("configuration", "A epoch time s", "B epoch time s", "epoch time B/A")
    assert [r[0] for r in rows] == ["no BN", "BN"]  # only what varies, in the suite's words
    for r in rows:
        assert float(r[1]) > 0 and float(r[2]) > 0 and float(r[3]) > 0  # timings present on both sides
        assert r[4] == r[5]  # epochs to target: the same
        assert r[9] == r[10] == "1/1"
    by_metric = {row[2]: row for row in c.verdicts[1:]}
    epochs = by_metric["epochs-to-target ratio"]
    assert epochs[3] == epochs[6] and epochs[5] == epochs[8]  # same effect, same outcome
    text = render(c)
    assert "convergence: UNCHANGED in all 2 paired runs" in text and "threads" in text


def test_a_changed_budget_shows_as_changed_convergence(invocations):
    uri, suite, ids = invocations
    c = compare(MlflowClient(uri), suite, ids["t1"], ids["short"])
    assert not c.convergence_unchanged
    assert set(c.convergence["outcome_b"]) == {"max_epochs after 1 epochs"}
    assert ("config.max_epochs", "4", "1") in c.differences
    text = render(c, "markdown")
    assert "convergence: CHANGED in 2 of 2 paired runs" in text
    assert "## Runs whose convergence changed" in text


def test_cli_compare(invocations, monkeypatch, capsys):
    uri, suite, ids = invocations
    monkeypatch.setitem(suites()._entries, suite.name, suite)
    assert main(["compare", ids["t1"], ids["t2"], "--format", "markdown", "--tracking-uri", uri]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"# {suite.name}: A vs B") and "| threads | 1 | 2 |" in out


def test_compare_refuses_what_is_not_two_invocations_of_one_suite(invocations, tiny_invocation):
    uri, suite, ids = invocations
    client = MlflowClient(uri)
    child = client.search_runs([client.get_experiment_by_name(suite.name).experiment_id],
                               filter_string="tags.`harness.role` = 'child'", max_results=1)[0].info.run_id
    with pytest.raises(QueryError, match="not a suite invocation"):
        compare(client, suite, ids["t1"], child)
    with pytest.raises(QueryError, match="no such run"):
        compare(client, suite, ids["t1"], "f" * 32)
    with pytest.raises(QueryError, match="an invocation of suite 'tiny-report', not 'tiny-compare'"):
        compare(client, suite, ids["t1"], tiny_invocation[2])


def test_cli_compare_bad_run_is_one_line_exit_2(invocations, capsys):
    uri, _, ids = invocations
    assert main(["compare", "nope", ids["t2"], "--tracking-uri", uri]) == 2
    err = capsys.readouterr().err
    assert "invalid run 'nope': no such run" in err and len(err.strip().splitlines()) == 1
