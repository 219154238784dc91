"""Regression tracking over commits: effect series, change points, the plot, and check's exit status.

The store is real: a cheap measuring suite (a ReLU net's activation spread at init, no training) is invoked
several times, each parent run's git_sha tag set to a made-up commit; a "regression" is a commit whose code
(here: the suite's init) changes the effect, as a code change would.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import shutil

import numpy as np
import pytest
import torch

from harness.api import thresholds
from harness.stats.changepoint import change_points, segments
from harness.config.run_config import ConfigError, RunConfig
from harness.core.contract import GIT_DIRTY_TAG, GIT_SHA_TAG
from harness.report.history import check, effect_history, history_table, invocations, plot_history
from harness.cli.history import add_commands, main_check, main_history
from harness.judge.measures import column
from harness.nn.models import build_model
from harness.execute.pipeline import Execution, run_suite
from harness.store.queries import QueryError
from harness.train.lifecycle import measure
from harness.judge.suite import Suite
from harness.store.tracking import Tracker
from harness.judge.verdict import ThresholdStatement

COMMIT_A, COMMIT_B = "a" * 40, "b" * 40


def spread(config: RunConfig) -> dict:
    """Output std of the last hidden block over the first's, on a fixed random batch at init (no training)."""
    torch.manual_seed(config.seed)
    model = build_model(config, 32, 10)
    h, stds = torch.randn(512, 32, generator=torch.Generator().manual_seed(config.seed)), []
    with torch.no_grad():
        for block in model.hidden:
            h = block(h)
            stds.append(float(h.std()))
    return {"std_ratio": stds[-1] / stds[0]}


def run_spread(config, recording):
    return measure(spread, config, recording)


STATEMENT = ThresholdStatement("the signal keeps its scale", "last/first std", column("std_ratio"), ">", 0.5)
SUITE = Suite(name="signal-spread", claim="the activation spread survives depth at init", source="tests",
              base=RunConfig(width=128, activation="relu", init="he_normal"), grid={"depth": (12,)},
              seeds=6, judge=thresholds([STATEMENT], ["depth"]), timing=False, run=run_spread)


def invoke(tracker, sha: str, seeds: int = 6, **base_changes) -> str:
    suite = dataclasses.replace(SUITE, base=SUITE.base.replace(**base_changes)) if base_changes else SUITE
    result = run_suite(suite, tracker, suite.configs(seeds), Execution(force=True, progress=False))
    tracker.set_tags(result.parent_run_id, {GIT_SHA_TAG: sha, GIT_DIRTY_TAG: "false"})
    return result.parent_run_id


@pytest.fixture(scope="module")
def store(tmp_path_factory, _empty_store):
    """Three invocations at commit A (He init: the claim holds), two at commit B (PyTorch's default init: it fails).

    Module-scoped: the tests below only read it.
    """
    db = tmp_path_factory.mktemp("history") / "mlflow.db"
    shutil.copy(_empty_store, db)
    tracker = Tracker(f"sqlite:///{db}")
    ids = [invoke(tracker, COMMIT_A) for _ in range(3)] + [invoke(tracker, COMMIT_B, init="default") for _ in range(2)]
    return tracker, ids


def test_history_orders_invocations_and_finds_the_step_at_the_first_commit_b_invocation(store):
    tracker, ids = store
    hist = effect_history(tracker.client, SUITE.name)
    assert list(hist["run_id"]) == ids and list(hist["git_sha"]) == [COMMIT_A] * 3 + [COMMIT_B] * 2
    assert list(hist["outcome"]) == ["supported"] * 3 + ["refuted"] * 2
    assert list(hist["step"]) == [False, False, False, True, False]
    table = history_table(hist)
    assert table[1][6] == "supported x3, then refuted x2" and table[1][7].startswith("bbbbbbb")


def test_check_fails_on_the_flip_and_the_step_naming_both_commits(store):
    tracker, _ = store
    result = check(tracker.client, SUITE.name, baseline=COMMIT_A[:7])
    assert result.exit_code == 1
    flipped = [line for line in result.lines if line.startswith("FLIPPED")]
    steps = [line for line in result.lines if line.startswith("STEP")]
    assert len(flipped) == 1 and len(steps) == 1, result.text
    for line in flipped + steps:
        assert "the signal keeps its scale" in line and COMMIT_A[:8] in line and COMMIT_B[:8] in line


def test_check_passes_between_invocations_of_the_same_code(store):
    tracker, ids = store
    assert check(tracker.client, SUITE.name, baseline=COMMIT_A[:7], head=ids[2]).exit_code == 0
    assert check(tracker.client, SUITE.name, baseline=ids[3], head=COMMIT_B).exit_code == 0


