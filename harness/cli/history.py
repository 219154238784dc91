"""The `harness history` and `harness check` commands: their arguments and entry points (harness.report.history does the work).

Imports nothing heavy until a command runs, so the CLI's parser stays fast.
"""
from __future__ import annotations


def add_commands(sub, add_tracking) -> None:
    """The `harness history` and `harness check` subcommands, on the CLI's subparsers (add_tracking adds --tracking-uri)."""
    history = sub.add_parser("history", help="a suite's verdict rows across invocations (commits), with change points")
    history.add_argument("suite", help="a suite's name, or the .py file that defines it (as for `harness run`)")
    history.add_argument("--scale", default=None, help="invocations of this scale (default: the newest's)")
    history.add_argument("--plot", default=None, help="write a PNG of every row's effect series here")
    add_tracking(history)
    check_ = sub.add_parser("check", help="exit 1 when a verdict flipped, became undecided, or stepped since --baseline")
    check_.add_argument("suite", help="a suite's name, or the .py file that defines it (as for `harness run`)")
    check_.add_argument("--baseline", required=True,
                        help="baseline: a commit of your project (a git ref: short SHA, origin/main, a tag; resolved "
                             "in the suite file's repository) or a parent run id or its unique prefix")
    check_.add_argument("--head", default=None, help="head commit or run id, as --baseline (default: the newest invocation)")
    check_.add_argument("--margin", type=float, default=0.0, help="smallest step that fails, in effect units")
    check_.add_argument("--rel-margin", type=float, default=0.1, help="smallest step that fails, relative to the baseline level")
    check_.add_argument("--scale", default=None, help="invocations of this scale (default: the newest's)")
    add_tracking(check_)


def _client(uri_arg):
    from mlflow.tracking import MlflowClient

    from harness.store.location import existing_store_uri

    return MlflowClient(tracking_uri=existing_store_uri(uri_arg))


def _suite_name(arg: str) -> tuple[str, str | None]:
    """(the suite's name, the suite file whose repository names commits; None: the working directory's) from a
    suite's name or the path to its file."""
    if arg.endswith(".py"):
        from harness.api import find_suite

        return find_suite(arg).name, arg
    return arg, None


def main_history(args) -> int:
    """`harness history SUITE [--scale S] [--plot PNG]`: the table of rows over invocations; exit 0."""
    from harness.core import text
    from harness.report.history import effect_history, history_table, plot_history
    from harness.judge.tables import render

    name, _ = _suite_name(args.suite)
    hist = effect_history(_client(args.tracking_uri), name, args.scale)
    print(render(history_table(hist), "text", text.width(), flexible=(0, 1, 2, 6, 7)))
    if args.plot:
        print(f"plot: {plot_history(hist, args.plot)}")
    return 0


def main_check(args) -> int:
    """`harness check SUITE --baseline REF [--head REF] [--margin M] [--rel-margin R]`: exit 1 on a regression."""
    from harness.report.history import check
    name, project = _suite_name(args.suite)
    result = check(_client(args.tracking_uri), name, args.baseline, args.head, args.margin, args.rel_margin,
                   args.scale, project)
    print(result.text)
    return result.exit_code
