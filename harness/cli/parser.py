"""The command line's parser and its fast checks: every flag, its valid values and the one-line errors.

Names only (harness.core.names reads them from the source files): building the parser and refusing bad
input import neither torch, Lightning nor MLflow. harness.cli.main runs the commands.
"""
from __future__ import annotations

import argparse
import re

from harness.core import names
from harness.discovery import suites

DEVICES = names.constant("config/run_config.py", "DEVICES")
ENGINES = names.constant("execute/execution.py", "ENGINES")
# The one device default, RunConfig.device's (auto: CUDA where there is one, else the CPU), for `run` and `train` alike.
DEFAULT_DEVICE = next(f.default for f in names.config_fields() if f.name == "device")
# config field -> the valid values, for help and the fast check (registry axes read from their modules)
CHOICES = {"activation": names.registry_names("activation"), "init": ("auto", *names.registry_names("init")),
           "optimizer": names.registry_names("optimizer"), "dataset": names.registry_names("dataset"),
           "norm": names.constant("config/run_config.py", "NORMS"), "device": DEVICES, "loop": names.constant("config/run_config.py", "LOOPS"),
           "dropout_kind": names.constant("config/run_config.py", "DROPOUT_KINDS"),
           "target_metric": tuple(names.constant("config/run_config.py", "TARGET_METRICS")),
           "target_mode": names.constant("config/run_config.py", "TARGET_MODES")}
REGISTRY_AXES = ("activation", "init", "optimizer", "dataset")  # 'unknown X'; fixed tuples say 'invalid X'