def test_check_fails_on_a_decided_row_turned_undecided_and_on_a_step_without_a_flip(tracker):
    invoke(tracker, COMMIT_A)
    invoke(tracker, COMMIT_B, seeds=3)  # 3 seeds: no 95% interval, the row is inconclusive
    result = check(tracker.client, SUITE.name, baseline=COMMIT_A)
    assert result.exit_code == 1 and result.lines[0].startswith("UNDECIDED"), result.text
    # ELU instead of ReLU: the ratio rises from ~1.0 to ~1.8, supported either way: a step, not a flip.
    for _ in range(2):
        invoke(tracker, "c" * 40, activation="elu")
    stepped = check(tracker.client, SUITE.name, baseline=COMMIT_A, head="c")
    assert [line.split()[0] for line in stepped.lines] == ["STEP"], stepped.text
    assert check(tracker.client, SUITE.name, baseline=COMMIT_A, head="c", rel_margin=10).exit_code == 0


def test_rows_recorded_with_the_older_format_are_their_own_series_and_no_baseline(tracker):
    """verdict.json of the older format (group as text): its rows are kept, by that text, and never matched to rows
    of groups as data; check refuses it as a baseline rather than find nothing to compare and pass."""
    from harness.core.contract import VERDICT_JSON
    from harness.store.queries import recorded_verdict

    old = invoke(tracker, COMMIT_A)
    rows = json.loads(recorded_verdict(tracker.client, old))
    for row in rows:  # as harness wrote it then
        row["group"] = f"depth={row['group']['depth']}"
        for key in ("arms", "tuned", "group_label", "arms_label", "tuned_label"):
            del row[key]
    tracker.log_text(old, json.dumps(rows, indent=1), VERDICT_JSON)
    invoke(tracker, COMMIT_B)
    hist = effect_history(tracker.client, SUITE.name)
    assert list(hist["label"]) == ["depth=12", "all"] and hist["row"].nunique() == 2  # depth: every run's
    with pytest.raises(QueryError, match="invalid baseline 'a+': its verdict.json was recorded with an older format"):
        check(tracker.client, SUITE.name, baseline=COMMIT_A)


def test_history_keeps_a_bound_a_bound(tracker):
    """A row whose effect is a bound (censored seeds) reads '≤0.667' in history as it did in the run, not '0.667'."""
    from harness.core.contract import VERDICT_JSON
    from harness.store.queries import recorded_verdict

    first = invoke(tracker, COMMIT_A)
    rows = json.loads(recorded_verdict(tracker.client, first))
    rows[0].update(effect=2 / 3, bound="<=")
    tracker.log_text(first, json.dumps(rows, indent=1), VERDICT_JSON)
    invoke(tracker, COMMIT_B)
    table = history_table(effect_history(tracker.client, SUITE.name))
    assert table[1][4] == "≤0.667" and not table[1][5].startswith("≤")  # first recorded as a bound, last exact


def test_bad_references_and_margins_are_one_line_errors(store):
    tracker, _ = store
    with pytest.raises(QueryError, match="invalid baseline 'ffff'.*commits: aaaaaaaa, bbbbbbbb"):
        check(tracker.client, SUITE.name, baseline="ffff")
    with pytest.raises(ConfigError, match="invalid --margin -1"):
        check(tracker.client, SUITE.name, baseline="a", margin=-1)
    with pytest.raises(QueryError, match="no judged invocations of suite 'nope'"):
        invocations(tracker.client, "nope")


def test_plot_writes_a_png(store, tmp_path):
    tracker, _ = store
    path = plot_history(effect_history(tracker.client, SUITE.name), tmp_path / "history.png")
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_change_points_find_steps_and_rarely_invent_them():
    rng = np.random.default_rng(1)
    flat = [bool(change_points(rng.normal(0, 1, 20))) for _ in range(100)]
    assert np.mean(flat) <= 0.10  # measured 0.03 at n = 20 (harness.stats.changepoint docstring)
    assert change_points(np.r_[rng.normal(0, 1, 10), 5 + rng.normal(0, 1, 10)]) == [10]
    assert change_points(np.r_[rng.normal(0, 1, 19), 12.0]) == [19]  # a jump of the newest point alone
    assert [s.level for s in segments([1.0, 1.0, 1.0, 2.0, 2.0])] == [1.0, 2.0]  # noiseless: any change is a step


def test_the_commands_print_the_table_and_exit_1_on_a_regression(store, capsys, tmp_path, monkeypatch):
    tracker, _ = store
    monkeypatch.setenv("COLUMNS", "200")  # room for every cell on one line
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers(dest="command"), lambda p: p.add_argument("--tracking-uri"))
    png = tmp_path / "history.png"
    assert main_history(parser.parse_args(["history", SUITE.name, "--tracking-uri", tracker.uri, "--plot", str(png)])) == 0
    assert "supported x3, then refuted x2" in capsys.readouterr().out and png.is_file()
    assert main_check(parser.parse_args(["check", SUITE.name, "--baseline", "aaaa", "--tracking-uri", tracker.uri])) == 1
    assert capsys.readouterr().out.rstrip().endswith("2 regression(s) -> FAIL")
    head_a = ["check", SUITE.name, "--baseline", "aaaa", "--head", "aaaa", "--tracking-uri", tracker.uri]
    assert main_check(parser.parse_args(head_a)) == 0
