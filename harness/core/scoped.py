"""A context variable set for the length of a block: the one mechanism behind the judge's interval level
(harness.stats.median.at_level) and a suite's words (harness.judge.subject.speaking)."""
from __future__ import annotations

import contextlib
from contextvars import ContextVar
from typing import Iterator, TypeVar

T = TypeVar("T")


@contextlib.contextmanager
def scoped(var: ContextVar[T], value: T) -> Iterator[None]:
    """`var` reads `value` inside the block, and what it read before after it (an exception included)."""
    token = var.set(value)
    try:
        yield
    finally:
        var.reset(token)