class UsageError(Exception):
    """Bad input: printed as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's default prints the whole usage; one line is clearer
        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if choice:  # a misspelled command or format: name the near miss
            message += names.did_you_mean(choice[1], re.findall(r"'([^']*)'", choice[2]))
        raise UsageError(re.sub(r"^argument [^:]+: (?=invalid -)", "", message))


def check_choice(name: str, value, valid) -> None:
    if value not in valid:
        if name in REGISTRY_AXES:
            raise UsageError(names.unknown(name, value, valid))
        raise UsageError(f"invalid {name} {value!r}; valid: {', '.join(valid)}{names.did_you_mean(value, valid)}")


def _at_least(flag: str, low: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {flag} {text!r}; must be an integer >= {low}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"invalid {flag} {value!r}; must be >= {low}")
        return value
    return parse


def suite_names() -> list[str]:
    """The shipped suites, plus any registered at run time in this process (tests register their own)."""
    return suites().names()


def suite_scales(name: str) -> tuple[str, ...]:
    entry = names.suite_index().get(name)
    if entry is not None:
        return entry.scales  # read from its source: no import
    return ("default", *suites().get(name).scales)


def check_suite(name: str, scale: str | None = None) -> None:
    """Unknown suite or scale: one line with the valid names, before anything heavy is imported."""
    if name not in suite_names():
        raise UsageError(names.unknown("suite", name, suite_names()))
    if scale is not None and scale not in suite_scales(name):
        valid = suite_scales(name)
        raise UsageError(f"invalid scale {scale!r} for suite {name!r}; valid: {', '.join(valid)}"
                         f"{names.did_you_mean(scale, valid)}")


def _add_tracking(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tracking-uri", default=None,
                   help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI, else sqlite:///mlruns/mlflow.db)")


def _suites_help() -> str:
    rows = [f"  {e.name:26s} {', '.join(e.scales)}" for e in names.suite_index().values()]
    return "\n".join(["suites and their scales (--scale):", *rows])


def _add_view(p: argparse.ArgumentParser) -> None:
    """How much a verdict table shows: by default one line per row, fitted to the terminal (COLUMNS, else its width,
    else 100)."""
    p.add_argument("--wide", action="store_true", help="every column, one line per row however wide (no fitting)")
    p.add_argument("--verbose", action="store_true",
                   help="the statistical detail too: which look decided each row at which level, the family of rows")


def _add_run(sub) -> None:
    run = sub.add_parser("run", help="run a suite's grid, record it in MLflow, print the verdict and the answer",
                         description=_suites_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("suite", help=f"one of: {', '.join(names.suite_index())}")
    run.add_argument("--seeds", type=_at_least("--seeds", 1), default=None,
                     help="a fixed number of seeds (default: adaptive: start at the suite's first look, add seeds to "
                          "configurations behind undecided rows, up to --max-seeds)")
    run.add_argument("--max-seeds", type=_at_least("--max-seeds", 1), default=None,
                     help="cap on adaptive seeds (default: the suite's)")
    run.add_argument("--device", default=None, help=f"one of {', '.join(DEVICES)} (default: the suite's, {DEFAULT_DEVICE} "
                                                    f"unless it sets one)")
    run.add_argument("--scale", default="default", help="the suite's scale: default, ci, or others it defines (listed above)")
    run.add_argument("--threads", type=_at_least("--threads", 1), default=None,
                     help="torch threads per run (default: the suite's, 1)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar (also off when stderr is not a terminal)")
    run.add_argument("--no-report", action="store_true",
                     help="do not end by writing the invocation's report (reports/<suite>-<run id prefix>/, as "
                          "`harness report` writes it; saves its plots' seconds)")
    _add_view(run)
    # exit codes a CI job gates on (docs/ci.md)
    run.add_argument("--fail-on", default=None, metavar="OUTCOMES",
                     help="exit 1 when a verdict row comes out with one of these outcomes: refuted, inconclusive, or "
                          "both comma-separated (default: exit 0 whatever the verdict)")
    run.add_argument("--allow-failed", action="store_true",
                     help="exit on the verdict alone when runs failed (default: exit 3 when any run failed)")
    # scale and resilience (README: Scale and resilience)
    run.add_argument("--force", action="store_true", help="rerun every run, even those already finished in the store")
    run.add_argument("--null", action="store_true",
                     help="an A/A invocation: every arm trained as a copy of its baseline (own seeds, a fixed seed "
                          "count), recorded apart (experiment 'SUITE (null)'); prints how many rows read supported "
                          "and refuted, each a false finding")
    run.add_argument("--workers", type=_at_least("--workers", 1), default=1,
                     help="parallel worker processes, one config each at a time (suites that do not judge time)")
    run.add_argument("--engine", default="local", help=f"one of {', '.join(ENGINES)} (ray: a Ray cluster, extra [ray])")
    run.add_argument("--ray-address", default=None, help="Ray cluster address (default: $RAY_ADDRESS, else a local instance)")
    run.add_argument("--pack", type=_at_least("--pack", 0), default=0,
                     help="runs per Ray task (default 0: about two tasks per CPU)")
    run.add_argument("--parallel-timing", action="store_true",
                     help="allow --workers/--engine ray for a suite that judges time (its runs are tagged)")
    _add_tracking(run)


def _add_train(sub) -> None:
    train = sub.add_parser("train", help="train one configuration and record it (experiment 'train')")
    for f in names.config_fields():
        flag = "--" + f.name.replace("_", "-")
        default = f.default
        valid = f" (one of: {', '.join(CHOICES[f.name])})" if f.name in CHOICES else ""
        if f.type == "bool":
            train.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=default, help=f.doc)
        else:
            train.add_argument(flag, dest=f.name, type={"int": int, "float": float}.get(f.type, str), default=default,
                               help=f"{f.doc}{valid}; default: {default!r}")
    _add_tracking(train)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="harness", description="Measure and judge claims about training deep networks.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, title="commands",
                                metavar="COMMAND", help="`harness COMMAND --help` says more")
    listing = sub.add_parser("list", help="list the suites, their claims and scales")
    listing.add_argument("--path", default=None, help="list the suites defined in the .py files of this folder")
    _add_run(sub)
    runs = sub.add_parser("runs", help="the invocations in the store, newest first, one line each")
    runs.add_argument("suite", nargs="?", default=None, help="only this suite's (its name, or the .py file that defines it)")
    _add_tracking(runs)
    _add_train(sub)
    report = sub.add_parser("report", help="a suite invocation's verdict, time decomposition and plots (logged to its parent run)")
    report.add_argument("suite", help="a suite's name, or the .py file that defines it (as for `harness run`)")
    report.add_argument("--run", default=None, help="parent run id or a unique prefix (default: the newest; see `harness runs`)")
    report.add_argument("--format", default="text", choices=("text", "markdown", "html"), help="what is printed (markdown: a summary fit for a pull-request comment; the files keep "
                                "the whole report)")
    report.add_argument("--out", default=None, help="folder for the files (default: reports/<suite>-<run id prefix>)")
    report.add_argument("--wide", action="store_true", help="text: every table whole, one line per row (no fitting)")
    _add_tracking(report)
    compare = sub.add_parser("compare", help="two invocations of a suite side by side: settings, verdicts, timings, convergence")
    compare.add_argument("run_a", metavar="A", help="parent run id or a unique prefix")
    compare.add_argument("run_b", metavar="B", help="parent run id or a unique prefix")
    compare.add_argument("--format", default="text", choices=("text", "markdown"))
    _add_tracking(compare)
    ui = sub.add_parser("ui", help="the MLflow UI on the store")
    ui.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: this machine only)")
    ui.add_argument("--port", type=int, default=5000)
    _add_tracking(ui)
    from harness.cli.history import add_commands  # parse-time only: nothing heavy

    add_commands(sub, _add_tracking)
    from harness.cli.evidence import add_command as add_evidence  # parse-time only: nothing heavy

    add_evidence(sub)
    return parser
