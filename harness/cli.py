"""The command line: harness list | run SUITE | train --field value ..."""
from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import warnings

from harness.config import DEVICES, ConfigError, RunConfig


class UsageError(Exception):
    """Bad input: printed as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's default prints the whole usage; one line is clearer
        raise UsageError(message)


def _quiet() -> None:
    """Lightning's per-Trainer banners would drown the progress bar; warnings stay visible once per kind."""
    for name in ("pytorch_lightning", "lightning.pytorch", "lightning_fabric", "lightning"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*treespec.*")  # a Lightning-internal deprecation, not the user's
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")


def _add_tracking(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tracking-uri", default=None,
                   help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI, else sqlite:///mlruns/mlflow.db)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="harness", description="Measure and judge claims about training deep networks.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sub.add_parser("list", help="list the suites and their claims")

    run = sub.add_parser("run", help="run a suite's grid, record it in MLflow, print the verdict")
    run.add_argument("suite")
    run.add_argument("--seeds", type=int, default=None, help="number of seeds (default: the suite's)")
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


def _tracker(uri_arg):
    from harness.tracking import Tracker, resolve_tracking_uri

    return Tracker(resolve_tracking_uri(uri_arg))


def cmd_run(args) -> int:
    from harness.registry import UnknownNameError
    from harness.suite import suites

    try:
        suite = suites().get(args.suite)
    except UnknownNameError as e:
        raise UsageError(str(e)) from None
    if args.device not in DEVICES:
        raise UsageError(f"invalid device {args.device!r}; valid: {', '.join(DEVICES)}")
    if args.seeds is not None and args.seeds < 1:
        raise UsageError(f"invalid --seeds {args.seeds!r}; must be >= 1")
    if args.workers < 1:
        raise UsageError(f"invalid --workers {args.workers!r}; must be >= 1")
    if args.pack < 0:
        raise UsageError(f"invalid --pack {args.pack!r}; must be >= 0 (0 = automatic)")
    from harness.runner import ENGINES

    if args.engine not in ENGINES:
        raise UsageError(f"invalid --engine {args.engine!r}; valid: {', '.join(ENGINES)}")
    if args.engine == "ray" and args.workers > 1:
        raise UsageError(f"invalid --workers {args.workers!r} with --engine ray; Ray uses the cluster's CPUs (see --pack)")
    if (args.workers > 1 or args.engine == "ray") and suite.timing and not args.parallel_timing:
        raise UsageError(f"suite {args.suite!r} judges wall-clock time and runs side by side are not comparable: "
                         f"use --workers 1 --engine local, or add --parallel-timing (its runs are then tagged)")
    # Validate every config (and the device) before anything touches the store.
    configs = [c.resolved() for c in suite.configs(args.seeds, args.device, args.scale)]
    if args.threads is not None:
        configs = [c.replace(threads=args.threads) for c in configs]
    from harness.preflight import check_runnable

    check_runnable(configs)
    if args.engine == "ray":
        from harness.cluster import _ray

        _ray()  # the extra is installed, or one line saying how to install it
    tracker = _tracker(args.tracking_uri)
    from harness.remote import redact
    from harness.runner import run_suite
    from harness.verdict import format_table

    result = run_suite(suite, tracker, configs, args.scale, progress=not args.no_progress, workers=args.workers,
                       force=args.force, engine=args.engine, ray_address=args.ray_address, pack=args.pack,
                       parallel_timing=args.parallel_timing)
    if result.reused:
        print(f"resumed: {result.reused} of {len(configs)} runs were already finished in the store "
              f"(--force reruns them)", file=sys.stderr)
    print(format_table(result.verdicts, result.header))
    print(f"\nstore: {redact(tracker.uri)}  experiment: {suite.name}  parent run: {result.parent_run_id}")
    for config, error in result.failures:
        print(f"FAILED run {config.activation}-{config.norm}-s{config.seed}: {error}", file=sys.stderr)
    return 0


def cmd_train(args) -> int:
    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(RunConfig)}
    config = RunConfig(**values).resolved()
    from harness.preflight import check_runnable

    check_runnable([config])
    tracker = _tracker(args.tracking_uri)
    from harness.runner import train

    result = train(config, tracker, "train")
    s = result.summary()
    print(f"run {result.run_id} config {config.config_id}: stop_reason={result.stop_reason} "
          f"epochs={len(result.history)} epochs_to_target={result.epochs_to_target} "
          f"median_epoch_time_s={s['median_epoch_time_s']:.4f} wall_time_s={s['wall_time_s']:.2f} "
          f"final val/acc={s.get('final_val_acc', float('nan')):.4f}")
    return 0


def _stored_tracker(uri_arg):
    """A tracker on a store that must already exist: reading commands never create an empty one."""
    from harness.tracking import _sqlite_path, resolve_tracking_uri

    uri = resolve_tracking_uri(uri_arg)
    path = _sqlite_path(uri)
    if path is not None and not path.exists():
        raise UsageError(f"no store at {path} (tracking URI {uri!r}); run a suite first or pass --tracking-uri")
    return _tracker(uri)


def _registered_suite(name: str):
    from harness.registry import UnknownNameError
    from harness.suite import suites

    try:
        return suites().get(name)
    except UnknownNameError as e:
        raise UsageError(str(e)) from None


def cmd_report(args) -> int:
    from harness.report import ReportError, render, write_report

    suite = _registered_suite(args.suite)
    tracker = _stored_tracker(args.tracking_uri)
    try:
        report = write_report(tracker, suite, args.run, args.out)
    except ReportError as e:
        raise UsageError(str(e)) from None
    print(render(report, args.format), end="")
    print(f"files: {report.out_dir} (report.txt, report.md, report.html, {', '.join(report.plots) or 'no plots'}); "
          f"logged to parent run {report.parent.info.run_id} under report/", file=sys.stderr)
    return 0


def cmd_compare(args) -> int:
    from harness.compare import compare, render
    from harness.report import ReportError, parent_of
    from harness.tracking import SUITE_TAG

    tracker = _stored_tracker(args.tracking_uri)
    try:
        suite = _registered_suite(parent_of(tracker.client, args.run_a).data.tags.get(SUITE_TAG, ""))
        print(render(compare(tracker.client, suite, args.run_a, args.run_b), args.format), end="")
    except ReportError as e:
        raise UsageError(str(e)) from None
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
    from harness.remote import ServerGone
    from harness.tracking import StoreError

    _quiet()
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (UsageError, ConfigError, StoreError) as e:
        print(f"harness: error: {e}", file=sys.stderr)
        return 2
    except ServerGone as e:  # not bad input: the tracking server went away mid-command (harness.remote)
        print(f"harness: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as e:
        from harness.runner import Terminated

        print("harness: interrupted; finished runs are kept in the store", file=sys.stderr)
        return 143 if isinstance(e, Terminated) else 130


if __name__ == "__main__":
    sys.exit(main())
