"""The user's project: its suite files imported by path (in the command's process and in every worker's), and the
code a result was measured with: the commit and uncommitted changes of a git repository (the user's project, which
holds the suite file, and the harness's own checkout), and git refs resolved to commits.

Plain `git` subprocesses and importlib, no heavy imports: `harness check` resolves its refs before MLflow loads.
"""
from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from harness.core.contract import GIT_DIFF_TAG, GIT_DIRTY_TAG, GIT_SHA_TAG

GIT_TIMEOUT_S = 10  # a git call on a network file system can hang; the run goes on unrecorded rather than wait


def _git(folder: Path, *args: str) -> str | None:
    """A git command's stdout in `folder`, or None when it fails (not a repository, no git, no commit yet)."""
    try:
        out = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, timeout=GIT_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.decode(errors="replace") if out.returncode == 0 else None


def folder_of(path: str | Path | None) -> Path:
    """The folder whose repository a suite belongs to: a suite file's folder, else (a suite by name) the working
    directory."""
    if path is None:
        return Path.cwd()
    path = Path(path).resolve()
    return path if path.is_dir() else path.parent


def project_tags(folder: str | Path | None = None) -> dict[str, str]:
    """The commit of the git repository holding `folder` (None: the working directory) as tags: git_sha (40 hex),
    git_dirty ('true' when tracked files differ from it) and git_diff (a digest of those differences, '' when
    clean, so two dirty invocations with the same edits count as the same code). {} outside a repository."""
    where = folder_of(folder)
    sha = _git(where, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if not sha:
        return {}
    diff = _git(where, "diff", "HEAD", "--no-ext-diff", "--binary") or ""  # tracked files only
    digest = hashlib.sha256(diff.encode()).hexdigest()[:16] if diff else ""
    return {GIT_SHA_TAG: sha.strip(), GIT_DIRTY_TAG: "true" if diff else "false", GIT_DIFF_TAG: digest}


def resolve_commit(ref: str, folder: str | Path | None = None) -> str | None:
    """A git ref (a short SHA, origin/main, HEAD~1, a tag) as the full SHA of its commit in the repository holding
    `folder`; None when git does not know it there (e.g. a store made on another machine: match its text)."""
    if not ref or ref.startswith("-"):  # never an option to git
        return None
    sha = _git(folder_of(folder), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    return sha.strip() if sha else None


@lru_cache(maxsize=None)  # once per process: every child run records it
def harness_commit() -> str | None:
    """The harness's own checkout's commit, '-dirty' appended when it has uncommitted changes; None when it is
    installed from a package (no checkout)."""
    tags = project_tags(Path(__file__).resolve().parent)
    if not tags:
        return None
    return tags[GIT_SHA_TAG] + ("-dirty" if tags[GIT_DIRTY_TAG] == "true" else "")


def import_file(path: str | Path):
    """Import a Python file as a module (once per process and path); its folder goes on sys.path so it can import
    its neighbours. A suite file's registrations (register_model, register_dataset) happen here."""
    path = Path(path)
    folder = str(path.parent.resolve())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    name = path.stem
    loaded = sys.modules.get(name)
    if loaded is not None and Path(getattr(loaded, "__file__", "") or "").resolve() == path.resolve():
        return loaded  # imported before (e.g. by its own test file): one module, one set of registrations
    if loaded is not None:  # the stem names another module: a private name, stable for this path
        name = f"harness_suite_{path.stem}_{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]}"
        if name in sys.modules:
            return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before executing: dataclasses and pickling look the module up by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
