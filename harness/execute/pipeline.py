"""Running a suite: plan (what the store already holds) -> execute (serial, worker pool or Ray) -> judge -> record.

The parent run is the invocation; every (config, seed) is a child run. A run that raises is recorded
FAILED (traceback attached) and the suite goes on; Ctrl-C or SIGTERM marks the active runs and the
parent KILLED, keeps every finished run, and propagates (SIGTERM as Terminated).
"""
from __future__ import annotations

import contextlib
import signal
from pathlib import Path
import warnings
from dataclasses import dataclass, field, replace

import pandas as pd

from harness.core import interrupts
from harness.execute import judging
from harness.execute.declared import FreshCallbacks, run_function
from harness.config.run_config import ConfigError, RunConfig
from harness.core.contract import N_CONFIGS_TAG, PARALLEL_TIMING_TAG, PROC_TAG, RESUMED_TAG
from harness.core.environment import environment_tags
from harness.core.project import project_tags
from harness.execute.execution import ENGINES, Execution, Invocation, threads_warning  # noqa: F401 -- re-exported: the tests' import
from harness.execute.executors import Destination, Failures, run_local_pool, run_serial
from harness.execute.interleave import check_interleave, run_interleaved
from harness.store.invocations import experiment_description, parent_name, parent_params, resume_message, say
from harness.execute.preflight import check_runnable
from harness.core.processes import command_started, this_process
from harness.store.resume import finished_runs, kill_running_children, sweep_abandoned
from harness.train.lifecycle import name_fields
from harness.judge.sequential import LookJudge, Looks, behind, config_group, decidable, judge_looks
from harness.judge.subject import identity
from harness.store.location import absolute_uri, resolve_tracking_uri
from harness.store.tracking import Tracker
from harness.judge.verdict import Verdict


@dataclass
class SuiteResult:
    parent_run_id: str
    verdicts: list[Verdict]
    runs: pd.DataFrame  # the finished child runs judged, as stored
    failures: Failures  # configs whose run raised, with the one-line error
    header: str
    reused: int = 0  # finished runs taken from earlier invocations instead of rerun (resume)
    name_fields: tuple[str, ...] = ()  # the config fields its runs' names show (harness.train.lifecycle.run_name)
    names: dict = field(default_factory=dict)  # those fields' values -> the name in the suite's words


def checked_grid(suite, configs: list[RunConfig]) -> list[RunConfig]:
    """The grid with its device resolved (auto: CUDA where there is one, else the CPU; the one place a suite's
    configs are resolved, so their config_ids are the ones their runs record), checked before anything touches
    the store: ConfigError (one line) otherwise."""
    configs = [c.resolved() for c in configs]
    multi = sorted({c.strategy for c in configs if c.strategy != "auto"})
    if multi:  # Lightning would relaunch the whole `harness run` command once per extra rank
        raise ConfigError(f"invalid strategy {multi[0]!r} in a suite: multi-process strategies are for single runs "
                          f"(harness train); parallelize a suite with --workers or --engine ray")
    check_runnable(configs)
    check_interleave(suite, configs)
    return configs


def child_naming(suite, configs: list[RunConfig]) -> tuple[tuple[str, ...], dict]:
    """(fields, names) that name each child run: in the suite's words where they tell every grid point apart
    (Suite.run_names), else by the fields that vary (harness.train.lifecycle.name_fields), 'dropout=0.5 s3'."""
    return suite.run_names(configs) or (name_fields(suite.all_grid_fields(), configs), {})


def plan(suite, tracker: Tracker, configs: list[RunConfig], force: bool, code: dict[str, str]
         ) -> tuple[list[RunConfig], dict[str, str]]:
    """(configs to run, config_id -> finished run reused at the project code `code`): abandoned runs are swept
    first, so they are rerun."""
    sweep_abandoned(tracker, suite.name)  # runs a SIGKILLed invocation left RUNNING: KILLED, so rerun below
    done = {} if force else finished_runs(tracker, suite.name, {c.config_id for c in configs}, code)
    return [c for c in configs if c.config_id not in done], done


@contextlib.contextmanager
def ray_session(options: Execution, tracker_uri: str):
    """The Ray cluster's CPU count while the suite runs (joined before any write, so a bad address writes nothing);
    None for the local engine."""
    if options.engine != "ray":
        yield None
        return
    from harness.execute.cluster import connect, ray_module  # the optional extra, imported only when asked for

    started, cpus = connect(options.ray_address, tracker_uri)
    try:
        yield cpus
    finally:
        if started:
            ray_module().shutdown()


