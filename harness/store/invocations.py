"""Invocations made findable: their names and params, `harness runs`, run-id prefixes, the UI on the runs table."""
from __future__ import annotations

import json
import os
import sys
import time

from mlflow.tracking import MlflowClient

from harness.core import text
from harness.core.contract import (CHECKS_TAG, EXPERIMENT_KIND, EXPERIMENT_KIND_TAG, N_CONFIGS_TAG, RESUMED_TAG,
                                   SUITE_TAG, null_experiment, verdict_tag)
from harness.store.queries import QueryError, parent_runs


def parent_name(suite_name: str, configs, scale: str) -> str:
    """What the UI's run list shows: suite, scale, seeds, device, short time, e.g. 'bn-walltime ci 2 seeds cpu 11-28 06:40'."""
    return f"{suite_name} {scale} {len({c.seed for c in configs})} seeds {configs[0].device} {time.strftime('%m-%d %H:%M')}"


def experiment_description(suite) -> str:
    """A suite experiment's description in the UI: the claim and where it comes from."""
    return f"{suite.claim}\n\nSource: {suite.source}"


def parent_params(configs, options) -> dict[str, str]:
    """An invocation's settings as MLflow params, so the UI's run comparison shows them."""
    first = configs[0]
    return {"scale": options.scale, "seeds": str(len({c.seed for c in configs})), "threads": str(first.threads),
            "device": first.device, "engine": options.engine, "workers": str(options.workers),
            "force": str(options.force), N_CONFIGS_TAG: str(len(configs))}


def resume_message(total: int, reused: int, todo: int) -> str:
    """What resume does, said before the progress bar."""
    if not reused:
        return f"running {todo} runs"
    if not todo:
        return f"all {total} runs already in the store (--force reruns them); judging them again"
    return f"{reused} of {total} runs already in the store; running {todo}"


def say(line: str) -> None:
    """A line for the person at the terminal (stderr, so stdout stays the result)."""
    print(line, file=sys.stderr, flush=True)


def resolve_run_id(client: MlflowClient, text: str, suite: str | None = None) -> str:
    """A full parent run id from an id or a unique prefix; QueryError (one line, exit 2) when none or several match."""
    parents = parent_runs(client, suite)
    matches = [p.info.run_id for p in parents if p.info.run_id.startswith(text.lower())]
    if len(matches) == 1:
        return matches[0]
    where = f" of suite {suite!r}" if suite else ""
    if matches:
        raise QueryError(f"ambiguous run {text!r}: {len(matches)} invocations{where} start with it: "
                         f"{', '.join(m[:12] for m in matches[:8])}")
    newest = ", ".join(f"{p.info.run_id[:8]} ({p.data.tags.get(SUITE_TAG, '?')})" for p in parents[:5])
    what = f"not an invocation of suite {suite!r}" if suite else "no such run"
    raise QueryError(f"invalid run {text!r}: {what} (no invocation's id starts with it); newest: {newest or 'none'}")


def _verdict_counts(tags: dict[str, str]) -> str:
    """'5 supported, 1 undecided; 2 checks passed': the outcomes an invocation's claim rows came to, in words, zeros
    left unsaid; the rows that check the implementation (CHECKS_TAG) are not evidence, so they are counted apart."""
    checks = {verdict_tag(k) for k in json.loads(tags.get(CHECKS_TAG, "[]"))}
    outcomes = [v for k, v in tags.items() if k.startswith(verdict_tag("")) and k not in checks]
    checked = [v for k, v in tags.items() if k in checks]
    if not outcomes and not checked:
        return "no verdict"
    said = {"supported": "supported", "refuted": "refuted", "inconclusive": "undecided"}
    claims = ", ".join(f"{outcomes.count(o)} {w}" for o, w in said.items() if outcomes.count(o))
    passed = {"supported": "passed", "refuted": "FAILED", "inconclusive": "undecided"}
    apart = ", ".join(f"{checked.count(o)} {w}" for o, w in passed.items() if checked.count(o))
    return "; ".join(filter(None, [claims, apart and f"checks: {apart}"]))


