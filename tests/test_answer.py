"""The plain answer, the verdict grid, the verdict keys and the forest plot, from verdict rows."""
from __future__ import annotations

import math

from harness.report import plots
from harness.judge.answer import grid_rows, plain_answer, row_keys, short_group, statement_line
from harness.judge.verdict import Verdict

INF = math.inf


def row(group, outcome, effect, low=0.5, high=0.9, statement="total time is shorter", direction="<"):
    return Verdict(statement, group, "time-to-target ratio", effect, low, high, 1.0, direction, 3, outcome)


ROWS = [
    row("activation=elu, norm before vs none", "supported", 0.6),
    row("activation=elu, norm after vs none", "supported", 0.5),
    row("activation=sigmoid, norm before vs none", "supported", 0.2, 0.0, 0.3),
    row("activation=tanh, norm before vs none", "refuted", 1.4, 1.1, 1.9),
    row("activation=relu, norm before vs none", "inconclusive", 1.55, 0.8, INF),
    row("activation=relu, norm after vs none", "inconclusive", 0.9, -INF, INF),
    row("activation=elu, norm before vs none", "inconclusive", 1.2, 0.9, 1.5, statement="each epoch is slower",
        direction=">"),
]


def test_one_line_per_statement_names_each_side_and_the_lean():
    line = statement_line("total time is shorter", ROWS[:6])
    assert line.startswith("total time is shorter [claim: time-to-target ratio < 1]: ")
    assert "supported for elu (before, after), sigmoid (before)" in line
    assert "refuted for tanh (before)" in line
    assert "undecided: relu (before 1.55 leans against, after 0.9 leans for)" in line


def test_the_answer_counts_and_ends_with_the_statements():
    text = plain_answer(ROWS, "BN makes total time shorter")
    head, *lines = text.splitlines()
    assert head.startswith("ANSWER to 'BN makes total time shorter': 3 supported, 1 refuted, 3 undecided of 7")
    assert [ln.split(" [")[0] for ln in lines] == ["- total time is shorter", "- each epoch is slower"]
    assert "undecided: elu (before 1.2: leans for)" in lines[1]
    assert "refuted for none" in lines[1]
    assert plain_answer([]).startswith("ANSWER: no verdict")


def test_verdict_grid_is_group_by_statement():
    grid = grid_rows(ROWS)
    assert grid[0] == ("group", "total time is shorter", "each epoch is slower")
    assert ("elu before", "SUPPORTED", "INCONCLUSIVE") in grid
    assert ("tanh before", "REFUTED", "") in grid


def test_keys_are_short_consistent_and_unique():
    keys = row_keys(ROWS + [ROWS[0]])
    assert keys[0] == "elu_before/time_to_target_ratio"
    assert all(set(k) <= set("abcdefghijklmnopqrstuvwxyz0123456789_/") for k in keys)
    assert len(set(keys)) == len(keys)
    assert short_group("lr=0.01, norm before vs none") == "0.01 before"


def test_forest_plot_draws_every_row_with_open_bounds(tmp_path):
    path = plots.plot_forest(ROWS, short_group, tmp_path / "forest.png")
    assert path.stat().st_size > 10_000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