def execute(suite, tracker: Tracker, todo: list[RunConfig], dest: Destination, options: Execution,
            ray_cpus: int | None) -> Failures:
    """Run the configs with the chosen engine; returns the failed ones."""
    if suite.interleave and not options.side_by_side:  # side by side (--parallel-timing): every config solo
        return run_interleaved(suite.interleave, todo, tracker, dest, options.progress, FreshCallbacks(suite.callbacks))
    run_fn = run_function(suite)
    if ray_cpus is not None:
        from harness.execute.cluster import run_ray

        with interrupts.waiting():  # the driver only waits on the cluster: a signal may raise at once
            return run_ray(run_fn, todo, dest, ray_cpus, options.pack, options.progress)
    if options.workers > 1 and len(todo) > 1:
        with interrupts.waiting():
            return run_local_pool(run_fn, todo, dest, options.workers, options.progress)
    return run_serial(run_fn, todo, tracker, dest, options.progress)


def parent_tags(suite, configs: list[RunConfig], options: Execution, reused: int, code: dict[str, str]) -> dict[str, str]:
    first = configs[0]
    return {**environment_tags(first.device, first.threads), **code, "scale": options.scale,
            N_CONFIGS_TAG: str(len(configs)), "seeds": str(len({c.seed for c in configs})), "claim": suite.claim[:4000],
            "workers": str(options.workers), "engine": options.engine, "force": str(options.force),
            RESUMED_TAG: str(reused), PROC_TAG: this_process(), **options.child_tags(suite)}


def add_seeds(suite, tracker: Tracker, requested: list[RunConfig], judged: LookJudge, run_batch,
              code: dict[str, str]) -> int:
    """Adaptive seeds: after each look, run the next look's seeds for the configurations behind undecided rows.

    `requested` (the first look's configs) grows in place; run_batch(configs) runs what the store lacks and
    returns how many it reused. Each look is judged once (`judged` keeps its rows for the verdict). Returns the
    runs reused from earlier invocations.
    """
    looks = judged.looks
    fields = suite.all_grid_fields()
    bases = {config_group(c, fields): c.replace(seed=0) for c in requested}
    reused = 0
    for i in range(len(looks.seeds) - 1):
        runs = judging.grid_runs(tracker, suite, {c.config_id for c in requested}, code)
        verdicts, at, rows_now = judge_looks(judged, runs, upto=i + 1)
        undecided = {identity(v) for v in verdicts if v.outcome == "inconclusive" and decidable(v, looks, i)}
        if not undecided or not len(runs) or max(at.values()) != i:  # no data reached this look: nothing to add to
            break
        at_look = runs[runs["seed"] < looks.seeds[i]]
        deps = behind(suite.verdicts, at_look, [f for f in fields if f in runs.columns], rows_now, looks.levels[i])
        extend = sorted(g for g, rows in deps.items() if rows & undecided)
        batch = [bases[g].replace(seed=seed) for g in extend if g in bases
                 for seed in range(looks.seeds[i], looks.seeds[i + 1])]
        if not batch:
            break
        requested += batch
        reused += run_batch(batch)
    return reused


def run_invocation(suite, invocation: Invocation, looks: Looks | None = None) -> tuple[Tracker, SuiteResult]:
    """Assemble a suite run and run it: the one place that does (the command line, harness.run and the tests'
    fixture call it). Builds the configs at the invocation's scale (the first look's seeds with adaptive `looks`),
    resolves and checks them, then opens the store (nothing is written before) and runs them: (tracker, result).
    """
    if (suite.name, bool(suite.timing)) != (invocation.name, invocation.timing):
        raise ValueError(f"an invocation of suite {invocation.name!r} cannot run suite {suite.name!r}")
    options = invocation.options
    scale, note = suite.scale_run(options.scale)  # the command line applied the rule already: then no note here
    if note:
        say(note)
        options = replace(options, scale=scale)
    seeds = looks.seeds[0] if looks is not None else invocation.seeds
    configs = suite.configs(seeds, invocation.device, options.scale)
    if invocation.threads is not None:
        configs = [c.replace(threads=invocation.threads) for c in configs]
    if options.null:  # A/A: the arms as copies of their baseline, in an experiment of their own
        from harness.execute.null import null_invocation

        suite, configs = null_invocation(suite, configs)
    configs = checked_grid(suite, configs)
    if options.engine == "ray":
        from harness.execute.cluster import ray_module

        ray_module()  # the extra is installed, or one line saying how to install it
    warning = threads_warning(configs[0].threads, options.workers if options.engine == "local" else 1)
    if warning:
        say(warning)
    tracker = Tracker(resolve_tracking_uri(invocation.store))
    suite_file = invocation.project if str(invocation.project).endswith(".py") else None  # workers import it too
    return tracker, execute_suite(suite, tracker, configs, options, looks, project_tags(invocation.project), suite_file)


