"""The command line: harness list | run SUITE | train --field value ..."""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys

from harness.config import DEVICES, ConfigError, RunConfig
from harness.contract import SUITE_TAG, TRAIN_EXPERIMENT
from harness.interrupts import Terminated
from harness.logs import quiet
from harness.queries import QueryError
from harness.registry import UnknownNameError
from harness.store import StoreError, existing_store_uri, resolve_tracking_uri


class UsageError(Exception):
    """Bad input: printed as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's default prints the whole usage; one line is clearer
        raise UsageError(message)


def _add_tracking(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tracking-uri", default=None,
                   help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI, else sqlite:///mlruns/mlflow.db)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="harness", description="Measure and judge claims about training deep networks.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sub.add_parser("list", help="list the suites and their claims")

    run = sub.add_parser("run", help="run a suite's grid, record it in MLflow, print the verdict")
    run.add_argument("suite")
    run.add_argument("--seeds", type=int, default=None,
                     help="a fixed number of seeds (default: adaptive: start at the suite's first look, add seeds to "
                          "configurations behind undecided rows, up to --max-seeds)")
    run.add_argument("--max-seeds", type=int, default=None, help="cap on adaptive seeds (default: the suite's)")
    run.add_argument("--device", default="auto", help=f"one of {', '.join(DEVICES)}")
    run.add_argument("--scale", default="default", help="the suite's scale: default, ci, or others it defines")
    run.add_argument("--threads", type=int, default=None, help="torch threads per run (default: the suite's, 1)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    # scale and resilience (README: Scale and resilience)
    run.add_argument("--force", action="store_true", help="rerun every run, even those already finished in the store")
    run.add_argument("--workers", type=int, default=1,
                     help="parallel worker processes, one config each at a time (suites that do not judge time)")
    run.add_argument("--engine", default="local", help="local (this machine) or ray (a Ray cluster, extra [ray])")
    run.add_argument("--ray-address", default=None, help="Ray cluster address (default: $RAY_ADDRESS, else a local instance)")
    run.add_argument("--pack", type=int, default=0, help="runs per Ray task (default 0: about two tasks per CPU)")
    run.add_argument("--parallel-timing", action="store_true",
                     help="allow --workers/--engine ray for a suite that judges time (its runs are tagged)")
    _add_tracking(run)

    train = sub.add_parser("train", help="train one configuration and record it (experiment 'train')")
    for f in dataclasses.fields(RunConfig):
        flag = "--" + f.name.replace("_", "-")
        if isinstance(f.default, bool):
            train.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=f.default)
        else:
            train.add_argument(flag, dest=f.name, type=type(f.default), default=f.default,
                               help=f"default: {f.default!r}")
    _add_tracking(train)

    report = sub.add_parser("report", help="a suite invocation's verdict, time decomposition and plots (logged to its parent run)")
    report.add_argument("suite")
    report.add_argument("--run", default=None, help="parent run id of the invocation (default: the newest)")
    report.add_argument("--format", default="text", choices=("text", "markdown", "html"), help="what is printed")
    report.add_argument("--out", default=None, help="folder for the files (default: reports/<suite>-<run id prefix>)")
    _add_tracking(report)
    compare = sub.add_parser("compare", help="two invocations of a suite side by side: settings, verdicts, timings, convergence")
    compare.add_argument("run_a", metavar="A", help="parent run id")
    compare.add_argument("run_b", metavar="B", help="parent run id")
    compare.add_argument("--format", default="text", choices=("text", "markdown"))
    _add_tracking(compare)
    ui = sub.add_parser("ui", help="the MLflow UI on the store")
    ui.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: this machine only)")
    ui.add_argument("--port", type=int, default=5000)
    _add_tracking(ui)
    return parser


def cmd_list(args) -> int:
    from harness.suite import suites

    registry = suites()
    for name, suite in registry.items():
        print(f"{name:24s} {suite.claim}")
    return 0


def _tracker(uri: str):
    from harness.tracking import Tracker

    return Tracker(uri)


def _registered_suite(name: str):
    from harness.suite import suites

    try:
        return suites().get(name)
    except UnknownNameError as e:
        raise UsageError(str(e)) from None


def cmd_run(args) -> int:
    from harness.pipeline import Execution, check_configs, run_suite
    from harness.runner import run_name

    suite = _registered_suite(args.suite)
    options = Execution(scale=args.scale, progress=not args.no_progress, workers=args.workers, engine=args.engine,
                        ray_address=args.ray_address, pack=args.pack, parallel_timing=args.parallel_timing,
                        force=args.force)
    options.validate(suite)
    # Validate every config (and the device) before anything touches the store.
    looks = None
    if args.seeds is None:  # adaptive: looks fixed now, before any run
        from harness.sequential import Looks

        looks = Looks.plan(*suite.seed_plan(args.scale, args.max_seeds))
    elif args.max_seeds is not None:
        raise UsageError("invalid --max-seeds with --seeds: a fixed seed count takes no cap; drop one of them")
    first = args.seeds if looks is None else looks.seeds[0]
    configs = [c.resolved() for c in suite.configs(first, args.device, args.scale)]
    if args.threads is not None:
        configs = [c.replace(threads=args.threads) for c in configs]
    check_configs(configs)
    if args.engine == "ray":
        from harness.cluster import ray_module

        ray_module()  # the extra is installed, or one line saying how to install it
    tracker = _tracker(resolve_tracking_uri(args.tracking_uri))
    from harness.judging import family_line
    from harness.tables import format_table

    result = run_suite(suite, tracker, configs, options, looks)
    if result.reused:
        print(f"resumed: {result.reused} of {len(configs)} runs were already finished in the store "
              f"(--force reruns them)", file=sys.stderr)
    print(format_table(result.verdicts, result.header))
    print(family_line(result.verdicts))
    print(f"\nstore: {tracker.uri}  experiment: {suite.name}  parent run: {result.parent_run_id}")
    for config, error in result.failures:
        print(f"FAILED run {run_name(config)}: {error}", file=sys.stderr)
    return 0


def cmd_train(args) -> int:
    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(RunConfig)}
    config = RunConfig(**values).resolved()
    from harness.preflight import check_runnable

    check_runnable([config])
    tracker = _tracker(resolve_tracking_uri(args.tracking_uri))
    from harness.runner import train

    result = train(config, tracker, TRAIN_EXPERIMENT)
    s = result.summary()
    print(f"run {result.run_id} config {config.config_id}: stop_reason={result.stop_reason} "
          f"epochs={len(result.history)} epochs_to_target={result.epochs_to_target} "
          f"median_epoch_time_s={s['median_epoch_time_s']:.4f} wall_time_s={s['wall_time_s']:.2f} "
          f"final val/acc={s.get('final_val_acc', float('nan')):.4f}")
    return 0


def _stored_tracker(uri_arg):
    """A tracker on a store that must already exist: reading commands never create an empty one."""
    return _tracker(existing_store_uri(uri_arg))


def cmd_report(args) -> int:
    from harness.report import render, write_report

    suite = _registered_suite(args.suite)
    tracker = _stored_tracker(args.tracking_uri)
    report = write_report(tracker, suite, args.run, args.out)
    print(render(report, args.format), end="")
    print(f"files: {report.out_dir} (report.txt, report.md, report.html, {', '.join(report.plots) or 'no plots'}); "
          f"logged to parent run {report.parent.info.run_id} under report/", file=sys.stderr)
    return 0


def cmd_compare(args) -> int:
    from harness.compare import compare, render
    from harness.queries import parent_of

    tracker = _stored_tracker(args.tracking_uri)
    suite = _registered_suite(parent_of(tracker.client, args.run_a).data.tags.get(SUITE_TAG, ""))
    print(render(compare(tracker.client, suite, args.run_a, args.run_b), args.format), end="")
    return 0


def cmd_ui(args) -> int:
    """Replace this process with the MLflow server (UI + REST API) on the store."""
    if not 1 <= args.port <= 65535:
        raise UsageError(f"invalid --port {args.port!r}; must be in 1..65535")
    tracker = _stored_tracker(args.tracking_uri)
    argv = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", tracker.uri,
            "--host", args.host, "--port", str(args.port), "--workers", "1"]
    # MLflow's job runner (8 extra processes) serves GenAI features the harness does not use; an explicit setting wins.
    os.environ.setdefault("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
    url = f"http://{args.host}:{args.port}"
    print(f"MLflow UI on {tracker.uri}: {url}  (Ctrl-C stops it)", file=sys.stderr)
    for exp in tracker.client.search_experiments():  # MLflow 3 opens an experiment on its GenAI overview: link the runs
        if exp.name != "Default":
            print(f"  {exp.name}: {url}/#/experiments/{exp.experiment_id}/runs", file=sys.stderr)
    sys.stderr.flush()
    os.execv(sys.executable, argv)


COMMANDS = {"list": cmd_list, "run": cmd_run, "train": cmd_train, "report": cmd_report, "compare": cmd_compare,
            "ui": cmd_ui}


def main(argv: list[str] | None = None) -> int:
    quiet()
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (UsageError, ConfigError, StoreError, QueryError) as e:
        print(f"harness: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:
        print("harness: interrupted; finished runs are kept in the store", file=sys.stderr)
        return 143 if isinstance(e, Terminated) else 130


if __name__ == "__main__":
    sys.exit(main())