def invocation_lines(client: MlflowClient, suite: str | None = None) -> list[str]:
    """`harness runs`: one line per invocation, newest first; a suite's A/A invocations (--null, in an experiment of
    their own) with its real ones, their suite shown as 'SUITE (null)'."""
    rows = [("id", "started", "suite", "scale", "seeds", "threads", "device", "status", "reused/ran", "verdicts")]
    parents = parent_runs(client, suite) + (parent_runs(client, null_experiment(suite)) if suite else [])
    for p in sorted(parents, key=lambda p: -p.info.start_time):
        t, params = p.data.tags, p.data.params
        get = lambda k: params.get(k) or t.get(k, "?")  # noqa: E731 -- params since this version, tags before
        reused = int(t.get(RESUMED_TAG, "0") or 0)
        # the tag, where adaptive seeds grew the grid after the params were written (params never change)
        asked = t.get(N_CONFIGS_TAG) or get(N_CONFIGS_TAG)
        ran = int(asked) - reused if asked.isdigit() else "?"
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(p.info.start_time / 1000))
        rows.append((p.info.run_id[:8], started, t.get(SUITE_TAG, "?"), get("scale"), get("seeds"), get("threads"),
                     get("device"), p.info.status, f"{reused}/{ran}", _verdict_counts(t)))
    if len(rows) == 1:
        return ["no invocations in this store" + (f" for suite {suite!r}" if suite else "")]
    rows = [tuple(map(str, r)) for r in rows]
    return text.table(rows, text.width(), flexible=(2, 9)).splitlines()  # suite and verdicts wrap where they must


UI_HOST, UI_PORT = "127.0.0.1", 5000  # `harness ui`'s defaults: where a printed link points
# The UI's "Model training" view (runs table, metrics, artifacts). MLflow 3 opens pages in its GenAI view
# (evaluations, traces) unless the link asks; the experiment kind tag alone does not carry to run pages.
TRAINING_VIEW = "workflowType=machine_learning"


def ui_link(experiment_id: str | None = None, run_id: str | None = None, host: str = UI_HOST,
            port: int = UI_PORT) -> str:
    """A link into the MLflow UI in its model-training view: the home page, an experiment's runs, or a run's page."""
    page = ("" if experiment_id is None else f"experiments/{experiment_id}/runs" +
            (f"/{run_id}" if run_id else ""))
    return f"http://{host}:{port}/#/{page}?{TRAINING_VIEW}"


def close_span(client: MlflowClient, run_id: str) -> None:
    """End a finished parent run's span now, its status kept: the invocation goes on past the judging (the report,
    the answer), and the UI's duration should be the whole invocation's."""
    run = client.get_run(run_id)
    if run.info.status != "RUNNING":
        client.set_terminated(run_id, status=run.info.status)


def classic_view(client: MlflowClient) -> list:
    """Mark every suite experiment as classic model development, so the UI opens it on its runs table
    (MLflow 3 otherwise opens an experiment of unknown kind on its GenAI overview); returns them."""
    exps = [e for e in client.search_experiments() if e.name != "Default"]
    for e in exps:
        if e.tags.get(EXPERIMENT_KIND_TAG) != EXPERIMENT_KIND:
            client.set_experiment_tag(e.experiment_id, EXPERIMENT_KIND_TAG, EXPERIMENT_KIND)
    return exps


def serve_ui(tracker, host: str, port: int) -> None:
    """Replace this process with the MLflow server (UI + REST API) on the store, printing each suite's runs-table link."""
    argv = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", tracker.uri,
            "--host", host, "--port", str(port), "--workers", "1"]
    # MLflow's job runner (8 extra processes) serves GenAI features the harness does not use; an explicit setting wins.
    os.environ.setdefault("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
    exps = classic_view(tracker.client)
    print(f"MLflow UI on {tracker.uri}: {ui_link(host=host, port=port)}  (Ctrl-C stops it)", file=sys.stderr)
    for exp in exps:  # each opens on its runs table, in the model-training view
        print(f"  {exp.name}: {ui_link(exp.experiment_id, host=host, port=port)}", file=sys.stderr)
    sys.stderr.flush()
    os.execv(sys.executable, argv)
