"""Every shipped suite through the command line, report included: exit 0, its verdict table, its report, and the
answer last.

One seed each (`--seeds 1`, at the ci scale's grid and budget): the path from the command line through the
runs, the judge, the report and the answer is what is under test here, and every suite's statistics have
their own tests (suites/test_*.py). One seed is the hardest case for a report: every interval is open.
The runs are the suite's CI-scale invocation its own tests read (ci_suite_run, same xdist group), made by
harness.execute.pipeline.run_invocation, the function `harness run` assembles and runs a suite with; here
`harness run` finds seed 0's runs finished in a copy of that store and reuses them (resume), so each suite
trains once per test session, not twice. In-process (harness.cli.main.main, the console script's own function);
tests/test_cli.py and tests/test_report_memo.py run the command as a process, and tests/test_signals.py,
tests/test_crash_safety.py train through it.
"""
from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.core import names
from harness.cli.main import main
from tests.stores import copy_store
from tests.xdist_groups import suite_group

SUITES = sorted(names.suite_index())


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xdist_group(suite_group(n))) for n in SUITES])
def test_every_suite_runs_and_reports_through_the_command_line(name, tmp_path, monkeypatch, capsys, ci_suite_run):
    suite = importlib.import_module(names.suite_index()[name].module).SUITE
    tracker, _ = ci_suite_run(suite)  # the suite's own tests read this invocation; the command line gets a copy
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "120")  # every line printed fits a 120-column terminal
    (tmp_path / "mlruns").mkdir()
    copy_store(Path(tracker.uri.removeprefix("sqlite:///")), tmp_path / "mlruns" / "mlflow.db")

    code = main(["run", name, "--scale", "ci", "--seeds", "1", "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 0, f"exit {code}\n{err[-3000:]}"
    assert re.search(r"^all \d+ runs already in the store", err, re.M), err[-3000:]  # seed 0's, reused
    assert "Traceback" not in out + err
    assert re.search(r"^statement\s.*\sverdict\b", out, re.M), out[-3000:]  # the verdict table's header
    lines = out.rstrip().splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("ANSWER to "))
    answer = lines[start:]
    assert answer[1:] and all(line.startswith(("- ", "  ", "Checks of the implementation")) for line in answer[1:]), \
        "\n".join(answer)  # the answer is last (its checks, where a suite has some, apart at its end)
    assert [line for line in answer if line.startswith("- ")], "\n".join(answer)  # a sentence per statement
    wide = [line for line in (out + err).splitlines() if len(line) > 120]
    assert not wide, "\n".join(wide)
    report = re.search(r"report: (\S+report\.html)", out)
    assert report and (tmp_path / report.group(1)).stat().st_size > 0, out[-2000:]

    assert main(["report", name]) == 0  # made again or replayed: the same invocation, its answer last
    again, err = capsys.readouterr()
    assert again.rstrip().splitlines()[-len(answer):] == answer
    wide = [line for line in (again + err).splitlines() if len(line) > 120]
    assert not wide, "\n".join(wide)


def test_an_error_after_the_verdict_is_one_line_naming_where_the_verdict_is(tmp_path):
    """The report cannot be written (`reports` is a file): the table and the answer still print, then one line, exit 4."""
    (tmp_path / "reports").write_text("not a folder\n")
    env = {**os.environ, "HARNESS_DEBUG": "0"}
    out = subprocess.run([sys.executable, "-m", "harness.cli.main", "run", "bn-saturating", "--scale", "ci", "--seeds", "1",
                          "--no-progress"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 4, out.stderr[-3000:]
    assert "Traceback" not in out.stdout + out.stderr
    assert re.search(r"^statement\s.*\sverdict\b", out.stdout, re.M)
    assert out.stdout.rstrip().splitlines()[-1].startswith(("- ", "  "))  # the answer (a sentence, wrapped) is still last
    said = [line for line in out.stderr.splitlines() if line.startswith("harness: the report failed")]
    assert len(said) == 1, out.stderr
    assert "the verdict is recorded in the store: parent run" in said[0] and "traceback in " in said[0]
    log = re.search(r"traceback in (\S+?)\)", said[0]).group(1)
    assert "Traceback" in open(log).read()
