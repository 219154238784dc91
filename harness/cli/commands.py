"""What `harness run`, `train` and `report` do once their input has passed the command line's fast checks.

Kept apart from harness.cli.main so that help, `list` and bad input never import torch, Lightning or MLflow;
`report` imports neither torch nor Lightning.
"""
from __future__ import annotations

import sys

from harness.core import text
from harness.core.contract import FINAL_VAL_ACC, MEDIAN_EPOCH_TIME, TRAIN_EXPERIMENT, VAL_ACC, WALL_TIME
from harness.core.errors import EXIT_INTERNAL, internal_error
from harness.core.interrupts import check as check_interrupt
from harness.store.invocations import resolve_run_id
from harness.core.logs import quiet
from harness.store.remote import redact
from harness.store.tracking import Tracker


def run_command(args, suite, invocation, looks=None) -> int:
    """Run the `invocation` the command line has validated (harness.execute.execution.Invocation; adaptive `looks`
    fixed before any run), then the report, the verdict table and the answer."""
    from harness.execute.judging import answer_of, verdict_text
    from harness.execute.pipeline import run_invocation  # torch and Lightning: only to train
    from harness.store.invocations import close_span, ui_link
    from harness.train.lifecycle import run_name

    quiet()  # again: importing Lightning resets its loggers' levels
    tracker, result = run_invocation(suite, invocation, looks)
    # The parent run spans the invocation up to its report: the report reads the span (its run time), and a span
    # that moved after it would leave the report's memo stale (harness.report.memo: the store changed).
    close_span(tracker.client, result.parent_run_id)
    columns = None if args.wide else text.width()
    where, report_error, experiment = f"`harness report {suite.name}` for plots", None, suite.name
    if invocation.options.null:
        from harness.core.contract import null_experiment

        where, experiment = "no report (an A/A invocation: the table above is its result)", null_experiment(suite.name)
    elif not args.no_report:
        check_interrupt()  # a safe point: a signal during the runs or the judging skips the report
        try:
            _, _, report = make_report(tracker, suite, args.suite, None, None)  # what `harness report` then reprints
            where = f"report: {report.out_dir / 'report.html'}"
        except Exception as e:  # the verdict is recorded: say what failed, where the verdict is, and go on to print it
            report_error = internal_error(e, "the report")
    print(verdict_text(suite, result.runs, result.verdicts, columns, looks, args.verbose))
    for config, error in result.failures:  # as named in the store
        print(f"FAILED run {run_name(config, result.name_fields, result.names)}: {error}", file=sys.stderr)
    experiment_id = tracker.client.get_run(result.parent_run_id).info.experiment_id
    print("", f"store: {redact(tracker.uri)}", f"experiment {experiment}, parent run {result.parent_run_id}", where,
          "in the MLflow UI (`harness ui`):", f"  {ui_link(experiment_id, result.parent_run_id)}", sep="\n")
    if report_error:
        print(f"harness: {report_error}; the verdict is recorded in the store: parent run {result.parent_run_id[:8]} "
              f"(its verdict.json), and printed above", file=sys.stderr)
    if invocation.options.null:
        from harness.execute.null import null_line

        print(f"\n{null_line(result.verdicts)}")
    else:
        print(f"\n{answer_of(suite, result.runs, result.verdicts, invocation.options.scale, columns)}")
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
          f"{MEDIAN_EPOCH_TIME}={s[MEDIAN_EPOCH_TIME]:.4f} {WALL_TIME}={s[WALL_TIME]:.2f} "
          f"final {VAL_ACC}={s.get(FINAL_VAL_ACC, float('nan')):.4f}")
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
