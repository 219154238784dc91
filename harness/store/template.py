"""A new SQLite store from a migrated, empty template: MLflow builds a store's schema by replaying its ~70 database
migrations, 3-7 s of both cores on our 2-core machine, on the first command in every new folder; a copy takes
milliseconds.

The template is made once per MLflow version by MLflow itself (the same migrations, into a file of its own) and kept
in the user's cache ($XDG_CACHE_HOME/harness, else ~/.cache/harness). A copy differs from a store MLflow would have
made in one place only, its Default experiment's artifact location and creation time, which are set here as MLflow
sets them (its artifact root './mlruns' resolved against the working directory, then '/0'). Where anything is
unusual (a server process's artifact root, MLflow workspaces, an unwritable cache) the store is left to MLflow.
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import time
from pathlib import Path

# MLflow's own settings that change what a new store holds: with either set, MLflow makes the store itself.
MLFLOW_SETTINGS = ("_MLFLOW_SERVER_ARTIFACT_ROOT", "MLFLOW_ENABLE_WORKSPACES")


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "harness"


def _template() -> Path | None:
    """The migrated empty store of this MLflow version, made now where missing; None where it cannot be."""
    import mlflow
    from mlflow.tracking import MlflowClient

    path = cache_dir() / f"mlflow-{mlflow.__version__}-empty.db"
    if path.exists():
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, scratch = tempfile.mkstemp(dir=path.parent, suffix=".db")
        os.close(fd)
        os.unlink(scratch)  # MLflow creates the file itself
        MlflowClient(tracking_uri=f"sqlite:///{scratch}").search_experiments(max_results=1)
        os.replace(scratch, path)  # whole or absent: another process making it at the same time is harmless
    except OSError:
        return None
    return path


def seed(path: Path) -> bool:
    """Create the store at `path` (absent) as a copy of the template; False where MLflow should make it itself.

    Never overwrites: the copy is written beside `path` and linked into place only if `path` is still absent."""
    if any(os.environ.get(s) for s in MLFLOW_SETTINGS) or path.exists():
        return False
    template = _template()
    if template is None:
        return False
    from mlflow.store.tracking import DEFAULT_LOCAL_FILE_AND_ARTIFACT_PATH
    from mlflow.utils.uri import append_to_uri_path, resolve_uri_if_local

    default_location = append_to_uri_path(resolve_uri_if_local(DEFAULT_LOCAL_FILE_AND_ARTIFACT_PATH), "0")
    now_ms = int(time.time() * 1000)
    fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
    os.close(fd)
    try:
        with contextlib.closing(sqlite3.connect(template)) as source, \
                contextlib.closing(sqlite3.connect(scratch)) as target:
            source.backup(target)
            target.execute("UPDATE experiments SET artifact_location = ?, creation_time = ?, last_update_time = ? "
                           "WHERE experiment_id = 0", (default_location, now_ms, now_ms))
            target.commit()
        os.link(scratch, path)
    except FileExistsError:  # another process made the store meanwhile: theirs stands
        pass
    except (OSError, sqlite3.DatabaseError):  # no hard links here, or a damaged template: MLflow makes the store
        return False
    finally:
        os.unlink(scratch)
    return True
