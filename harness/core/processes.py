"""Which process drives a run: an identity (host:pid:start time) that survives pid reuse, and whether it still lives."""
from __future__ import annotations

import contextlib
import os
import socket
import time
from contextvars import ContextVar
from pathlib import Path

# When the command being run began (seconds since the epoch); None outside a command (a library call).
_COMMAND_STARTED: ContextVar[float | None] = ContextVar("harness_command_started", default=None)


@contextlib.contextmanager
def command():
    """Marks a command line invocation from its start to its end: what its parent run's span covers."""
    token = _COMMAND_STARTED.set(time.time())
    try:
        yield
    finally:
        _COMMAND_STARTED.reset(token)


def command_started() -> float | None:
    """When the running command began, None outside one (a parent run then starts when it is opened)."""
    return _COMMAND_STARTED.get()


def _start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux), '' where unknown: guards against pid reuse."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat[stat.rfind(")") + 2:].split()  # after 'pid (comm) ': state is fields[0], starttime fields[19]
    return fields[19] if len(fields) > 19 else ""


def this_process() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid)}"


def process_alive(proc: str) -> bool | None:
    """Whether the process named by a PROC_TAG value still runs; None when it ran on another host."""
    try:
        host, pid_s, started = proc.rsplit(":", 2)
        pid = int(pid_s)
    except ValueError:
        return None
    if host != socket.gethostname():
        return None
    if Path("/proc/self/stat").exists():  # Linux: exact, and proof against zombies and pid reuse
        try:
            text = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        state = text[text.rfind(")") + 2:].split()[0]
        return state not in ("Z", "X") and (not started or _start_time(pid) == started)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
