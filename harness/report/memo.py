"""`harness report` printed again in a fraction of a second when nothing it was made from has changed.

A report is a function of: the store's content, the files under the reported parent run's artifact
folder, the harness and suites source, the libraries that read and draw, and the request (suite,
--run, --out, --format, working directory). `harness report` (and `harness run`, which ends by
writing its invocation's report) records what it printed and wrote under the request; a later
report with the same request prints it again, without importing MLflow (2-3 s of imports on a
2-core machine), only when all of these are unchanged:

- every row of every table of the SQLite file, read with the standard library's sqlite3 (read-only).
  Rows, not bytes: a WAL checkpoint or a VACUUM moves bytes and changes no row; any write (a new
  run, a tag, a status) changes a row. A store that changes while a report reads it is not recorded.
- the name, size and mtime of every file under the parent run's artifact folder (but report/, where
  reports log their own output);
- the source of harness/ and suites/, and the versions of Python, MLflow, matplotlib, pandas, numpy;
- every file the report wrote, byte for byte (sha256): one deleted or edited is a miss.

Anything else is a miss, and the report is made from the store as always. Only local SQLite stores up
to MAX_STORE_BYTES (reading every row costs ~0.1 s per 5 MB) and the suites shipped in suites/; never
a tracking server, a suite given as a .py file or registered at run time (code this digest does not
cover). Memos live in $XDG_CACHE_HOME/harness/reports (~/.cache/...); HARNESS_REPORT_CACHE=0 turns them off.
Standard library only: the point is not to import MLflow.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from harness.core import text
from harness.core.contract import REPORT_DIR
from harness.core.names import PACKAGE, suite_index, suites_dir
from harness.store.location import sqlite_path

MAX_STORE_BYTES = 256 * 2**20
LIBRARIES = ("mlflow", "matplotlib", "pandas", "numpy")


def view(wide: bool) -> str:
    """How a text report is laid out, part of its request: whole tables, or the terminal's width now."""
    return "wide" if wide else f"{text.width()} columns"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "harness" / "reports"


@dataclass(frozen=True)
class Request:
    """What `harness report` was asked for, with the store it reads: the key of a memo."""

    db: Path  # the SQLite file, absolute
    suite: str
    run: str | None
    out: str | None
    fmt: str
    view: str = ""  # how text is laid out: the terminal's width ('120 columns') or 'wide'

    @classmethod
    def of(cls, uri: str, suite: str, run: str | None, out: str | None, fmt: str, view: str = "") -> "Request | None":
        """The request, or None where no memo applies: a server, a suite not shipped in suites/ (a .py file, one
        registered at run time: its code is not in the digest), a large store, or turned off."""
        db = sqlite_path(uri)
        if (db is None or suite not in suite_index() or os.environ.get("HARNESS_REPORT_CACHE", "1") == "0"
                or not db.is_file() or db.stat().st_size > MAX_STORE_BYTES):
            return None
        return cls(db.resolve(), suite, run, out, fmt, view)

    def path(self) -> Path:
        key = json.dumps([str(self.db), os.getcwd(), self.suite, self.run, self.out, self.fmt, self.view])
        return cache_dir() / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"


def store_digest(db: Path) -> str | None:
    """sha256 over every row of every table, tables by name; None when the file cannot be read as a store."""
    h = hashlib.sha256()
    try:
        conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=10)
        try:
            with conn:  # one read transaction: a consistent snapshot
                tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
                for table in tables:
                    h.update(f"\0table {table}\0".encode())
                    for row in conn.execute(f'SELECT * FROM "{table}"'):
                        h.update(repr(row).encode())
                        h.update(b"\n")
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return h.hexdigest()


def folder_digest(folder: str | None) -> str:
    """Name, size and mtime of every file under a local folder but its report/ ('' for none; 'absent' when it does not exist)."""
    if not folder:
        return ""
    root = Path(folder)
    if not root.is_dir():
        return "absent"
    entries = []
    for dirpath, dirs, files in os.walk(root):
        if Path(dirpath) == root and REPORT_DIR in dirs:
            dirs.remove(REPORT_DIR)  # what reports log: their own output, never read into what they print
        for name in files:
            st = os.stat(os.path.join(dirpath, name))
            entries.append(f"{os.path.relpath(os.path.join(dirpath, name), root)}\t{st.st_size}\t{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()


def code_digest() -> str:
    """The harness and suites source and the versions of what reads the store and draws the plots."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256(sys.version.encode())
    for lib in LIBRARIES:
        try:
            h.update(f"{lib} {version(lib)}\n".encode())
        except PackageNotFoundError:
            h.update(f"{lib} none\n".encode())
    for folder in (PACKAGE, suites_dir()):
        for path in sorted(folder.rglob("*.py")):  # the layer folders too (harness/judge/, harness/report/, ...)
            h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def file_sha(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def local_folder(artifact_uri: str) -> str | None:
    """The local folder of a file:// (or plain path) artifact URI; None for a remote one."""
    parsed = urlparse(artifact_uri)
    if parsed.scheme in ("", "file"):
        return unquote(parsed.path)
    return None


def replay(request: Request | None) -> bool:
    """Print a recorded report again when nothing it was made from changed; whether it did."""
    if request is None:
        return False
    try:
        memo = json.loads(request.path().read_text())
    except (OSError, ValueError):
        return False
    if (memo.get("code") != code_digest() or memo.get("store") != store_digest(request.db)
            or memo.get("artifacts") != folder_digest(memo.get("artifact_folder"))
            or any(file_sha(p) != sha for p, sha in memo.get("files", {}).items())):
        return False
    sys.stdout.write(memo["stdout"])
    sys.stderr.write(memo["stderr"])
    return True


def record(request: Request | None, store_before: str | None, artifact_uri: str, stdout: str, stderr: str,
           files: list[Path]) -> bool:
    """Remember what a report printed and wrote; only when the store did not change while it was made."""
    if request is None or store_before is None:
        return False
    folder = local_folder(artifact_uri)
    if folder is None or store_digest(request.db) != store_before:
        return False
    memo = {"code": code_digest(), "store": store_before, "artifact_folder": folder,
            "artifacts": folder_digest(folder), "files": {str(Path(p).resolve()): file_sha(str(p)) for p in files},
            "stdout": stdout, "stderr": stderr}
    path = request.path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(memo))
        os.replace(tmp, path)  # whole or not at all: a reader never sees half a memo
    except OSError:
        return False  # a read-only home: reports are made from the store every time
    return True
