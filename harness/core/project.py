"""The code a result was measured with: the commit and uncommitted changes of a git repository (the user's
project, which holds the suite file, and the harness's own checkout), and git refs resolved to commits.

Plain `git` subprocesses, no heavy imports: `harness check` resolves its refs with it before MLflow loads.
"""
from __future__ import annotations

import hashlib
import subprocess
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
