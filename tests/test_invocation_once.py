"""A suite run is validated once and assembled in one place: `harness run`, harness.run and the tests' fixture all
go through harness.execute.pipeline.run_invocation, and the invocation's options are checked once on the way."""
from __future__ import annotations

import pytest
import torch

import harness
from harness.cli.main import main
from harness.execute import execution, pipeline
from harness.discovery import suites


class Stop(Exception):
    """Raised where the runs would start: everything before it (validation, configs, the store) has happened."""


@pytest.fixture
def calls(monkeypatch):
    """Counts Execution.validate and run_invocation calls; stops each invocation where its runs would start."""
    seen = {"validate": 0, "run_invocation": 0, "configs": []}
    validate, run_invocation = execution.Execution.validate, pipeline.run_invocation

    def counted_validate(self, suite):
        seen["validate"] += 1
        return validate(self, suite)

    def counted_run_invocation(*args, **kwargs):
        seen["run_invocation"] += 1
        return run_invocation(*args, **kwargs)

    def stop(suite, tracker, configs, options, looks=None, code=None, suite_file=None):
        seen["configs"] = configs
        raise Stop

    monkeypatch.setattr(execution.Execution, "validate", counted_validate)
    monkeypatch.setattr(pipeline, "run_invocation", counted_run_invocation)
    monkeypatch.setattr(pipeline, "execute_suite", stop)
    return seen


def test_the_command_line_validates_once_and_assembles_through_run_invocation(calls, tmp_path, capsys):
    code = main(["run", "bn-saturating", "--scale", "ci", "--seeds", "2", "--no-progress",
                 "--tracking-uri", f"sqlite:///{tmp_path}/mlflow.db"])
    assert code == 4 and "Stop" in capsys.readouterr().err  # the stop above, reported as an unexpected error
    assert (calls["validate"], calls["run_invocation"]) == (1, 1)
    assert {c.device for c in calls["configs"]} == {"cuda" if torch.cuda.is_available() else "cpu"}  # auto, resolved


def test_the_api_validates_once_and_assembles_through_run_invocation(calls, tmp_path):
    with pytest.raises(Stop):
        harness.run(suites().get("bn-saturating"), scale="ci", seeds=2, store=f"sqlite:///{tmp_path}/mlflow.db")
    assert (calls["validate"], calls["run_invocation"]) == (1, 1)
    assert len(calls["configs"]) == 2 * len(suites().get("bn-saturating").configs(1, scale="ci"))
