"""A suite's grid across a Ray cluster (optional extra: pip install -e ".[ray]").

The driver (the `harness run` process) creates the parent run and judges the verdict; Ray tasks
run the child runs and write them straight to the tracking store, which every node must reach: a
shared MLflow tracking server (http://...) on a real cluster. A sqlite:/// store works only for a
cluster whose nodes share this machine's filesystem, i.e. a single-node local instance; with more
than one node the harness refuses it rather than scatter runs over several databases.

A short run (seconds) costs about as much as a Ray task's start-up, so several runs are packed
into one task (`pack`); each task takes one CPU and runs its configs one after another with the
thread count each config pins.
"""
from __future__ import annotations

import math
import os

from harness.config.run_config import ConfigError, RunConfig
from harness.execute.executors import Destination, Failures, RunFn, progress_bar, run_one
from harness.core.logs import quiet


def ray_module():
    """The ray package, or one line saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ConfigError("--engine ray needs the optional extra: pip install -e '.[ray]'") from None
    return ray


def connect(address: str | None, tracker_uri: str) -> tuple[bool, int]:
    """Join (or start) the cluster; returns (whether this call started Ray, the cluster's CPUs).

    address: a Ray address ('auto', 'ray://host:10001', 'host:6379'), 'local' for a fresh local
    instance on 127.0.0.1, or None for $RAY_ADDRESS, else 'local'.
    """
    ray = ray_module()
    started = False
    if not ray.is_initialized():
        address = address or os.environ.get("RAY_ADDRESS") or "local"
        kwargs = dict(include_dashboard=False, log_to_driver=False)
        if address == "local":
            kwargs["_node_ip_address"] = "127.0.0.1"
        try:
            ray.init(address=address, **kwargs)
        except ConnectionError as e:
            raise ConfigError(f"cannot reach the Ray cluster at {address!r}: {str(e).splitlines()[0]}") from None
        started = True
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    if tracker_uri.startswith("sqlite:") and len(nodes) > 1:
        if started:
            ray.shutdown()
        raise ConfigError(f"tracking URI {tracker_uri!r} is a local SQLite file, which the {len(nodes)} nodes of this "
                          "Ray cluster do not share; use a shared MLflow tracking server (--tracking-uri http://...)")
    cpus = int(ray.cluster_resources().get("CPU", 1))
    return started, cpus


def _run_pack(run_fn: RunFn, dest: Destination, items: list[tuple[int, RunConfig]]) -> list[tuple[int, str | None]]:
    """One Ray task: a few configs, one after another, each recorded as a child run."""
    quiet()
    dest.import_files()
    tracker = dest.tracker()
    return [(index, run_one(run_fn, config, tracker, dest)) for index, config in items]


def default_pack(n_configs: int, cpus: int) -> int:
    """Runs per task: about two tasks per CPU, so the cluster stays busy while start-up is paid once per pack."""
    return max(1, math.ceil(n_configs / (2 * max(1, cpus))))


def run_ray(run_fn: RunFn, configs: list[RunConfig], dest: Destination, cpus: int, pack: int = 0,
            progress: bool = True) -> Failures:
    """Every config on the cluster, `pack` configs per task (0 = default_pack); returns the failed ones."""
    ray = ray_module()
    pack = pack or default_pack(len(configs), cpus)
    remote = ray.remote(num_cpus=1, max_retries=0)(_run_pack)
    items = list(enumerate(configs))
    refs = [remote.remote(run_fn, dest, items[i:i + pack])
            for i in range(0, len(items), pack)]
    failures: Failures = []
    pending = list(refs)
    try:
        with progress_bar(len(configs), dest, progress) as bar:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                for ref in done:
                    try:
                        results = ray.get(ref)
                    except ray.exceptions.RayError as e:  # the task's process died: its configs are lost, not judged
                        lost = items[refs.index(ref) * pack:(refs.index(ref) + 1) * pack]
                        results = [(i, f"Ray task failed: {str(e).splitlines()[0]}") for i, _ in lost]
                    for index, error in results:
                        bar.update()
                        if error:
                            failures.append((configs[index], error))
    except KeyboardInterrupt:
        for ref in pending:
            ray.cancel(ref, force=True)  # kills the task's worker; the driver then marks its run KILLED
        raise
    return failures
