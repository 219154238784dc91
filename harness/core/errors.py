"""Unexpected errors as the user sees them: one line naming what failed and where its traceback went, never a traceback.

`HARNESS_DEBUG=1` re-raises instead (the traceback on the terminal), for developers.
"""
from __future__ import annotations

import os
import tempfile
import traceback

# The exit codes a CI job gates on (docs/ci.md has the table). One meaning each, whatever the command.
EXIT_OK = 0
EXIT_VERDICT = 1  # `run --fail-on`: a row came out with an outcome named there; `check`: a row flipped, went undecided or stepped
EXIT_BAD_INPUT = 2  # bad input: one line naming the bad value and the valid choices; nothing written
EXIT_RUNS_FAILED = 3  # `run`: runs failed (FAILED in the store, one line each on stderr) unless --allow-failed
EXIT_INTERNAL = 4  # an unexpected error in the harness (a bug): the traceback is in a file the message names
EXIT_STORE_GONE = 5  # the tracking server went away mid-command: finished runs kept; the same command again resumes
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # Ctrl-C (SIGINT), SIGTERM: finished runs kept, nothing left RUNNING
FAIL_ON = ("refuted", "inconclusive")  # outcomes `run --fail-on` accepts ('undecided' is inconclusive's word)


def fail_on_outcomes(text: str) -> tuple[str, ...]:
    """`--fail-on refuted,inconclusive` as outcomes; ValueError (one line naming the valid ones) for any other."""
    said = [w.strip().lower() for w in text.split(",") if w.strip()]
    outcomes = tuple(dict.fromkeys("inconclusive" if w == "undecided" else w for w in said))
    bad = [w for w in outcomes if w not in FAIL_ON]
    if bad or not outcomes:
        raise ValueError(f"invalid --fail-on {text!r}; valid: a comma-separated list of {', '.join(FAIL_ON)} "
                         f"(undecided = inconclusive)")
    return outcomes


def internal_error(error: BaseException, what: str) -> str:
    """Write the traceback to a file and return one line: what failed, the error, and the file. Re-raises under HARNESS_DEBUG=1."""
    if os.environ.get("HARNESS_DEBUG") == "1":
        raise error
    fd, path = tempfile.mkstemp(prefix="harness-error-", suffix=".log")
    with os.fdopen(fd, "w") as f:
        f.write("".join(traceback.format_exception(error)))
    frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    where = f" at {os.path.basename(frame.filename)}:{frame.lineno}" if frame else ""
    first = str(error).splitlines()[0] if str(error) else ""
    return f"{what} failed: {type(error).__name__}: {first}{where} (internal error; traceback in {path})"
