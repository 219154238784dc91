"""The null tests' rates as a Markdown table for docs/null-checks.md: `python -m tests.suites.null_table` (not collected).

Runs every scenario of tests/suites/test_null_*.py (each module's NULLS, in file-name order) at the test's row count
and prints one line per row kind; `python -m tests.suites.null_table SUITE ...` only those suites' scenarios."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

from harness.judge.nullsim import null_rates
from tests.suites.test_null_rules import ROWS


def scenarios() -> list:
    """(suite, Null) pairs of every null-test module beside this one, in file-name order."""
    here = Path(__file__).parent
    modules = [importlib.import_module(f"tests.suites.{p.stem}") for p in sorted(here.glob("test_null_*.py"))]
    return [pair for m in modules for pair in m.NULLS]


def main(names: list[str]) -> None:
    pairs = [(suite, null) for suite, null in scenarios() if not names or suite.name in names]
    unknown = sorted(set(names) - {suite.name for suite, _ in pairs})
    if unknown:
        sys.exit(f"no null scenario for suite {unknown[0]!r}; valid: "
                 f"{', '.join(sorted({suite.name for suite, _ in scenarios()}))}")
    print("| suite | scenario | row | wrong outcome | rate | allowed | rows (invocations) |")
    print("|---|---|---|---|---|---|---|")
    for suite, null in pairs:
        for r in null_rates(suite, null, rows=ROWS):
            print(f"| {suite.name} | {null.name} | {r.statement} | {r.wrong_outcome} | {r.rate:.1%} | {r.bound:.1%} "
                  f"| {r.rows} ({r.invocations}) |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
