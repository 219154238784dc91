"""The command line: harness list | run SUITE | runs | train --field value | report | compare | ui.

Fast on purpose: help, `list` and bad input need only names (harness.core.names reads them from the
source files), so torch, Lightning and MLflow are imported inside the commands that use them.
The parser and its checks are in harness.cli.parser.
"""
from __future__ import annotations

import os
import sys

from harness.core import interrupts, names, processes, text
from harness.cli.parser import CHOICES, UsageError, build_parser, check_choice, check_suite
from harness.core.contract import SUITE_TAG
from harness.core.logs import quiet
from harness.discovery import suites
from harness.store.location import StoreError, existing_store_uri, resolve_tracking_uri


def cmd_list(args) -> int:
    """Each suite on its own lines: the name, then its claim and scales wrapped to the terminal beside it."""
    if args.path is not None:  # suites in a folder of the user's
        from harness.api import suites_in

        listed = [(s.name, s.claim, ("default", *s.scales)) for s in suites_in(args.path).values()]
    else:
        listed = [(e.name, e.claim, e.scales) for e in names.suite_index().values()]
    pad = max((len(name) for name, _, _ in listed), default=0) + 2
    for name, claim, scales in listed:
        print("\n".join(text.wrap(f"{claim} [scales: {', '.join(scales)}]", text.width(), name.ljust(pad), " " * pad)))
    return 0


def _suite(name: str):
    """A user's suite file (`run ./my_suite.py`) or a registered suite, importing only its module (others may need torch)."""
    if name.endswith(".py"):
        from harness.api import load_suite_file

        return load_suite_file(name)
    check_suite(name)
    return suites().get(name)  # imports that suite's module only (a suite registered at run time: no import)


def cmd_run(args) -> int:
    fail_on = ()
    if args.fail_on is not None:
        from harness.core.errors import fail_on_outcomes

        try:
            fail_on = fail_on_outcomes(args.fail_on)
        except ValueError as e:
            raise UsageError(str(e)) from None
    if args.suite.endswith(".py"):
        suite = entry = _suite(args.suite)
        args.scale, note = suite.scale_run(args.scale)  # an unknown scale: one line naming the valid ones
    else:
        entry = names.suite_index().get(args.suite)
        if entry is not None:  # shipped: the rule on the scales read from its source, before its module is imported
            args.scale, note = names.scale_run(args.suite, entry.scales[1:], args.scale)
        else:  # registered at run time (tests register their own)
            check_suite(args.suite)
            args.scale, note = suites().get(args.suite).scale_run(args.scale)
        check_suite(args.suite, args.scale)
        suite = None
    if args.seeds is not None and args.max_seeds is not None:
        raise UsageError("invalid --max-seeds with --seeds: a fixed seed count takes no cap; drop one of them")
    if args.null and args.max_seeds is not None:
        raise UsageError("invalid --max-seeds with --null: an A/A invocation runs a fixed seed count; drop one of them")
    from harness.execute.execution import Execution, Invocation  # neither torch nor MLflow: refused before either loads

    options = Execution(scale=args.scale, progress=not args.no_progress and sys.stderr.isatty(), **{
        k: getattr(args, k) for k in ("workers", "engine", "ray_address", "pack", "parallel_timing", "force", "null")})
    # Validated once, here. Whether the suite judges time (so refuses --workers) is read from its source where it
    # is a literal there, so a bad option is refused before the suite's module is imported.
    invocation = Invocation.of(entry if entry is not None and entry.timing is not None else _suite(args.suite),
                               options=options, seeds=args.seeds, device=args.device, threads=args.threads,
                               store=args.tracking_uri, project=args.suite if args.suite.endswith(".py") else None)
    suite = suite or _suite(args.suite)
    if args.null and suite.interleave is None:
        valid = sorted(name for name, s in suites().items() if s.interleave)
        raise UsageError(f"invalid --null for suite {suite.name!r}: it names no arm field to copy (interleave); "
                         f"valid: {', '.join(valid)}")
    looks = None
    if args.seeds is None and not args.null:  # adaptive: the looks fixed now, before any run; a cap below the first look is refused
        from harness.judge.sequential import Looks

        looks = Looks.plan(*suite.seed_plan(args.scale, args.max_seeds))
    if note:  # after every refusal: bad input stays one line
        print(f"harness: {note}", file=sys.stderr)
    from harness.cli.commands import run_command

    return run_command(args, suite, invocation, looks, fail_on)


def cmd_runs(args) -> int:
    name = args.suite
    if name is not None and name.endswith(".py"):  # a suite file: its suite's name (the file is imported)
        name = _suite(name).name
    elif name is not None:
        check_suite(name)
    tracker = _stored_tracker(args.tracking_uri)
    from harness.store.invocations import invocation_lines

    print("\n".join(invocation_lines(tracker.client, name)))
    return 0


