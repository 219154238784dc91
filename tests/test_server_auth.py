"""Authentication against MLflow's basic-auth app (a real `mlflow server --app-name basic-auth` on PostgreSQL).

Credentials come the MLflow way (MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD). Missing or
wrong ones are refused in one line, exit 2, before anything is written; right ones write, and the
credentials show up in no param, tag, artifact or output of the harness.
"""
from __future__ import annotations

import base64
import json
import re
import secrets
import urllib.request
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from harness.cli.main import main
from tests.server_fixtures import ADMIN, cli

pytestmark = pytest.mark.server
SUITE = "bn-saturating"  # at --scale ci --seeds 1: 2 runs of 8 epochs


def as_user(user: str, password: str) -> dict[str, str]:
    return {"MLFLOW_TRACKING_USERNAME": user, "MLFLOW_TRACKING_PASSWORD": password}


def admin_request(server, path: str, body: dict) -> None:
    token = base64.b64encode(f"{ADMIN[0]}:{ADMIN[1]}".encode()).decode()
    request = urllib.request.Request(server.url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=30).close()


def experiments_as_admin(server, monkeypatch) -> list[str]:
    for key, value in as_user(*ADMIN).items():
        monkeypatch.setenv(key, value)
    return sorted(e.name for e in MlflowClient(server.url).search_experiments())


@pytest.fixture(scope="module")
def user(auth_server):
    """A user of the team's server, made by its admin, with a password nobody else uses."""
    name, password = f"harness-ci-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    admin_request(auth_server, "/api/2.0/mlflow/users/create", {"username": name, "password": password})
    return name, password


@pytest.mark.parametrize("command, credentials, says", [
    (("run", SUITE, "--scale", "ci", "--seeds", "1"), ("", ""), "requires credentials (HTTP 401)"),
    (("compare", "0" * 32, "1" * 32), ("admin", "not-the-admin-password"), "refused the credentials (HTTP 401)"),
])
def test_missing_or_wrong_credentials_are_one_line_exit_2_and_write_nothing(auth_server, monkeypatch, command,
                                                                             credentials, says):
    before = experiments_as_admin(auth_server, monkeypatch)
    out = cli(*command, "--tracking-uri", auth_server.url, env=as_user(*credentials))
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert out.stderr.startswith(f"harness: error: tracking server {auth_server.url} {says}: set "
                                 f"MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD"), out.stderr
    assert credentials[1] == "" or credentials[1] not in out.stderr + out.stdout
    assert experiments_as_admin(auth_server, monkeypatch) == before  # nothing written


def test_an_authenticated_user_writes_and_the_credentials_are_recorded_nowhere(auth_server, user, monkeypatch,
                                                                                tmp_path):
    name, password = user
    out = cli("run", SUITE, "--scale", "ci", "--seeds", "1", "--no-progress", "--tracking-uri", auth_server.url,
              env=as_user(name, password))
    assert out.returncode == 0, out.stderr
    assert "View run" not in out.stdout  # the verdict table alone: MLflow's per-run links are turned off
    parent_id = re.search(r"parent run ([0-9a-f]{32})", out.stdout).group(1)  # the full id

    for key, value in as_user(name, password).items():
        monkeypatch.setenv(key, value)  # read back as the same user
    client = MlflowClient(auth_server.url)
    parent = client.get_run(parent_id)
    runs = [parent, *client.search_runs([parent.info.experiment_id], f"tags.`mlflow.parentRunId` = '{parent_id}'")]
    assert len(runs) == 3 and {r.info.status for r in runs} == {"FINISHED"}
    recorded, files = [out.stdout, out.stderr], []
    for run in runs:
        recorded += [*run.data.params.values(), *run.data.tags.values(), *run.data.params, *run.data.tags]
        local = Path(client.download_artifacts(run.info.run_id, "", str(tmp_path / run.info.run_id)))
        files += [p for p in local.rglob("*") if p.is_file()]
    assert {"verdict.txt", "verdict.json", "judged_runs.json"} <= {p.name for p in files}  # artifacts were read
    recorded += [p.read_bytes().decode("utf-8", "replace") for p in files]
    for secret in (name, password):
        assert not [text[:80] for text in recorded if secret in text]


def test_credentials_in_the_uri_are_used_and_never_shown(auth_server, user, monkeypatch, capsys):
    name, password = user
    for key in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
        monkeypatch.delenv(key, raising=False)
    host = auth_server.url.split("://", 1)[1]
    # Wrong ones: refused in one line that shows the URI without them.
    assert main(["compare", "0" * 32, "1" * 32, "--tracking-uri", f"http://{name}:not-{password}@{host}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"harness: error: tracking server {auth_server.url} refused the credentials (HTTP 401)"), err
    assert password not in err and name not in err
    # Right ones: past the probe, to the next check (no such run), still without them in the line.
    assert main(["compare", "0" * 32, "1" * 32, "--tracking-uri", f"http://{name}:{password}@{host}"]) == 2
    err = capsys.readouterr().err
    assert "refused" not in err and "requires credentials" not in err and password not in err, err
