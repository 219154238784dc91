"""A tiny suite for the report, compare and browser tests: trains in seconds, with converged and censored configurations.

Its session fixtures are imported by the root conftest.py, so the three test files share one trained invocation.
"""
from __future__ import annotations

import pytest

from harness.config.run_config import RunConfig
from harness.execute.pipeline import Execution, run_suite
from harness.judge.rules import paired_verdicts
from harness.judge.suite import Suite
from harness.store.tracking import Tracker
from harness.judge.measures import epochs_to_target, median_epoch_time, time_to_target
from harness.judge.verdict import RatioStatement

# bn-walltime's first headline rules (before rescue and speed-up were apart), judged per learning rate: a censored arm
# bounds a ratio here, which the report's tests need to see drawn and said as a bound
STATEMENTS = [RatioStatement("each epoch is slower", "epoch time ratio", median_epoch_time, ">"),
              RatioStatement("fewer epochs are needed", "epochs-to-target ratio", epochs_to_target, "<"),
              RatioStatement("total time is shorter", "time-to-target ratio", time_to_target, "<")]
from tests.stores import copy_store


def judge(runs):
    return paired_verdicts(runs, STATEMENTS, factor="norm", baseline="none", group_by=["lr"])


def tiny_suite(lrs=(0.01, 1e-6), seeds: int = 2, diagnostics: str = "gradients", name: str = "tiny-report") -> Suite:
    """lr 0.01 reaches 80% validation accuracy on digits in a few epochs; lr 1e-6 never does (censored at 4 epochs)."""
    return Suite(
        name=name,
        claim="BN: slower epochs, fewer of them (a tiny stand-in for bn-walltime)",
        source="tests/report_suite.py",
        base=RunConfig(dataset="digits", depth=3, width=16, optimizer="adam", batch_size=64, max_epochs=4,
                       target_value=0.8, threads=1, diagnostics=diagnostics),
        grid={"lr": lrs, "norm": ("none", "before")},
        seeds=seeds,
        judge=judge,
        words={"norm": {"before": "BN", "none": "no BN"}, "lr": "lr {:g}"},  # 'lr 0.01, BN vs no BN'
    )


@pytest.fixture(scope="session")
def tiny_store(_empty_store, tmp_path_factory) -> str:
    """A fresh store shared by the report, compare and browser tests (a copy of conftest's migrated empty one)."""
    path = tmp_path_factory.mktemp("report-store") / "mlruns" / "mlflow.db"
    path.parent.mkdir(parents=True)
    copy_store(_empty_store, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def tiny_invocation(tiny_store):
    """One finished invocation of the tiny suite: (store uri, suite, parent run id); ~8 runs of under a second each."""
    uri = tiny_store
    suite = tiny_suite()
    result = run_suite(suite, Tracker(uri), suite.configs(), Execution(progress=False))
    assert not result.failures, result.failures
    return uri, suite, result.parent_run_id


@pytest.fixture
def registered(tiny_invocation, monkeypatch):
    """The tiny suite registered for the CLI, for this test only."""
    from harness.discovery import suites

    uri, suite, parent = tiny_invocation
    monkeypatch.setitem(suites()._entries, suite.name, suite)
    return uri, suite, parent
