"""The plain answer, the verdict grid, the verdict keys and the forest plot, from verdict rows."""
from __future__ import annotations

import math
import re

import pytest

from harness.judge.answer import grid_rows, plain_answer, statement_line
from harness.judge.subject import KEY_MAX, Words, row_keys, slug, speaking
from harness.judge.verdict import Verdict
from harness.report import plots

INF = math.inf


def row(activation, norm, outcome, effect, low=0.5, high=0.9, statement="total time is shorter", direction="<"):
    return Verdict(statement, {"activation": activation}, "time-to-target ratio", effect, low, high, 1.0, direction, 3,
                   outcome, arms=({"norm": norm}, {"norm": "none"}))


ROWS = [
    row("elu", "before", "supported", 0.6),
    row("elu", "after", "supported", 0.5),
    row("sigmoid", "before", "supported", 0.2, 0.0, 0.3),
    row("tanh", "before", "refuted", 1.4, 1.1, 1.9),
    row("relu", "before", "inconclusive", 1.55, 0.8, INF),
    row("relu", "after", "inconclusive", 0.9, -INF, INF),
    row("elu", "before", "inconclusive", 1.2, 0.9, 1.5, statement="each epoch is slower", direction=">"),
]


def test_one_line_per_statement_names_each_side_and_the_lean():
    line = statement_line("total time is shorter", ROWS[:6])
    assert line.startswith("total time is shorter [claim: time-to-target ratio < 1]: ")
    assert ("supported for activation elu (norm before vs none, norm after vs none), "
            "activation sigmoid (norm before vs none)") in line
    assert "refuted for activation tanh (norm before vs none)" in line
    assert "undecided: activation relu (norm before vs none 1.55 leans against, norm after vs none 0.9 leans for)" in line


def test_the_answer_counts_and_ends_with_the_statements():
    text = plain_answer(ROWS, "BN makes total time shorter")
    head, *lines = text.splitlines()
    assert head.startswith("ANSWER to 'BN makes total time shorter': 3 supported, 1 refuted, 3 undecided of 7")
    assert [ln.split(" [")[0] for ln in lines] == ["- total time is shorter", "- each epoch is slower"]
    assert "undecided: activation elu (norm before vs none 1.2: leans for)" in lines[1]
    assert "refuted for none" in lines[1]
    assert plain_answer([]).startswith("ANSWER: no verdict")


def test_the_answer_speaks_the_suites_words():
    words = Words({"activation": "{}", "norm": {"before": "BN", "none": "no BN"}})
    with speaking(words):
        rows = [row("elu", "before", "supported", 0.6), row("relu", "before", "refuted", 1.4, 1.1, 1.9)]
    assert [v.label for v in rows] == ["elu, BN vs no BN", "relu, BN vs no BN"]
    assert "supported for elu (BN vs no BN); refuted for relu (BN vs no BN)" in statement_line(rows[0].statement, rows)


def test_verdict_grid_is_group_by_statement():
    grid = grid_rows(ROWS)
    assert grid[0] == ("group", "total time is shorter", "each epoch is slower")
    assert ("activation elu, norm before vs none", "SUPPORTED", "INCONCLUSIVE") in grid
    assert ("activation tanh, norm before vs none", "REFUTED", "") in grid


def test_keys_are_short_readable_and_unique():
    keys = row_keys(ROWS[:6])
    with speaking(Words({"activation": "{}", "norm": {"before": "BN", "none": "no BN"}})):
        assert row_keys([row("elu", "before", "supported", 0.6)]) == ["elu_bn_vs_no_bn/time-to-target_ratio"]
    # 'activation_elu_norm_before_vs_none/time-to-target_ratio' is 63 characters as a tag: the subject is cut
    assert re.fullmatch(r"activation_elu_norm_before-[0-9a-f]{4}/time-to-target_ratio", keys[0]), keys[0]
    assert all(set(k) <= set("abcdefghijklmnopqrstuvwxyz0123456789_/.-") for k in keys)
    assert len(set(keys)) == len(keys)
    assert slug("lr 0.01, norm before vs none") == "lr_0.01_norm_before_vs_none"


def test_keys_fit_the_ui_and_stay_unique_when_cut():
    long = [Verdict("a statement", {"n_samples": n, "description": "x" * 80}, "a rather long metric name, in words",
                    1.0, 0.5, 1.5, 1.0, "<", 3, "inconclusive", arms=({"dropout": 0.5}, {"dropout": 0.0}))
            for n in (1000, 4000)]
    twins = [Verdict(s, {"activation": "relu"}, "epochs-to-target ratio", 1.0, 0.5, 1.5, 1.0, "<", 3, "inconclusive")
             for s in ("no consistent winner", "BN needs fewer epochs")]
    keys = row_keys(long + twins)
    assert all(len(f"verdict/{k}") <= KEY_MAX for k in keys) and len(set(keys)) == 4, keys
    # Two statements of one subject and metric: the statement names the row instead of the metric.
    assert keys[2:] == ["activation_relu/no_consistent_winner", "activation_relu/bn_needs_fewer_epochs"]
    assert keys == row_keys(long + twins)  # the same rows, the same keys: comparable across runs


def test_a_text_group_is_refused_with_the_shape_it_wants():
    with pytest.raises(TypeError, match="must be a mapping of field -> value"):
        Verdict("s", "activation=relu", "m", 1.0, 0.5, 1.5, 1.0, "<", 3, "supported")


def test_forest_plot_draws_every_row_with_open_bounds(tmp_path):
    path = plots.plot_forest(ROWS, tmp_path / "forest.png")
    assert path.stat().st_size > 10_000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_suite_labels_its_rows_in_its_words_leaving_out_what_every_run_shares():
    from harness.config.run_config import RunConfig
    from harness.judge.measures import epochs_to_target
    from harness.judge.rules import paired_verdicts
    from harness.judge.simulated import reached, runs_table
    from harness.judge.suite import Suite
    from harness.judge.verdict import RatioStatement

    fewer = RatioStatement("fewer epochs", "epochs-to-target ratio", epochs_to_target, "<")
    suite = Suite(name="words", claim="c", source="s", base=RunConfig(activation="relu"),
                  grid={"norm": ("none", "before"), "lr": (0.01,)}, scales={"wide": {"grid": {"lr": (0.01, 0.1)}}},
                  seeds=2, judge=lambda runs: paired_verdicts(runs, [fewer], "norm", "none", ["activation", "lr"]),
                  words={"norm": {"before": "BN", "none": "no BN"}})
    runs = runs_table(suite, lambda c: reached(3))
    (v,) = suite.verdicts(runs)
    assert v.group == {"activation": "relu", "lr": 0.01} and v.arms == ({"norm": "before"}, {"norm": "none"})
    assert v.label == "lr 0.01, BN vs no BN"  # activation never varies in the suite: unsaid; lr varies at 'wide'
    assert suite.judge(runs)[0].label == "activation relu, lr 0.01, norm before vs none"  # outside it: plain names
