"""Which process drives a run: an identity (host:pid:start time) that survives pid reuse, and whether it still lives."""
from __future__ import annotations

import os
import socket
from pathlib import Path


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
