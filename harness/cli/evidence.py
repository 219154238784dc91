"""The `harness evidence` command: its arguments and entry point (harness.report.evidence does the work).

Imports nothing heavy until the command runs, so the CLI's parser stays fast.
"""
from __future__ import annotations

import sys


def add_command(sub) -> None:
    """The `harness evidence STORE... [--out FILE]` subcommand, on the CLI's subparsers."""
    evidence = sub.add_parser("evidence", help="the evidence page (markdown) from one or more stores: per suite its "
                                               "verdicts, intervals, seeds, run time, machine, load, date and commit")
    evidence.add_argument("stores", nargs="+", metavar="STORE",
                          help="a tracking URI, an mlflow.db file, or a folder holding mlflow.db or mlruns/mlflow.db")
    evidence.add_argument("--out", default=None, help="write the page here (e.g. docs/evidence.md); default: stdout")


def main_evidence(args) -> int:
    """`harness evidence STORE... [--out FILE]`: exit 0; a store that is not there is one line, exit 2, nothing written."""
    from pathlib import Path

    from harness.core.names import suite_index
    from harness.report.evidence import newest_per_suite, page, store_uri, write
    from harness.store.location import sqlite_path

    uris = [store_uri(s) for s in args.stores]  # every store checked before anything is read or written
    found = newest_per_suite(uris)
    text = page(found, list(suite_index()), [str(sqlite_path(u) or u) for u in uris])
    if args.out is None:
        sys.stdout.write(text)
    else:
        write(text, Path(args.out))
        print(f"wrote {args.out}: {len(found)} suite(s) from {len(uris)} store(s)")
    return 0
