"""The plain answer, the verdict grid, the verdict keys and the forest plot, from verdict rows."""
from __future__ import annotations

import math
import re

import pytest

from harness.judge.answer import Setting, grid_rows, listed, plain_answer, sentence
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


def test_one_sentence_per_statement_names_each_side_and_the_lean():
    line = sentence("total time is shorter", ROWS[:6], Setting())
    assert line.startswith("Total time is shorter (time-to-target ratio; claimed < 1): ") and line.endswith(".")
    # three groups, each ending in its effect's parenthesis: a list, 'a, b and c'
    assert ("supported for activation elu, norm before vs none (0.6 [0.5, 0.9]), activation elu, norm after vs "
            "none (0.5 [0.5, 0.9]) and activation sigmoid, norm before vs none (0.2 [0, 0.3])") in line
    assert "refuted for activation tanh, norm before vs none (1.4 [1.1, 1.9])" in line
    assert ("undecided for activation relu, norm before vs none (1.55 [0.8, open), leans against) and activation "
            "relu, norm after vs none (0.9 (open, open), leans for)") in line


def test_groups_that_found_exactly_the_same_are_said_once():
    """bn-walltime's answer said 'no value: judged where both arms reached the target: 0 of 6 seeds' four times in
    a row: groups with the same finding under one outcome share it ('each: ...'), in order of the first of them."""
    nan = math.nan
    with speaking(Words({"activation": "{}", "norm": {"before": "BN", "none": "no BN"}})):
        rows = [row("relu", "before", "inconclusive", 1.3, 0.5, 2.2), row("sigmoid", "before", "inconclusive", nan, nan, nan),
                row("tanh", "before", "inconclusive", nan, nan, nan), row("elu", "before", "supported", 0.2, 0.1, 0.3),
                row("selu", "before", "supported", 0.2, 0.1, 0.3), row("gelu", "before", "refuted", 0.2, 0.1, 0.3)]
        rows = [Verdict(**{**v.__dict__, "note": "no complete pairs" if math.isnan(v.effect) else ""}) for v in rows]
    line = sentence(rows[0].statement, rows, Setting())
    assert "supported for elu and selu (each: 0.2 [0.1, 0.3]); refuted for gelu (0.2 [0.1, 0.3])" in line, line
    assert ("undecided for relu (1.3 [0.5, 2.2], leans against) and sigmoid and tanh (each: no value: no complete "
            "pairs)") in line, line
    assert line.count("no complete pairs") == 1


def test_three_or_more_are_listed_with_commas_unless_a_label_has_a_comma_of_its_own():
    assert listed(["relu (1.5 [1.1, 2.4])", "elu (1.3 [1, 2])", "tanh (1.2 [1, 2.3])"]) == \
        "relu (1.5 [1.1, 2.4]), elu (1.3 [1, 2]) and tanh (1.2 [1, 2.3])"
    assert listed(["sigmoid", "tanh"]) == "sigmoid and tanh"
    assert listed(["sigmoid", "relu, default init", "tanh"]) == "sigmoid and relu, default init and tanh"
    assert listed(["sigmoid", "relu", "tanh"]) == "sigmoid, relu and tanh"


def test_the_answer_counts_says_what_was_measured_and_ends_with_the_statements():
    text = plain_answer(ROWS, "BN makes total time shorter", Setting(on="digits, 14 runs", untested=("tanh",),
                                                                       scale="ci"))
    head, *lines = text.splitlines()
    assert head == ("ANSWER to 'BN makes total time shorter': 3 supported, 1 refuted, 3 undecided of 7 verdict rows; "
                    "on digits, 14 runs; ci scale: tanh not tested.")
    assert [ln.split(" (")[0] for ln in lines] == ["- Total time is shorter", "- Each epoch is slower"]
    assert lines[1].endswith("undecided: 1.2 [0.9, 1.5], leans for.")  # one row: what it is about is in the head
    assert plain_answer([]).startswith("ANSWER: no verdict")
    wrapped = plain_answer(ROWS, "BN makes total time shorter", columns=60).splitlines()
    assert max(map(len, wrapped)) <= 60 and all(ln.startswith(("ANSWER", "- ", "  ")) for ln in wrapped)


