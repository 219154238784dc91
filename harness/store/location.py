"""Where the store is: tracking-URI resolution and the checks that refuse an unusable store before anything is written."""
from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from urllib.parse import urlparse

from harness.core.contract import DEFAULT_TRACKING_URI


class StoreError(RuntimeError):
    """The tracking store cannot be used; the message is one line saying why."""


def resolve_tracking_uri(cli_value: str | None = None) -> str:
    """--tracking-uri, else MLFLOW_TRACKING_URI, else the local SQLite store under mlruns/."""
    return cli_value or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


def sqlite_path(uri: str) -> Path | None:
    if not uri.startswith("sqlite:///"):
        return None
    return Path(uri[len("sqlite:///"):])


def check_store(uri: str) -> None:
    """Fail early, writing nothing, when a store is plainly unusable."""
    path = sqlite_path(uri)
    if path is not None and path.is_dir():
        raise StoreError(f"tracking store {uri!r}: {path} is a folder, not an SQLite database file")
    if path is not None and path.exists():
        _check_mlflow_tables(uri, path)
    if path is not None and path.parent.exists() and not path.parent.is_dir():
        raise StoreError(f"tracking store {uri!r}: {path.parent} is a file, not a folder")
    scheme = urlparse(uri).scheme
    if scheme in ("", "file"):
        raise StoreError(f"tracking URI {uri!r} is a plain folder store, which MLflow 3 refuses; use e.g. {DEFAULT_TRACKING_URI}")
    if scheme in ("http", "https"):
        _check_server(uri)


def _check_mlflow_tables(uri: str, path: Path) -> None:
    """Refuse a file that is not SQLite, or an SQLite file holding some other program's tables (MLflow would add
    its schema to it).

    Only through sqlite3, never a plain open(): closing any file descriptor of a database drops every POSIX
    lock this process holds on it, including those of an open MLflow connection, and in WAL mode that lets
    another process reset the log under it and lose its writes.
    """
    import sqlite3

    for attempt in range(5):
        try:
            tables = _tables(path)
            break
        except sqlite3.OperationalError as e:  # transient while another process opens or closes the WAL files
            if attempt == 4:
                raise StoreError(f"tracking store {uri!r}: {path} cannot be read now ({e})") from None
            time.sleep(0.2 * (attempt + 1))
        except sqlite3.DatabaseError as e:
            if "not a database" in str(e):
                raise StoreError(f"tracking store {uri!r}: {path} is not an SQLite database") from None
            raise StoreError(f"tracking store {uri!r}: {path} cannot be read as an SQLite database ({e})") from None
    if tables and "experiments" not in tables:
        raise StoreError(f"tracking store {uri!r}: {path} is an SQLite database but not an MLflow store "
                         f"(tables: {', '.join(sorted(tables)[:5])})")


def _tables(path: Path) -> set[str]:
    """The table names, read-only; read-write (still changing nothing) where WAL mode needs its -shm file created."""
    import sqlite3

    def read(mode: str) -> set[str]:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True)) as db:
            return {r[0] for r in db.execute("select name from sqlite_master where type='table'")}

    try:
        return read("ro")
    except sqlite3.OperationalError:
        return read("rw")


def _check_server(uri: str, timeout_s: float = 5.0) -> None:
    """A tracking server must answer now, and accept this process's credentials (MLFLOW_TRACKING_USERNAME and
    _PASSWORD): MLflow's client would otherwise retry for minutes, or fail mid-suite, before saying so."""
    from harness.store.remote import probe

    probe(uri, timeout_s, error=StoreError)


def absolute_uri(uri: str) -> str:
    """A relative sqlite:/// path made absolute, so worker processes and Ray tasks open the same file."""
    path = sqlite_path(uri)
    return f"sqlite:///{path.resolve()}" if path is not None and not path.is_absolute() else uri


def existing_store_uri(cli_value: str | None) -> str:
    """The resolved URI of a store that must already exist: reading commands never create an empty one."""
    uri = resolve_tracking_uri(cli_value)
    path = sqlite_path(uri)
    if path is not None and not path.exists():
        raise StoreError(f"no store at {path} (tracking URI {uri!r}); run a suite first or pass --tracking-uri")
    return uri


BUSY_TIMEOUT_MS = 60_000  # how long a write waits for another process's write to the SQLite file to end
_configured: set[str] = set()


def configure_sqlite(uri: str, wal: bool = False) -> None:
    """Make an SQLite store safe for concurrent readers and writers: a busy timeout on every connection this
    process opens (SQLAlchemy's engine-wide connect event, which MLflow's engine honours), and, with `wal`, the
    file switched once to write-ahead logging (persistent: readers then never block writers, nor writers readers)."""
    path = sqlite_path(uri)
    if path is None:
        return
    if "listener" not in _configured:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        def busy_timeout(dbapi_conn, record) -> None:
            if type(dbapi_conn).__module__.startswith("sqlite3"):
                dbapi_conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                # In WAL mode (only), NORMAL syncs at checkpoints instead of every commit (~20 ms each here): a crash of
                # the process loses nothing; only a power cut may drop the last commits (sqlite.org/pragma.html)
                if dbapi_conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                    dbapi_conn.execute("PRAGMA synchronous = NORMAL")

        event.listen(Engine, "connect", busy_timeout)
        _configured.add("listener")
    if wal and path.is_file():
        import sqlite3

        try:  # a no-op on a store already in WAL mode; through sqlite3, which keeps this process's locks intact
            with contextlib.closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)) as db:
                if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    db.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError:
            pass  # another process holds the file right now; the next tracker opening it tries again


# A get-or-create that lost a race: two writers (workers starting their first runs together) both missed
# the row and both inserted it; the loser's insert is rolled back, and the same write, repeated, finds the row.
DUPLICATE_KEY = ("UNIQUE constraint failed", "duplicate key value violates unique constraint")


def _retry(write, transient: tuple[str, ...], attempts: int, wait_s: float):
    for attempt in range(attempts):
        try:
            return write()
        except Exception as e:  # MLflow wraps the driver's error (sqlite3, psycopg, the server's 400) in its own types
            if not any(m in str(e) for m in transient) or attempt == attempts - 1:
                raise
            time.sleep(wait_s * (attempt + 1))


def retry_locked(write, attempts: int = 5, wait_s: float = 1.0):
    """Run a store write, retrying while SQLite says the database is locked (past even the busy timeout)."""
    return _retry(write, ("database is locked",), attempts, wait_s)


def retry_duplicate(write, attempts: int = 4, wait_s: float = 0.05):
    """Run a get-or-create store write (MLflow's log_inputs), repeating it when a concurrent writer inserted the
    same row first; a database still locked is waited out as by retry_locked."""
    return _retry(lambda: retry_locked(write), DUPLICATE_KEY, attempts, wait_s)
