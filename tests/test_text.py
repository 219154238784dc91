"""Text that fits the terminal: the width, fitted tables, the verdict table a person reads at a glance."""
from __future__ import annotations

import math

import pytest

from harness.core import text
from harness.judge.subject import Words, speaking
from harness.judge.tables import compact_table, format_table, rule_of
from harness.judge.verdict import Verdict


def test_the_width_is_columns_else_the_terminal_else_100(monkeypatch):
    monkeypatch.setenv("COLUMNS", "87")
    assert text.width() == 87
    monkeypatch.setenv("COLUMNS", "wide")  # not a number: as if unset; pytest's stdout is no terminal
    assert text.width() == text.DEFAULT_WIDTH == 100
    monkeypatch.delenv("COLUMNS")
    assert text.width() == 100


def test_a_table_keeps_one_line_per_row_while_it_fits_then_wraps_its_headers_then_its_text():
    rows = [("statement", "effect", "n"), ("dropout lowers the validation error", "1.14", "6"),
            ("dropout converges slower", "≥2", "6")]
    whole = text.table(rows, 80, flexible=(0,))
    assert whole == text.table(rows) and len(whole.splitlines()) == 4  # fits: as it is
    narrow = text.table(rows, 30, flexible=(0,)).splitlines()
    assert max(map(len, narrow)) <= 30 and len(narrow) > 4  # the statement wrapped onto continuation lines
    assert "1.14" in narrow[2] and narrow[3].startswith("validation error")
    headers = text.table([("epochs to target", "n"), ("6 [5, 11]", "6")], 14).splitlines()
    assert headers[0].split() == ["epochs", "to", "n"] and headers[1] == "target"  # a header wraps before a value
    assert text.wrap("alpha beta gamma", 12, "- ", "  ") == ["- alpha beta", "  gamma"]


def row(statement, group, effect, low, high, outcome, note="", bound="=", metric="epochs-to-target ratio",
        direction="<", threshold=1.0, look=0, looks=0, level=0.95):
    return Verdict(statement, group, metric, effect, low, high, threshold, direction, 6, outcome, note, bound,
                   arms=({"norm": "before"}, {"norm": "none"}), look=look, looks=looks, level=level)


WORDS = Words({"activation": "{}", "norm": {"before": "BN", "none": "no BN"}})


def test_the_verdict_table_says_shared_fields_once_notes_as_footnotes_and_fits():
    with speaking(WORDS):
        rows = [row("fewer epochs are needed", {"activation": "sigmoid"}, 0.25, 0.0, 0.25, "supported",
                    "baseline (no BN) censored in 6 of 6 seeds", "<=", look=1, looks=3, level=0.9688),
                row("fewer epochs are needed", {"activation": "relu"}, 0.5, 0.3, 0.9, "supported", look=1, looks=3,
                    level=0.9688),
                row("total time is shorter", {"activation": "relu"}, 1.18, 0.0, 1.4, "inconclusive",
                    "baseline (no BN) censored in 6 of 6 seeds", "<=", look=3, looks=3, level=0.9937)]
    table = compact_table(rows, 110)
    lines = table.splitlines()
    assert lines[0] == "every row: BN vs no BN" and max(map(len, lines)) <= 110
    assert lines[1].split() == ["statement", "group", "claim", "effect", "95%", "interval", "n", "verdict"]
    assert "sigmoid" in lines[3] and "≤0.25" in lines[3] and lines[3].endswith("SUPPORTED [1]")
    assert lines[4].endswith("SUPPORTED") and lines[5].endswith("INCONCLUSIVE [1]")  # one note, one number
    assert "[1] baseline (no BN) censored in 6 of 6 seeds" in table and "[2]" not in table
    assert "look" not in table and "level 0.9" not in table and "stricter level" in table  # said plainly
    verbose = compact_table(rows, 110, verbose=True)
    assert "[1] baseline (no BN) censored in 6 of 6 seeds; look 1 of 3, level 0.9688" in verbose
    assert "[2] look 1 of 3, level 0.9688" in verbose
    narrow = compact_table(rows, 100).splitlines()  # the measures move above, once per statement: one line a row
    assert narrow[1:4] == ["claims, as measured:", "  fewer epochs are needed: epochs-to-target ratio < 1",
                           "  total time is shorter: epochs-to-target ratio < 1"]
    assert max(map(len, narrow)) <= 100 and len(narrow[4:narrow.index(next(x for x in narrow if x.startswith("[1]")))]) == 5
    assert max(map(len, compact_table(rows, 60).splitlines())) <= 60  # narrower still: the text wraps
    wide = format_table(rows)
    assert "look 1 of 3, level 0.9688" in wide and max(map(len, wide.splitlines())) > 100  # --wide: every column


def test_an_equivalence_claim_reads_as_its_band():
    ratio = Verdict("about the same", {}, "time ratio", 1.0, 0.9, 1.1, 2.0, "within", 6, "supported")
    difference = Verdict("about the same", {}, "acc difference", 0.0, -0.01, 0.01, 0.01, "within+-", 6, "supported")
    assert [rule_of(ratio), rule_of(difference)] == ["in [0.5, 2]", "in [-0.01, 0.01]"]
    assert rule_of(row("s", {}, 1.0, 0.5, 1.5, "inconclusive", direction=">", threshold=0.5)) == "> 0.5"
    assert not math.isnan(ratio.level)


@pytest.mark.parametrize("columns", [60, 120])
def test_the_answer_wraps_to_the_width_with_its_sentences_intact(columns):
    from harness.judge.answer import Setting, plain_answer

    with speaking(WORDS):
        rows = [row("fewer epochs are needed", {"activation": "sigmoid"}, 0.25, 0.0, 0.25, "supported", bound="<=")]
    lines = plain_answer(rows, "BN needs fewer epochs", Setting(on="digits, 12 runs"), columns).splitlines()
    assert max(map(len, lines)) <= columns and lines[0].startswith("ANSWER to 'BN needs fewer epochs'")
    said = " ".join(line.strip() for line in lines)
    assert "- Fewer epochs are needed (epochs-to-target ratio, sigmoid, BN vs no BN; claimed < 1): supported: " \
           "at most 0.25 [0, 0.25]." in said