def cmd_train(args) -> int:
    for name, valid in CHOICES.items():
        check_choice(name, getattr(args, name), valid)
    from harness.cli.commands import train_command

    values = {f.name: getattr(args, f.name) for f in names.config_fields()}
    return train_command(values, resolve_tracking_uri(args.tracking_uri))


def _stored_tracker(uri_arg):
    """A tracker on a store that must already exist: reading commands never create an empty one."""
    uri = existing_store_uri(uri_arg)
    from harness.store.tracking import Tracker

    return Tracker(uri)


def cmd_report(args) -> int:
    if not args.suite.endswith(".py"):  # a suite file is loaded first (its errors first) and never replayed
        check_suite(args.suite)
        from harness.report.memo import Request, replay, view  # the standard library only

        if replay(Request.of(existing_store_uri(args.tracking_uri), args.suite, args.run, args.out, args.format,
                             view(args.wide))):
            return 0  # made before from exactly this store, code and request: printed again without MLflow
    suite, tracker = _suite(args.suite), _stored_tracker(args.tracking_uri)  # bad input refused before MLflow loads
    from harness.cli.commands import report_command

    return report_command(suite, tracker, args)


def cmd_compare(args) -> int:
    from harness.report.compare import compare, render
    from harness.store.invocations import resolve_run_id
    from harness.store.queries import parent_of

    tracker = _stored_tracker(args.tracking_uri)
    a, b = (resolve_run_id(tracker.client, r) for r in (args.run_a, args.run_b))
    suite = _suite(parent_of(tracker.client, a).data.tags.get(SUITE_TAG, ""))
    print(render(compare(tracker.client, suite, a, b), args.format, text.width()), end="")
    return 0


def cmd_ui(args) -> int:
    """Replace this process with the MLflow server (UI + REST API) on the store."""
    if not 1 <= args.port <= 65535:
        raise UsageError(f"invalid --port {args.port!r}; must be in 1..65535")
    from harness.store.invocations import serve_ui

    serve_ui(_stored_tracker(args.tracking_uri), args.host, args.port)


def _lazy(module: str, name: str):
    """A command whose module is imported only when it runs."""
    return lambda args: getattr(__import__(module, fromlist=[name]), name)(args)


COMMANDS = {"list": cmd_list, "run": cmd_run, "runs": cmd_runs, "train": cmd_train, "report": cmd_report,
            "compare": cmd_compare, "ui": cmd_ui,
            "history": _lazy("harness.cli.history", "main_history"), "check": _lazy("harness.cli.history", "main_check"),
            "evidence": _lazy("harness.cli.evidence", "main_evidence")}
# Bad-input exceptions of modules the command may have imported: (module, class). A module never
# imported cannot have raised its error, so the check imports nothing.
USAGE_ERRORS = (("harness.config.run_config", "ConfigError"), ("harness.store.queries", "QueryError"),
                ("harness.core.registry", "UnknownNameError"))


def _is_bad_input(e: BaseException) -> bool:
    kinds = [UsageError, StoreError] + [getattr(sys.modules[m], c) for m, c in USAGE_ERRORS if m in sys.modules]
    return isinstance(e, tuple(kinds))


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # no bars in logs
    quiet()
    argv = sys.argv[1:] if argv is None else argv
    if not argv:  # plain `harness`: what it can do
        build_parser().print_help()
        return 0
    command = argv[0] if argv[0] in COMMANDS else None  # known before parsing: a Ctrl-C may come during it
    try:
        args = build_parser().parse_args(argv)
        command = args.command
        with interrupts.deferred(), processes.command():  # a signal is recorded, acted on at safe points, never lost
            code = COMMANDS[command](args)
            interrupts.check()  # one that came after the last safe point still ends the command as interrupted
        return code
    except BrokenPipeError:  # the reader went away (`harness list | head`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the interpreter's final flush is silent
        return 0
    except KeyboardInterrupt as e:
        resume = " run the same command again to resume (finished runs are skipped)." if command == "run" else ""
        print(f"harness: interrupted; finished runs are kept in the store;{resume}", file=sys.stderr)
        from harness.core.errors import EXIT_INTERRUPTED, EXIT_TERMINATED

        return EXIT_TERMINATED if isinstance(e, interrupts.Terminated) or interrupts.terminated() else EXIT_INTERRUPTED
    except Exception as e:
        if type(e).__name__ == "ServerGone" and type(e).__module__ == "harness.store.remote":
            print(f"harness: error: {e}", file=sys.stderr)  # not bad input: the server went away mid-command
            from harness.core.errors import EXIT_STORE_GONE

            return EXIT_STORE_GONE
        if not _is_bad_input(e):  # a bug: one line and the traceback in a file, never a traceback on the terminal
            from harness.core.errors import EXIT_INTERNAL, internal_error

            print(f"harness: {internal_error(e, f'harness {command}')}", file=sys.stderr)
            return EXIT_INTERNAL
        print(f"harness: error: {e}", file=sys.stderr)
        from harness.core.errors import EXIT_BAD_INPUT

        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
