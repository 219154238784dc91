"""Interruption: Ctrl-C and SIGTERM are recorded by the handler and acted on at safe points, never lost.

An exception raised inside a signal handler lands wherever the main thread happens to be: inside a
garbage-collector callback ("Exception ignored in ..."; the signal is lost), or halfway through an
SQLite transaction (the store stays locked for the clean-up's writes). So while `deferred()` is
active the handler only records the signal; `check()` raises it at safe points: between runs,
at batch and epoch ends (harness.train.callbacks), after a fit, before an invocation is recorded
finished. Inside `waiting()` (the driver only waits on worker processes) it raises at once, as
before, and stays recorded in case that raise was swallowed. A second Ctrl-C raises at once too.
"""
from __future__ import annotations

import contextlib
import signal
import threading


class Terminated(KeyboardInterrupt):
    """SIGTERM, surfaced as an interruption so the same clean-up runs as for Ctrl-C (the CLI exits 143, not 130)."""


_received: list[int] = []  # signals recorded and not yet cleared, in arrival order
_state = {"depth": 0, "waiting": 0}


def _exception(signum: int) -> KeyboardInterrupt:
    return Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def record_signal(signum, frame) -> None:
    """The handler: remember the signal; raise only where raising is known to be safe (see module doc)."""
    _received.append(signum)
    if _state["waiting"] or (signum == signal.SIGINT and _received.count(signal.SIGINT) > 1):
        raise _exception(signum)


def pending() -> int | None:
    """The first signal recorded and not acted on, or None."""
    return _received[0] if _received else None


def terminated() -> bool:
    return signal.SIGTERM in _received


def check() -> None:
    """A safe point: raise the recorded interruption (Terminated for SIGTERM), if any."""
    if _received:
        raise _exception(signal.SIGTERM if terminated() else _received[0])


@contextlib.contextmanager
def deferred():
    """While inside, SIGINT and SIGTERM are recorded and raised by check(); re-entrant. Yields the recorded list."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield _received
        return
    outermost = _state["depth"] == 0
    if outermost:
        _received.clear()
        # A signal the shell set to be ignored (a background job's SIGINT, nohup) stays ignored.
        previous = {s: signal.signal(s, record_signal) for s in (signal.SIGINT, signal.SIGTERM)
                    if signal.getsignal(s) is not signal.SIG_IGN}
    _state["depth"] += 1
    try:
        yield _received
    finally:
        _state["depth"] -= 1
        if outermost:
            for s, handler in previous.items():
                signal.signal(s, handler)


@contextlib.contextmanager
def waiting():
    """A region where the main thread only waits (on worker processes): a signal raises there at once."""
    _state["waiting"] += 1
    try:
        check()
        yield
    finally:
        _state["waiting"] -= 1
