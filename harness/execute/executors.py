"""How a suite's runs are executed: one at a time in this process, or in N local worker processes.

Workers are never forked from the driver (it holds an open MLflow/SQLite connection and torch's
thread pools): they fork from a forkserver that has only imported the harness, each running one configuration at a time with the thread count its config
pins (1 by default), each writing its own child runs to the shared store, which the driver creates
before any worker starts. Runs side by side compete for cores and memory bandwidth, so their
timings are not comparable with runs measured alone: the driver refuses to parallelize a suite
whose verdict depends on time unless told to, and then tags every run (`harness.workers`).

Interruption: Ctrl-C reaches the whole process group; workers ignore SIGINT and the driver stops
them with SIGTERM, which each worker turns into the same KeyboardInterrupt that marks its active
run KILLED. A worker whose driver vanishes (SIGKILL) interrupts itself the same way within a second.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import queue
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from harness.config.run_config import RunConfig
from harness.core.interrupts import record_signal
from harness.core.logs import quiet
from harness.core.processes import process_alive, this_process
from harness.core.project import import_file
from harness.store.remote import ServerGone
from harness.store.location import StoreError
from harness.store.tracking import Tracker
from harness.train.lifecycle import Recording

# What one run may raise and still leave the rest of the suite meaningful: it is recorded FAILED
# (traceback attached, by harness.train.lifecycle) and the suite goes on. Anything else
# (a bug in the harness, KeyboardInterrupt) stops the suite.
RUN_ERRORS = (ValueError, RuntimeError, FloatingPointError, MemoryError, OSError)
# Thread pools a worker must not oversubscribe; set to 1 before torch is imported in the worker.
THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")

Failures = list[tuple[RunConfig, str]]
# How one config is run and recorded: (config, harness.train.lifecycle.Recording) -> anything; a module-level
# function (workers and Ray tasks receive it pickled), e.g. harness.train.fit.train.
RunFn = Callable[..., Any]


@dataclass(frozen=True)
class Destination:
    """Where an executor's runs are recorded: the store, the experiment, the parent run, tags for every child and
    the config fields that name each child (harness.train.lifecycle.name_fields): the same in every process."""

    tracker_uri: str  # absolute, so worker processes and Ray tasks open the same store
    experiment: str
    parent_run_id: str
    child_tags: dict[str, str] = field(default_factory=dict)
    name_fields: tuple[str, ...] = ()
    names: dict = field(default_factory=dict)  # name_fields' values -> the name in the suite's words (Recording)
    # suite files (absolute paths) a worker process or Ray task imports before its first run: their registrations
    # (register_model, register_dataset) exist in the driver only, since workers start from a clean forkserver
    imports: tuple[str, ...] = ()

    def import_files(self) -> None:
        """Import the suite files this process needs (harness.core.project.import_file: once per process and path)."""
        for path in self.imports:
            import_file(path)

    def tracker(self) -> Tracker:
        """A tracker of this process's own on the store, tagging every child it starts."""
        tracker = Tracker(self.tracker_uri)
        tracker.child_tags = dict(self.child_tags)
        return tracker

    def recording(self, tracker: Tracker) -> Recording:
        """What a run function records through: this process's tracker, the experiment, parent and naming fields."""
        return Recording(tracker, self.experiment, self.parent_run_id, self.name_fields, self.names)


def run_one(run_fn: RunFn, item, tracker: Tracker, dest: Destination) -> str | None:
    """Run one config (or an interleaved group) as the parent's children; the one-line error it raised, else None."""
    try:
        run_fn(item, dest.recording(tracker))
    except RUN_ERRORS as e:
        return f"{type(e).__name__}: {e}".splitlines()[0]
    return None


def progress_bar(total: int, dest: Destination, progress: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=dest.experiment, unit="run", disable=not progress, dynamic_ncols=True)


def run_serial(run_fn: RunFn, configs: list[RunConfig], tracker: Tracker, dest: Destination,
               progress: bool = True) -> Failures:
    """Every config in this process, one after another (the default; the only mode for timing suites)."""
    failures = []
    with progress_bar(len(configs), dest, progress) as bar:
        for config in configs:
            error = run_one(run_fn, config, tracker, dest)
            if error:
                failures.append((config, error))
            bar.update()
    return failures


def _watch_driver(driver: str) -> None:
    """Interrupt this worker (marking its run KILLED) once the driver process (host:pid:start) is gone."""
    while True:
        time.sleep(0.5)
        if process_alive(driver) is False:
            os.kill(os.getpid(), signal.SIGTERM)
            return


def _worker_main(run_fn: RunFn, dest: Destination, tasks, results, driver: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle; it sends SIGTERM
    signal.signal(signal.SIGTERM, record_signal)  # acted on at the run's safe points
    threading.Thread(target=_watch_driver, args=(driver,), daemon=True).start()
    try:
        quiet()
        dest.import_files()
        tracker = dest.tracker()
        while True:
            item = tasks.get()
            if item is None:
                return
            index, config = item
            results.put((index, run_one(run_fn, config, tracker, dest)))
    except KeyboardInterrupt:
        return  # stopped by the driver; the active run is already marked KILLED (harness.train.lifecycle)
    except (ServerGone, StoreError):
        return  # the tracking server went away: the driver meets it too and says so in one line, no traceback here


def _stop(procs: list) -> None:
    """SIGTERM every live worker, wait for each to mark its run KILLED, then make sure they are gone."""
    for p in procs:
        if p.is_alive():
            os.kill(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()
            p.join()


def _context():
    """forkserver with the harness preloaded: a worker forks from a clean server that has imported torch,
    Lightning and MLflow once (seconds each on a busy machine) but opened no store and ran no op; spawn where
    there is no forkserver (Windows)."""
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["harness.train.fit", "harness.execute.executors",
                                "mlflow.store.tracking.sqlalchemy_store"])  # what opening the store imports
    return ctx


def run_local_pool(run_fn: RunFn, configs: list[RunConfig], dest: Destination, workers: int,
                   progress: bool = True) -> Failures:
    """Every config in `workers` spawned processes, one config per process at a time."""
    ctx = _context()
    tasks, results = ctx.Queue(), ctx.Queue()
    for item in enumerate(configs):
        tasks.put(item)
    n_procs = min(workers, len(configs))
    for _ in range(n_procs):
        tasks.put(None)
    saved = {k: os.environ.get(k) for k in THREAD_ENV}
    os.environ.update({k: "1" for k in THREAD_ENV})  # inherited by the spawned workers only
    procs = []
    try:
        for _ in range(n_procs):
            p = ctx.Process(target=_worker_main, args=(run_fn, dest, tasks, results, this_process()))
            p.start()
            procs.append(p)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    failures: Failures = []
    pending = set(range(len(configs)))
    try:
        with progress_bar(len(configs), dest, progress) as bar:
            while pending:
                try:
                    index, error = results.get(timeout=0.5)
                except queue.Empty:
                    if any(p.is_alive() for p in procs):
                        continue
                    try:  # every worker has exited: collect what they left in the queue, then stop waiting
                        index, error = results.get(timeout=2)
                    except queue.Empty:
                        codes = sorted({p.exitcode for p in procs})
                        for i in sorted(pending):
                            failures.append((configs[i], f"worker process died (exit codes {codes})"))
                        break
                pending.discard(index)
                bar.update()
                if error:
                    failures.append((configs[index], error))
        for p in procs:
            p.join()
    except KeyboardInterrupt:
        _stop(procs)
        raise
    return failures
