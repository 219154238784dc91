"""What `harness run`, `train` and `report` do once their input has passed the command line's fast checks.

Kept apart from harness.cli.main so that help, `list` and bad input never import torch, Lightning or MLflow;
`report` imports neither torch nor Lightning.
"""
from __future__ import annotations

import sys

from harness.core import text
from harness.core.contract import FINAL_VAL_ACC, MEDIAN_EPOCH_TIME, TRAIN_EXPERIMENT, VAL_ACC, WALL_TIME
from harness.core.errors import EXIT_INTERNAL, EXIT_OK, EXIT_RUNS_FAILED, EXIT_VERDICT, internal_error
from harness.core.interrupts import check as check_interrupt
from harness.store.invocations import resolve_run_id
from harness.core.logs import quiet
from harness.store.remote import redact
from harness.store.tracking import Tracker


def exit_code(verdicts, failures, n_runs: int, fail_on: tuple[str, ...] = (), allow_failed: bool = False
              ) -> tuple[int, list[str]]:
    """`harness run`'s exit code for CI (harness.core.errors) and a line per reason: EXIT_RUNS_FAILED when runs failed
    (unless `allow_failed`), else EXIT_VERDICT when a row's outcome is in `fail_on`, else EXIT_OK."""
    said = []
    if failures:
        allowed = " (allowed: --allow-failed)" if allow_failed else "; --allow-failed exits on the verdict alone"
        said.append(f"{len(failures)} of {n_runs} runs failed (FAILED lines above){allowed}")
    hit = [v for v in verdicts if v.outcome in fail_on]
    if hit:
        rows = "; ".join(f"{v.statement} [{v.label}]: {v.outcome}" for v in hit[:5])
        more = f"; and {len(hit) - 5} more" if len(hit) > 5 else ""
        said.append(f"{len(hit)} of {len(verdicts)} rows {'/'.join(fail_on)} (--fail-on): {rows}{more}")
    if failures and not allow_failed:
        return EXIT_RUNS_FAILED, said
    return (EXIT_VERDICT if hit else EXIT_OK), said


def run_command(args, suite, invocation, looks=None, fail_on: tuple[str, ...] = ()) -> int:
    """Run the `invocation` the command line has validated (harness.execute.execution.Invocation; adaptive `looks`
    fixed before any run), then the report, the verdict table and the answer; the exit code as exit_code says
    (EXIT_INTERNAL when the report failed)."""
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

        line = null_line(result.verdicts)
        print("", *(text.wrap(line, columns) if columns else [line]), sep="\n")
    else:
        print(f"\n{answer_of(suite, result.runs, result.verdicts, invocation.options.scale, columns)}")
    code, reasons = exit_code(result.verdicts, result.failures, len(result.runs) + len(result.failures), fail_on,
                              args.allow_failed)
    if report_error:
        code = EXIT_INTERNAL
    for reason in reasons:
        print(f"harness: exit {code}: {reason}", file=sys.stderr)
    return code


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
    stdout = render(report, fmt, columns, wide, comment=True)  # markdown printed: for a pull-request comment
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
