"""A team's store, for real: a throwaway PostgreSQL and an `mlflow server` on it, both on 127.0.0.1 only.

Imported by the root conftest.py (fixtures `pg_database`, `mlflow_server`, `auth_server`) and by
ci/store_load.py (the classes). Nothing is mocked: PostgreSQL runs from Debian's binaries
(/usr/lib/postgresql/*/bin; `.ci/run` installs them with apt, best effort) and MLflow's own server
talks to it through psycopg 3 (extra [server]). Without them the fixtures skip, saying why.
Every process started here is stopped in a finalizer, on failure too.
"""
from __future__ import annotations

import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# MLflow's job runner (8 extra processes) serves GenAI features the harness does not use: off, on a 2-core CI box.
SERVER_ENV = {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}


class Unavailable(Exception):
    """PostgreSQL or psycopg cannot be had here: the fixtures skip with this reason."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise Unavailable("no PostgreSQL binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401  (MLflow's postgresql+psycopg stores need it)
    except ImportError:
        raise Unavailable("psycopg is not installed: pip install -e '.[server]'") from None
    return Path(found[-1]).parent


def _as_postgres(argv: list[str], **kw) -> subprocess.CompletedProcess:
    """initdb refuses to run as root: as root, run PostgreSQL's tools as the user `postgres`."""
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            raise Unavailable("running as root without runuser: cannot start PostgreSQL as user postgres")
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, **kw)


class Postgres:
    """A throwaway cluster in a temporary folder: trust auth, TCP on 127.0.0.1 only, no Unix socket elsewhere."""

    def __init__(self):
        self.bin = pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="harness-pg-"))
        self.data, self.port = self.dir / "data", free_port()
        self.started = False
        if os.geteuid() == 0:
            try:
                shutil.chown(self.dir, "postgres")
            except (LookupError, OSError) as e:
                shutil.rmtree(self.dir, ignore_errors=True)
                raise Unavailable(f"no user postgres to run PostgreSQL as ({e})") from None
        os.chmod(self.dir, 0o755)

    def start(self) -> "Postgres":
        init = _as_postgres([str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                             "-E", "UTF8", "--no-sync"])
        if init.returncode:
            raise Unavailable(f"initdb failed: {init.stderr.strip()[-300:]}")
        # fsync off: a test store that dies with the machine loses nothing anyone needs; it halves commit latency.
        opts = f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off -c max_connections=200"
        start = _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
                              "-o", opts, "-w", "-t", "60", "start"])
        if start.returncode:
            raise Unavailable(f"pg_ctl start failed: {start.stderr.strip()[-300:]}")
        self.started = True
        return self

    def create_db(self, name: str) -> str:
        """A new empty database; its SQLAlchemy URI for MLflow."""
        out = _as_postgres([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name])
        if out.returncode:
            raise RuntimeError(f"createdb {name} failed: {out.stderr.strip()}")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.started:
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)


class MlflowServer:
    """`mlflow server` on a backend store, serving artifacts from a folder of its own; start() waits for /health.

    One worker process by default: it serves concurrent requests (each on a thread of its own), and a second
    worker costs ~5.5 CPU-s a start (it imports MLflow's app again: 15 vs 9.5 CPU-s a start, measured 2026-12-07,
    AMD EPYC 2 cores), with ~7 starts a test session. ci/store_load.py sets its own count."""

    def __init__(self, backend_uri: str, artifacts: Path, app_name: str | None = None, env: dict | None = None,
                 port: int | None = None, workers: int = 1, extra_args: tuple[str, ...] = ()):
        self.backend_uri, self.artifacts, self.app_name, self.workers = backend_uri, artifacts, app_name, workers
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **SERVER_ENV, **(env or {})}
        self.extra_args = list(extra_args)  # e.g. ("--gunicorn-opts", "--workers 4"): gunicorn instead of uvicorn
        self.proc: subprocess.Popen | None = None
        self.log = artifacts.parent / f"mlflow-server-{self.port}.log"

    def start(self, timeout_s: float = 120) -> "MlflowServer":
        argv = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", self.backend_uri,
                "--serve-artifacts", "--artifacts-destination", str(self.artifacts),
                "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]
        if self.app_name:
            argv += ["--app-name", self.app_name]
        argv += self.extra_args
        self.artifacts.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:  # its own session: stop() ends the server and its workers together
            self.proc = subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mlflow server exited {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(self.url + "/health", timeout=2).close()
                return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"mlflow server not up after {timeout_s}s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(15)
        except ProcessLookupError:
            pass


def cli(*argv: str, env: dict | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    """`python -m harness.cli.main ...` from the checkout, in a session of its own (killed whole on timeout)."""
    proc = subprocess.Popen([sys.executable, "-m", "harness.cli.main", *argv], cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"harness {' '.join(argv)} ran past {timeout}s")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.fixture(scope="session")
def pg_cluster():
    """One PostgreSQL per session; skips (with the reason) where it cannot be had."""
    try:
        pg = Postgres()
    except Unavailable as e:
        pytest.skip(reason=f"no PostgreSQL for the server tests: {e}")
    try:
        pg.start()
    except Unavailable as e:
        pg.stop()
        pytest.skip(reason=f"no PostgreSQL for the server tests: {e}")
    yield pg
    pg.stop()


@pytest.fixture(scope="session")
def mlflow_server(pg_cluster, tmp_path_factory):
    """An MLflow tracking server on PostgreSQL with served artifacts: its http:// URL, shared by the session.
    Tests keep apart by experiment name (each suite writes its own experiment)."""
    server = MlflowServer(pg_cluster.create_db("harness"), tmp_path_factory.mktemp("served") / "artifacts")
    try:
        server.start()
        yield server
    finally:
        server.stop()


# This session's admin of the basic-auth server: MLflow refuses the old default password1234 for a new user store.
ADMIN = ("admin", secrets.token_urlsafe(16))


@pytest.fixture(scope="session")
def auth_server(pg_cluster, tmp_path_factory):
    """The same, behind MLflow's basic-auth app: users in a database of its own (on the same PostgreSQL)."""
    tmp = tmp_path_factory.mktemp("auth")
    ini = tmp / "basic_auth.ini"
    ini.write_text("[mlflow]\ndefault_permission = READ\n"
                   f"database_uri = {pg_cluster.create_db('harness_auth')}\n"
                   f"admin_username = {ADMIN[0]}\nadmin_password = {ADMIN[1]}\n"
                   "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
                   # Without the cache every request hashes the password (PBKDF2): per-epoch logging crawls.
                   "auth_cache_ttl_seconds = 60\n")
    server = MlflowServer(pg_cluster.create_db("harness_authed"), tmp / "artifacts", app_name="basic-auth",
                          # Flask's CSRF key must be the same across the server's workers: any fixed value, per run.
                          env={"MLFLOW_AUTH_CONFIG_PATH": str(ini), "MLFLOW_FLASK_SERVER_SECRET_KEY": secrets.token_hex(16)})
    try:
        server.start()
        yield server
    finally:
        server.stop()