def run_suite(suite, tracker: Tracker, configs: list[RunConfig], options: Execution | None = None,
              looks: Looks | None = None) -> SuiteResult:
    """Run a grid built by hand (the library's tests do) into `tracker`: validated here, then as execute_suite."""
    options = options or Execution()
    options.validate(suite)
    return execute_suite(suite, tracker, checked_grid(suite, configs), options, looks)


def execute_suite(suite, tracker: Tracker, configs: list[RunConfig], options: Execution,
                  looks: Looks | None = None, code: dict[str, str] | None = None,
                  suite_file: str | None = None) -> SuiteResult:
    """Run the configs not yet finished in the store as children of one new parent run, then judge the grid.

    `options` and `configs` as validated once by Invocation / checked_grid (run_invocation, run_suite).
    Resume: a config whose config_id already has a FINISHED child of this harness version (under any
    earlier parent) is skipped unless `force`; failed, killed and abandoned ones are rerun. The new
    parent judges the whole grid from the store: the newest finished run of each config_id.
    With `looks` of more than one seed count (adaptive seeds, harness.judge.sequential), `configs` is the first
    look and seeds are added to the configurations behind rows still undecided, up to the last look.
    `code`: the user's project commit (harness.core.project.project_tags; None: the working directory's), recorded
    on the parent and every child; only runs at that code are reused and judged. `suite_file`: the file the suite
    came from, imported by every worker process and Ray task first (its registrations).
    """
    code = project_tags() if code is None else code
    if options.side_by_side and suite.timing:
        warnings.warn(f"suite {suite.name!r} runs side by side: its timings are not comparable with runs measured "
                      f"alone (tagged {PARALLEL_TIMING_TAG}=true)", stacklevel=2)
    todo, done = plan(suite, tracker, configs, options.force, code)
    say(resume_message(len(configs), len(done), len(todo)))
    with ray_session(options, absolute_uri(tracker.uri)) as ray_cpus, interrupts.deferred():
        parent = tracker.start_parent(suite.name, parent_name(suite.name, configs, options.scale),
                                      parent_tags(suite, configs, options, len(done), code), parent_params(configs, options),
                                      experiment_description(suite), command_started())
        dest = Destination(absolute_uri(tracker.uri), suite.name, parent, {**options.child_tags(suite), **code},
                           *child_naming(suite, configs),  # the grid's: the same at every look
                           imports=(str(Path(suite_file).resolve()),) if suite_file else ())
        tracker.child_tags = dict(dest.child_tags)
        try:
            failures = execute(suite, tracker, todo, dest, options, ray_cpus)
            kill_running_children(tracker, suite.name, parent)  # a worker that died mid-run left it RUNNING
            requested = list(configs)
            reused = len(done)
            judged = LookJudge(suite.verdicts, looks) if looks is not None else None  # each look judged once
            if looks is not None and len(looks.seeds) > 1:
                def run_batch(batch: list[RunConfig]) -> int:
                    more, found = plan(suite, tracker, batch, options.force, code)
                    failures.extend(execute(suite, tracker, more, dest, options, ray_cpus))
                    kill_running_children(tracker, suite.name, parent)
                    return len(found)

                reused += add_seeds(suite, tracker, requested, judged, run_batch, code)
                tracker.set_tags(parent, {RESUMED_TAG: str(reused), N_CONFIGS_TAG: str(len(requested))})
            # --force judges only this invocation's runs; otherwise the grid, reusing earlier finished runs.
            ids = None if options.force else {c.config_id for c in requested}
            verdicts, runs, header = judging.judge_and_record(suite, tracker, parent, ids, looks, judged, code)
            interrupts.check()  # a signal recorded while judging: the invocation ends KILLED
        except KeyboardInterrupt:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # finish the clean-up even if asked twice
            kill_running_children(tracker, suite.name, parent)
            tracker.finish(parent, "KILLED")
            if interrupts.terminated():
                raise interrupts.Terminated from None
            raise
        except Exception:  # re-raised: an error outside any one run must not leave the parent RUNNING
            kill_running_children(tracker, suite.name, parent)
            tracker.finish(parent, "FAILED")
            raise
        finally:
            tracker.child_tags = {}
    tracker.finish(parent, "FINISHED" if not failures else "FAILED")
    return SuiteResult(parent, verdicts, runs, failures, header, reused=reused, name_fields=dest.name_fields, names=dest.names)
