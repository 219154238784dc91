"""Resume and clean-up: which (config, seed) runs the store already holds, and what a killed invocation left behind.

Identity of a run = its `config_id` (a hash of every configuration field, seed included) plus the
code it ran: the `harness_version` tag and the user's project commit (git_sha, and git_diff for uncommitted
changes; harness.core.project): a run counts as done only when it FINISHED under the same settings, the same
harness version and the same project code, so a new commit reruns its grid. FAILED and KILLED runs never
count, so they are rerun.

An invocation that dies without a chance to clean up (SIGKILL, power loss, OOM killer) leaves its
parent and its active child RUNNING. Each parent carries `harness.proc` = host:pid:start-time of the
process that drives it; a RUNNING run whose driver is on this host and no longer alive is marked
KILLED (tag `stop_reason=abandoned`) before the next invocation decides what to rerun. A RUNNING run
driven from another host is left alone (this host cannot tell whether it is still going); it is
not FINISHED, so it is neither skipped nor judged, only rerun.
"""
from __future__ import annotations

from harness.core.contract import CHILD, CONFIG_ID_TAG, GIT_DIFF_TAG, GIT_SHA_TAG, PARENT, PARENT_TAG, PROC_TAG, ROLE_TAG
from harness.core.processes import process_alive
from harness.store.queries import search_all
from harness.store.tracking import Tracker
from harness.version import __version__


CODE_TAGS = (GIT_SHA_TAG, GIT_DIFF_TAG)  # what names the project's code a run measured (beside harness_version)


def same_code(tags, code: dict[str, str]) -> bool:
    """Whether a run's tags (a mapping) name the project code `code` (harness.core.project.project_tags; {} outside
    git): the same commit and the same uncommitted changes."""
    return all((tags.get(t) or "") == (code.get(t) or "") for t in CODE_TAGS)


def finished_runs(tracker: Tracker, suite: str, config_ids: set[str], code: dict[str, str]) -> dict[str, str]:
    """config_id -> run_id of the newest FINISHED child run of this harness version and project code `code`, for the
    ids asked about."""
    exp = tracker.client.get_experiment_by_name(suite)
    if exp is None:
        return {}
    filt = (f"tags.`{ROLE_TAG}` = '{CHILD}' and attributes.status = 'FINISHED' "
            f"and tags.harness_version = '{__version__}'")
    done: dict[str, tuple[int, str]] = {}
    for run in search_all(tracker.client, exp.experiment_id, filt):
        cid = run.data.tags.get(CONFIG_ID_TAG)
        if cid in config_ids and same_code(run.data.tags, code) and (cid not in done or run.info.start_time > done[cid][0]):
            done[cid] = (run.info.start_time, run.info.run_id)
    return {cid: run_id for cid, (_, run_id) in done.items()}


def sweep_abandoned(tracker: Tracker, suite: str) -> list[str]:
    """Mark KILLED every RUNNING run of the suite whose driving process on this host is gone; returns their ids."""
    exp = tracker.client.get_experiment_by_name(suite)
    if exp is None:
        return []
    running = search_all(tracker.client, exp.experiment_id, "attributes.status = 'RUNNING'")
    parents = {r.info.run_id: r for r in running if r.data.tags.get(ROLE_TAG) == PARENT}
    dead_parents: dict[str, bool] = {}

    def parent_dead(parent_id: str | None) -> bool:
        if parent_id not in dead_parents:
            if parent_id in parents:
                dead_parents[parent_id] = process_alive(parents[parent_id].data.tags.get(PROC_TAG, "")) is False
            elif parent_id:  # the parent already ended (FINISHED/KILLED/FAILED): a child still RUNNING is orphaned
                dead_parents[parent_id] = tracker.client.get_run(parent_id).info.status != "RUNNING"
            else:
                dead_parents[parent_id] = False  # a lone `harness train` run: nothing says who drives it
        return dead_parents[parent_id]

    swept = []
    for run in running:
        role = run.data.tags.get(ROLE_TAG)
        owner = run.info.run_id if role == PARENT else run.data.tags.get(PARENT_TAG)
        if parent_dead(owner):
            tracker.finish(run.info.run_id, "KILLED", stop_reason="abandoned")
            swept.append(run.info.run_id)
    return swept


def kill_running_children(tracker: Tracker, suite: str, parent_run_id: str) -> list[str]:
    """Mark KILLED the children of a parent still RUNNING once its workers are stopped (their process was killed)."""
    exp = tracker.client.get_experiment_by_name(suite)
    if exp is None:
        return []
    filt = f"attributes.status = 'RUNNING' and tags.`{PARENT_TAG}` = '{parent_run_id}'"
    ids = [r.info.run_id for r in search_all(tracker.client, exp.experiment_id, filt)]
    for run_id in ids:
        tracker.finish(run_id, "KILLED", stop_reason="interrupted")
    return ids
