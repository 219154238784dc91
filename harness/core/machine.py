"""The machine's state around an invocation: its load and its CPUs (what else competed, and what there was)."""
from __future__ import annotations

import os


def load_average() -> str:
    """The machine's 1-minute load average now ('' where the platform has none)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):  # Windows has no getloadavg; an unreadable /proc/loadavg raises OSError
        return ""


def logical_cpus() -> str:
    """The machine's logical CPUs (os.cpu_count(); '' when unknown)."""
    return str(os.cpu_count() or "")
