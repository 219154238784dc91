"""What `harness run`, `train` and `report` do once their input has passed the command line's fast checks.

Kept apart from harness.cli.main so that help, `list` and bad input never import torch, Lightning or MLflow;
`report` imports neither torch nor Lightning.
"""
from __future__ import annotations

import math
import os
import sys

from harness.core import text
from harness.core.contract import TRAIN_EXPERIMENT
from harness.core.errors import EXIT_INTERNAL, internal_error
from harness.core.interrupts import check as check_interrupt
from harness.store.invocations import resolve_run_id, say
from harness.core.logs import quiet
from harness.store.remote import redact
from harness.store.location import resolve_tracking_uri
from harness.store.tracking import Tracker


def threads_warning(threads: int, workers: int) -> str | None:
    """A warning when the runs ask for more threads than the machine has cores free now (load average)."""
    cores, load = os.cpu_count() or 1, os.getloadavg()[0]
    free = max(0, math.floor(cores - load + 0.5))  # whole cores, a core at least half idle counting as free
    wanted = threads * workers
    if wanted <= max(free, 1):
        return None
    return (f"warning: {wanted} threads ({threads} per run x {workers} workers) but only {free} of {cores} cores "
            f"are free (load average {load:.1f}): runs will compete for them and time slower")


def run_command(args, suite, options) -> int:
    """Run the suite with `options` (a harness.execute.execution.Execution the command line has validated)."""
    from harness.execute.judging import answer_of, verdict_text
    from harness.execute.pipeline import check_configs, child_naming, run_suite  # torch and Lightning: only to train
    from harness.store.invocations import close_span, ui_link
    from harness.train.lifecycle import run_name

    quiet()  # again: importing Lightning resets its loggers' levels
    looks = None
    if args.seeds is None:  # adaptive: looks fixed now, before any run
        from harness.judge.sequential import Looks

        looks = Looks.plan(*suite.seed_plan(args.scale, args.max_seeds))
    first = args.seeds if looks is None else looks.seeds[0]
    # Validate every config (and the device) before anything touches the store.
    configs = [c.resolved() for c in suite.configs(first, args.device, args.scale)]
    if args.threads is not None:
        configs = [c.replace(threads=args.threads) for c in configs]
    check_configs(configs)
    if args.engine == "ray":
        from harness.execute.cluster import ray_module

        ray_module()  # the extra is installed, or one line saying how to install it
    warning = threads_warning(configs[0].threads, args.workers if args.engine == "local" else 1)
    if warning:
        say(warning)
    tracker = Tracker(resolve_tracking_uri(args.tracking_uri))
    result = run_suite(suite, tracker, configs, options, looks)
    columns = None if args.wide else text.width()
    where, report_error = f"`harness report {suite.name}` for plots", None
    if not args.no_report:
        check_interrupt()  # a safe point: a signal during the runs or the judging skips the report
        try:
            _, _, report = make_report(tracker, suite, args.suite, None, None)  # what `harness report` then reprints
            where = f"report: {report.out_dir / 'report.html'}"
        except Exception as e:  # the verdict is recorded: say what failed, where the verdict is, and go on to print it
            report_error = internal_error(e, "the report")
    close_span(tracker.client, result.parent_run_id)  # the parent run spans the invocation, report included
    print(verdict_text(suite, result.runs, result.verdicts, columns, looks, args.verbose))
    names = child_naming(suite, configs)  # as the runs are named in the store
    for config, error in result.failures:
        print(f"FAILED run {run_name(config, *names)}: {error}", file=sys.stderr)
    experiment = tracker.client.get_run(result.parent_run_id).info.experiment_id
    print("", f"store: {redact(tracker.uri)}, experiment {suite.name}, parent run {result.parent_run_id}", where,
          "in the MLflow UI (`harness ui`):", f"  {ui_link(experiment, result.parent_run_id)}", sep="\n")
    if report_error:
        print(f"harness: {report_error}; the verdict is recorded in the store: parent run {result.parent_run_id[:8]} "
              f"(its verdict.json), and printed above", file=sys.stderr)
    print(f"\n{answer_of(suite, result.runs, result.verdicts, args.scale, columns)}")
    return EXIT_INTERNAL if report_error else 0


def train_command(values: dict, tracking_uri: str) -> int:
    quiet()  # again: importing Lightning resets its loggers' levels
    from harness.config.run_config import RunConfig
    from harness.execute.preflight import check_runnable
    from harness.train.fit import train
    from harness.train.lifecycle import Recording

    config = RunConfig(**values).resolved()
    check_runnable([config])
    tracker = Tracker(tracking_uri)
    result = train(config, Recording(tracker, TRAIN_EXPERIMENT))
    s = result.summary()
    print(f"run {result.run_id} config {config.config_id}: stop_reason={result.stop_reason} "
          f"epochs={len(result.history)} epochs_to_target={result.epochs_to_target} "
          f"median_epoch_time_s={s['median_epoch_time_s']:.4f} wall_time_s={s['wall_time_s']:.2f} "
          f"final val/acc={s.get('final_val_acc', float('nan')):.4f}")
    return 0


def make_report(tracker: Tracker, suite, suite_arg: str, run: str | None, out: str | None,
                fmt: str = "text", wide: bool = False) -> tuple[str, str, object]:
    """Write the report of one invocation (the newest, or `run`: an id or a unique prefix) and remember it for
    `harness report` (harness.report.memo). Returns what `harness report` prints: (stdout, stderr, the Report);
    text no wider than the terminal (harness.core.text.width) unless `wide`."""
    from harness.report.build import render, write_report
    from harness.report.memo import Request, record, store_digest, view

    columns = text.width()
    request = Request.of(tracker.uri, suite_arg, run, out, fmt, view(wide))
    before = store_digest(request.db) if request else None  # the store as the report is about to read it
    run_id = resolve_run_id(tracker.client, run, suite.name) if run else None
    report = write_report(tracker, suite, run_id, out, columns=columns, wide=wide)  # report.txt: as printed
    names = ["report.txt", "report.md", "report.html", *report.plots]
    stdout = render(report, fmt, columns, wide)
    files = f"files: {report.out_dir} ({', '.join(names[:3])}, {', '.join(report.plots) or 'no plots'})"
    stderr = "\n".join([*text.wrap(files, columns), f"logged to parent run {report.parent.info.run_id} under report/"]) + "\n"
    record(request, before, report.parent.info.artifact_uri, stdout, stderr, [report.out_dir / n for n in names])
    return stdout, stderr, report


def report_command(suite, tracker: Tracker, args) -> int:
    quiet()  # again: importing Lightning resets its loggers' levels
    stdout, stderr, _ = make_report(tracker, suite, args.suite, args.run, args.out, args.format, args.wide)
    sys.stdout.write(stdout)
    sys.stderr.write(stderr)
    return 0