def test_a_bound_is_said_as_a_bound_naming_the_arm_and_what_it_missed():
    import pandas as pd

    words = Words({"activation": "{}", "norm": {"before": "BN", "none": "no BN"}})
    with speaking(words):
        v = Verdict("fewer epochs are needed", {"activation": "sigmoid"}, "epochs-to-target ratio", 0.25, 0.0, 0.25,
                    1.0, "<", 6, "supported", bound="<=", arms=({"norm": "before"}, {"norm": "none"}), censored=(0, 6))
    runs = pd.DataFrame({"activation": ["sigmoid"] * 2, "norm": ["before", "none"], "target_metric": ["val/acc"] * 2,
                         "target_value": [0.9] * 2, "max_epochs": [8, 8], "seed": [0, 0], "dataset": ["digits"] * 2})
    line = sentence(v.statement, [v], Setting(words=words, runs=runs))
    assert "supported: at most 0.25 [0, 0.25]; a bound: no BN did not reach validation accuracy 0.9 within 8 " \
           "epochs in 6 of 6 seeds." in line, line
    assert "≤" not in line and "@" not in line


def test_the_answer_speaks_the_suites_words():
    words = Words({"activation": "{}", "norm": {"before": "BN", "none": "no BN"}})
    with speaking(words):
        rows = [row("elu", "before", "supported", 0.6), row("relu", "before", "refuted", 1.4, 1.1, 1.9)]
    assert [v.label for v in rows] == ["elu, BN vs no BN", "relu, BN vs no BN"]
    line = sentence(rows[0].statement, rows, Setting())
    assert line.startswith("Total time is shorter (time-to-target ratio, BN vs no BN; claimed < 1): ")
    assert "supported for elu (0.6 [0.5, 0.9]); refuted for relu (1.4 [1.1, 1.9])" in line


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


def test_checks_are_listed_apart_as_passed_or_failed_and_never_counted_as_evidence():
    from harness.execute.judging import family_line

    identity = Verdict("the terminal step is lr*g/(1-beta)", {}, "relative error", 1e-9, 1e-9, 2e-9, 1e-6, "<", 6,
                       "supported", check=True)
    broken = Verdict("norm clipping keeps its direction", {}, "cosine", 0.9, 0.8, 0.95, 0.9999, ">", 6, "refuted",
                     check=True)
    alike = row("relu", "after", "supported", 1.0, 0.9, 1.1, statement="no consistent winner", direction="within")
    text = plain_answer([*ROWS[:2], identity, broken, alike], "a claim")
    head, *rest = text.splitlines()
    assert head.startswith("ANSWER to 'a claim': 3 supported, 0 refuted, 0 undecided of 3 verdict rows "
                           "(2 checks of the implementation apart)")
    assert not any("terminal step" in line for line in rest[:-1])  # not among the claim's sentences
    assert rest[-1].startswith("Checks of the implementation (not evidence for the claim): 1 passed, 1 failed, "
                               "0 undecided of 2: the terminal step is lr*g/(1-beta): passed") and "FAILED" in rest[-1]
    family = family_line([*ROWS[:2], identity, broken, alike])
    assert family.startswith("family: 3 claim rows (2 one-sided, 1 equivalence), 2 checks apart;")
    assert "about 0.075 of them would read supported" in family  # 3 rows x 2.5%: the equivalence row counts too


def test_a_scale_names_what_it_leaves_out_and_counts_a_long_list():
    """`Suite.untested`: up to UNTESTED_LISTED left-out values of a field are named in the suite's words; more are
    counted ('wd: 5 of 6 values', the first word the phrases share), so that the answer's first line stays short."""
    from harness.config.run_config import RunConfig
    from harness.judge.suite import UNTESTED_LISTED, Suite

    many = (0.0, 0.001, 0.01, 0.1, 1.0, 10.0)
    suite = Suite(name="s", claim="c", source="s", base=RunConfig(), seeds=1, judge=lambda runs: [],
                  grid={"activation": ("relu", "elu", "tanh"), "weight_decay": many, "lr": (0.01, 0.1)},
                  words={"activation": "{}", "weight_decay": "wd {}"},
                  scales={"ci": {"grid": {"activation": ("relu",), "weight_decay": (0.0,), "lr": (0.01, 0.1)}}})
    assert len(many) - 1 > UNTESTED_LISTED
    assert suite.untested("ci") == ["elu", "tanh", "wd: 5 of 6 values"]
    assert suite.untested("default") == []
