"""Results a person reads at a glance (issue 24's 'done when'), from real invocations of bn-walltime and dropout at
ci scale through the command line (the runs as processes, the reading commands through the same `main` in this
process), in a 120-column terminal (COLUMNS=120):

- no line printed by run, report, list, runs, compare or history is wider than 120 characters;
- the default output of run says no "look N of M", "level 0.9…" or "union bound"; --verbose and the report do;
- no answer line names an arm by bare numbers or @-codes, and every bound is said as a bound;
- in the store: child run names unique per invocation, carrying the values of the fields that vary; every experiment
  described; a parent run's duration at least 80% of its invocation's wall time; verdict tag keys of <= 60 characters;
- compare lists the settings that differ between an invocation and its --force rerun; history keeps bounds.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import time

import pytest
from mlflow.tracking import MlflowClient

from harness.cli.main import main
from harness.core.contract import NOTE_TAG, VERDICT_JSON
from harness.judge.subject import KEY_MAX
from harness.store.queries import artifact_text

COLUMNS = 120
STATISTICS = (r"look \d+ of \d+", r"level 0\.9", r"union bound")  # the detail --verbose and the report give


def in_process(cwd, *argv) -> tuple[subprocess.CompletedProcess, float, float]:
    """`harness ARGV` as the console script's `main` in this process (a reading command: no training, and a new
    process would spend seconds importing MLflow), in `cwd`, COLUMNS=120, its output captured: as `harness`."""
    out, err = io.StringIO(), io.StringIO()
    started = time.time()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        mp.chdir(cwd)
        mp.setenv("COLUMNS", str(COLUMNS))
        code = main(list(argv))
    result = subprocess.CompletedProcess(["harness", *argv], code, out.getvalue(), err.getvalue())
    assert code == 0, f"harness {' '.join(argv)}: exit {code}\n{result.stderr[-3000:]}"
    return result, time.time() - started, started


def harness(cwd, *argv) -> tuple[subprocess.CompletedProcess, float, float]:
    """`harness ARGV` as a process in a 120-column terminal: (its result, its wall time in seconds, its start)."""
    env = {**os.environ, "COLUMNS": str(COLUMNS), "HARNESS_DEBUG": "0"}
    started = time.time()
    out = subprocess.run([sys.executable, "-m", "harness.cli.main", *argv], cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=900)
    assert out.returncode == 0, f"harness {' '.join(argv)}: exit {out.returncode}\n{out.stderr[-3000:]}"
    return out, time.time() - started, started


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """Two suites at ci scale in one store, dropout twice (the second with --force and --verbose), as processes, and
    every reading command on them (in this process): {name: (result, wall seconds, start)}."""
    cwd = tmp_path_factory.mktemp("readable")
    runs = {"dropout": harness(cwd, "run", "dropout", "--scale", "ci", "--no-progress"),
            "dropout --force --verbose": harness(cwd, "run", "dropout", "--scale", "ci", "--no-progress", "--force",
                                                 "--verbose"),
            # 2 seeds, no adaptive looks: the output's form (arms in words, censored bounds, what ci scale leaves out)
            # is the same at any seed count, in a third of the runs 6 seeds take
            "bn-walltime": harness(cwd, "run", "bn-walltime", "--scale", "ci", "--seeds", "2", "--no-progress")}
    client = MlflowClient(f"sqlite:///{cwd / 'mlruns' / 'mlflow.db'}")
    first, forced = (r.info.run_id for r in reversed(client.search_runs(
        [client.get_experiment_by_name("dropout").experiment_id], "tags.`harness.role` = 'parent'",
        order_by=["attributes.start_time DESC"])))
    reading = {"report dropout": ("report", "dropout"), "report bn-walltime": ("report", "bn-walltime"),
               "list": ("list",), "runs": ("runs",), "compare": ("compare", first, forced),
               "history": ("history", "dropout")}
    return cwd, client, first, forced, {**runs, **{k: in_process(cwd, *argv) for k, argv in reading.items()}}


def test_no_line_printed_is_wider_than_the_terminal(session):
    *_, outputs = session
    for name, (out, *_) in outputs.items():
        wide = [f"{len(line)}: {line}" for line in (out.stdout + out.stderr).splitlines() if len(line) > COLUMNS]
        assert not wide, f"harness {name}:\n" + "\n".join(wide)


def test_the_statistical_detail_is_said_only_when_asked_for(session):
    *_, outputs = session
    for name in ("dropout", "bn-walltime"):
        said = [p for p in STATISTICS if re.search(p, outputs[name][0].stdout)]
        assert not said, (name, said, outputs[name][0].stdout)
        assert "Each row: the median over seeds" in outputs[name][0].stdout  # a plain legend sentence instead
    for name in ("dropout --force --verbose", "report dropout"):
        assert all(re.search(p, outputs[name][0].stdout) for p in STATISTICS), outputs[name][0].stdout


def answer_of(stdout: str) -> list[str]:
    lines = stdout.rstrip().splitlines()
    return lines[max(i for i, line in enumerate(lines) if line.startswith("ANSWER to ")):]


def test_the_answer_names_arms_in_words_and_says_each_bound_as_a_bound(session):
    cwd, client, *_, outputs = session
    for name, arms in (("dropout", "dropout 0.5 vs no dropout"), ("bn-walltime", "BN vs no BN")):
        text = " ".join(line.strip() for line in answer_of(outputs[name][0].stdout))
        assert arms in text and "@" not in text and "≤" not in text and "≥" not in text, text
        assert not re.search(r"\(\d+(\.\d+)?( \d+(\.\d+)?)+\)", text), text  # no arm as bare numbers: '(1000 0.28)'
        assert "ci scale: " in text and " not tested" in text  # the values of the claim the scale leaves out
        parent = client.search_runs([client.get_experiment_by_name(name).experiment_id],
                                    "tags.`harness.role` = 'parent'", order_by=["attributes.start_time DESC"])[0]
        rows = json.loads(artifact_text(client, parent.info.run_id, VERDICT_JSON))
        bounds = [r for r in rows if r["bound"] in ("<=", ">=")]
        # dropout has a censored arm at ci scale, so the check below has rows to check; bn-walltime's baselines never
        # train there, and a censored baseline no longer bounds a speed-up row (judged where both arms train)
        assert bool(bounds) == (name == "dropout"), rows
        for r in bounds:
            said = {"<=": "at most ", ">=": "at least "}[r["bound"]] + f"{r['effect']:.3g}"
            assert said in text and "a bound: " in text, (said, text)
        assert parent.data.tags[NOTE_TAG].startswith("ANSWER to ")  # the run's description in the UI


def test_the_store_names_runs_in_words_describes_experiments_and_spans_the_invocation(session):
    cwd, client, first, forced, outputs = session
    for exp in client.search_experiments():
        assert exp.tags.get(NOTE_TAG), f"experiment {exp.name!r} has no description"
    for name, varying in (("dropout", r"(dropout 0\.5|no dropout)"), ("bn-walltime", r"(sigmoid|relu, default init), (BN|no BN)")):
        exp = client.get_experiment_by_name(name)
        assert exp.tags[NOTE_TAG].startswith(next(s for s in client.search_runs([exp.experiment_id])
                                                   if s.data.tags.get("claim")).data.tags["claim"])
        for parent in client.search_runs([exp.experiment_id], "tags.`harness.role` = 'parent'"):
            children = [r.info.run_name for r in client.search_runs(
                [exp.experiment_id], f"tags.`mlflow.parentRunId` = '{parent.info.run_id}'")]
            assert children and len(set(children)) == len(children), children
            assert all(re.fullmatch(rf"{varying}, seed \d+", c) for c in children), children
            keys = [k for k in parent.data.tags if k.startswith("verdict/")]
            assert keys and all(len(k) <= KEY_MAX for k in keys), keys
    for name, run_id in (("dropout", first), ("dropout --force --verbose", forced)):
        # The parent run spans the invocation from the command's start (its imports included) up to its report:
        # it starts within a second of the process and ends after its last child run and its verdict.
        info, (_, _, started) = client.get_run(run_id).info, outputs[name]
        children = client.search_runs([info.experiment_id], f"tags.`mlflow.parentRunId` = '{run_id}'")
        assert children and info.start_time / 1000 - started <= 1.0, (name, info.start_time / 1000 - started)
        assert info.end_time >= max(c.info.end_time for c in children), name


def test_compare_lists_what_differs_and_history_keeps_bounds(session):
    *_, outputs = session
    compare = outputs["compare"][0].stdout
    differs = compare[compare.index("WHAT DIFFERS"):compare.index("VERDICTS")]
    assert re.search(r"--force \(rerun every run\)\s+False\s+True", differs), differs
    assert re.search(r"runs reused from earlier invocations\s+0\s+0", differs) is None  # only what differs
    history = outputs["history"][0].stdout
    assert "≥2" in history or "≥" in history, history  # dropout converges slower: a bound, kept
    assert "supported x2" in history, history  # outcomes in words, repeats counted


def test_every_shipped_suite_names_its_runs_in_words():
    """A child run's name (the MLflow runs table, a plot's legend) is the suite's words for the fields that vary, at
    every scale: unique, short, no raw field name ('train_per_class 0') and no machine string ('reuse_from
    model=autoencoder;...'). unsupervised-pretraining's names were 258 characters of raw fields until 2026-12-07."""
    from harness.config.run_config import RunConfig
    from harness.discovery import suites

    raw = [f for f in RunConfig.field_names() if "_" in f]
    for name, suite in suites().items():
        for scale in ("default", *suite.scales):
            configs = suite.configs(seeds=1, scale=scale)
            named = suite.run_names(configs)
            if len(configs) == 1:  # one grid point: nothing varies, nothing to name (the seed names the run)
                continue
            assert named is not None, f"{name} at {scale}: its words name two grid points alike"
            for run in named[1].values():
                assert len(run) <= 72 and "=" not in run, f"{name} at {scale}: {run!r}"
                assert not [f for f in raw if f"{f} " in run], f"{name} at {scale}: a raw field in {run!r}"
