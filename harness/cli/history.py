"""The `harness history` and `harness check` commands: their arguments and entry points (harness.report.history does the work).

Imports nothing heavy until a command runs, so the CLI's parser stays fast.
"""
from __future__ import annotations


def add_commands(sub, add_tracking) -> None:
    """The `harness history` and `harness check` subcommands, on the CLI's subparsers (add_tracking adds --tracking-uri)."""
    history = sub.add_parser("history", help="a suite's verdict rows across invocations (commits), with change points")
    history.add_argument("suite")
    history.add_argument("--scale", default=None, help="invocations of this scale (default: the newest's)")
    history.add_argument("--plot", default=None, help="write a PNG of every row's effect series here")
    add_tracking(history)
    check_ = sub.add_parser("check", help="exit 1 when a verdict flipped, became undecided, or stepped since --baseline")
    check_.add_argument("suite")
    check_.add_argument("--baseline", required=True, help="baseline commit (a git SHA prefix) or parent run id")
    check_.add_argument("--head", default=None, help="head commit or run id (default: the newest invocation)")
    check_.add_argument("--margin", type=float, default=0.0, help="smallest step that fails, in effect units")
    check_.add_argument("--rel-margin", type=float, default=0.1, help="smallest step that fails, relative to the baseline level")
    check_.add_argument("--scale", default=None, help="invocations of this scale (default: the newest's)")
    add_tracking(check_)


def _client(uri_arg):
    from mlflow.tracking import MlflowClient

    from harness.store.location import existing_store_uri

    return MlflowClient(tracking_uri=existing_store_uri(uri_arg))


def main_history(args) -> int:
    """`harness history SUITE [--scale S] [--plot PNG]`: the table of rows over invocations; exit 0."""
    from harness.core import text
    from harness.report.history import effect_history, history_table, plot_history
    from harness.judge.tables import render

    hist = effect_history(_client(args.tracking_uri), args.suite, args.scale)
    print(render(history_table(hist), "text", text.width(), flexible=(0, 1, 2, 6, 7)))
    if args.plot:
        print(f"plot: {plot_history(hist, args.plot)}")
    return 0


def main_check(args) -> int:
    """`harness check SUITE --baseline REF [--head REF] [--margin M] [--rel-margin R]`: exit 1 on a regression."""
    from harness.report.history import check
    result = check(_client(args.tracking_uri), args.suite, args.baseline, args.head, args.margin, args.rel_margin,
                   args.scale)
    print(result.text)
    return result.exit_code
