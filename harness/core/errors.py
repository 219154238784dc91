"""Unexpected errors as the user sees them: one line naming what failed and where its traceback went, never a traceback.

`HARNESS_DEBUG=1` re-raises instead (the traceback on the terminal), for developers.
"""
from __future__ import annotations

import os
import tempfile
import traceback

EXIT_INTERNAL = 4  # an unexpected error in the harness (a bug): the traceback is in a file the message names


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
