"""Copies of SQLite stores for tests."""
from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
from pathlib import Path


def copy_store(src: Path, dst: Path) -> None:
    """A consistent copy of an SQLite store, write-ahead log included (a plain file copy could miss pages the
    open template connection has not checkpointed yet)."""
    with contextlib.closing(sqlite3.connect(src)) as source, contextlib.closing(sqlite3.connect(dst)) as target:
        source.backup(target)  # the copy stays in WAL mode, like a store the harness has opened before


def stop_group(proc: subprocess.Popen, timeout_s: float = 15) -> None:
    """SIGTERM a server's whole process group, then SIGKILL it if it lingers."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
