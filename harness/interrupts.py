"""Interruption: SIGTERM handled like Ctrl-C while a suite runs, and told apart from it for the exit status."""
from __future__ import annotations

import contextlib
import signal
import threading


class Terminated(KeyboardInterrupt):
    """SIGTERM, surfaced as an interruption so the same clean-up runs as for Ctrl-C (the CLI exits 143, not 130)."""


@contextlib.contextmanager
def sigterm_as_interrupt():
    """While a suite runs, SIGTERM interrupts it like Ctrl-C; yields a list that holds the signal once one came."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield received
        return

    def handler(signum, frame):
        received.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)


def raise_interrupt(signum, frame):
    """A signal handler that interrupts the main thread like Ctrl-C (workers' SIGTERM)."""
    raise KeyboardInterrupt
