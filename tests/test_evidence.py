"""`harness evidence STORE...`: the evidence page generated from real ci-scale stores, every figure read from them.

The stores are the suites' own CI-scale invocations (ci_suite_run); this module shares vanishing-gradients' xdist
group, so that one is made once per run."""
from __future__ import annotations

import json
import re

import pytest

from harness.cli.main import main
from harness.judge.answer import CHECKED
from harness.report.evidence import Invocation
from harness.core.contract import GIT_SHA_TAG, HARNESS_COMMIT_TAG, CPUS_TAG, LOAD_END_TAG, LOAD_START_TAG
from harness.store.location import sqlite_path
from tests.xdist_groups import suite_group

pytestmark = pytest.mark.xdist_group(suite_group("vanishing-gradients"))


@pytest.fixture(scope="module")
def stores(ci_suite_run):
    """Two stores, one suite each: vanishing-gradients and selu-self-normalization at CI scale."""
    from harness.discovery import suites
    return [ci_suite_run(suites().get(name))[0] for name in ("vanishing-gradients", "selu-self-normalization")]


def test_the_page_holds_what_each_parent_run_recorded(stores, tmp_path, capsys):
    out = tmp_path / "docs" / "evidence.md"
    assert main(["evidence", *(str(sqlite_path(t.uri)) for t in stores), "--out", str(out)]) == 0
    assert "2 suite(s) from 2 store(s)" in capsys.readouterr().out
    text = out.read_text()
    for tracker in stores:
        (parent,) = [r for r in tracker.client.search_runs(
            [e.experiment_id for e in tracker.client.search_experiments()], "tags.`harness.role` = 'parent'")]
        tags, suite = parent.data.tags, parent.data.tags["harness.suite"]
        rows = json.loads(tracker.client.download_artifacts(parent.info.run_id, "verdict.json", str(tmp_path))
                          and (tmp_path / "verdict.json").read_text())
        section = text.split(f"\n## {suite}\n", 1)[1].split("\n## ", 1)[0]
        # the machine, load, commit and run time as recorded, not as this process sees them
        assert tags[LOAD_START_TAG] and tags[LOAD_END_TAG] and tags[CPUS_TAG]
        assert f"{tags[LOAD_START_TAG]} → {tags[LOAD_END_TAG]}" in section
        assert f"{tags['device']} ({tags['device_type']}), {tags['threads']} thread(s), {tags[CPUS_TAG]} logical CPUs" in section
        # the commit of the suite file's repository, where it has one; else (the tests' stores lie outside git) the
        # harness's own checkout's, said to be the harness's
        own = tags.get(GIT_SHA_TAG)
        commit = own or (f"{tags[HARNESS_COMMIT_TAG]} (the harness's)" if tags.get(HARNESS_COMMIT_TAG) else "not recorded")
        assert f"`{commit}`" in section and parent.info.run_id in section
        span = (parent.info.end_time - parent.info.start_time) / 1000
        assert f"**run time** {span:.0f} s" in section
        claims = [r for r in rows if not r.get("check")]  # checks of the implementation are counted apart
        counts = {o: sum(r["outcome"] == o for r in claims) for o in ("supported", "refuted", "inconclusive")}
        assert (f"{counts['supported']} supported, {counts['refuted']} refuted, {counts['inconclusive']} inconclusive "
                f"of {len(claims)} rows") in section
        table = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| statement")]
        assert len(table) == len(rows) >= 1
        for line, row in zip(table, rows):
            verdict = f"check {CHECKED[row['outcome']]}" if row.get("check") else row["outcome"].upper()
            assert line.startswith(f"| {row['statement']} |") and line.endswith(f"| {verdict} |")
    assert re.search(r"\| \[vanishing-gradients\]\(#vanishing-gradients\) \| \d+ \| \d+ \| \d+ \| - \| ci \| 6 \|", text)
    assert "## Not in these stores" in text and "[bn-walltime](suites/bn-walltime.md)" in text


def test_a_missing_store_is_one_line_and_nothing_is_written(stores, tmp_path, capsys):
    out = tmp_path / "evidence.md"
    assert main(["evidence", str(sqlite_path(stores[0].uri)), str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "invalid store" in err[0] and "nowhere" in err[0] and "valid:" in err[0]
    assert not out.exists()


def test_checks_of_the_implementation_are_counted_apart_from_the_claims_rows():
    rows = [{"outcome": "supported"}, {"outcome": "refuted"}, {"outcome": "supported", "check": True},
            {"outcome": "refuted", "check": True}]
    inv = Invocation("momentum", "r", "s", 0, 1, {}, {}, rows)
    assert inv.counts() == {"supported": 1, "refuted": 1, "inconclusive": 0, "checks": 2, "failed": 1}
    assert inv.checks() == "1 passed, 1 not passed"
    assert Invocation("momentum", "r", "s", 0, 1, {}, {}, rows[:2]).checks() == ""


def test_many_stores_are_listed_at_the_end_not_before_the_table():
    """26 store paths ran 20 lines before the summary table: past STORES_INLINE they are counted there and listed
    at the end."""
    from harness.report.evidence import STORES_INLINE, page

    few = page({}, ["bn-walltime"], ["a/mlflow.db", "b/mlflow.db"])
    assert "these stores (per suite its newest finished invocation): `a/mlflow.db`, `b/mlflow.db`." in few
    assert "## The stores" not in few
    many = [f"s{i}/mlflow.db" for i in range(STORES_INLINE + 1)]
    text = page({}, ["bn-walltime"], many)
    intro = text[:text.index("| suite |")]
    assert f"{len(many)} stores (listed at the end" in intro and "s0/mlflow.db" not in intro
    assert text.rstrip().endswith("\n".join(f"- `{s}`" for s in many))
