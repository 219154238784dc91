"""A name -> entry mapping whose unknown-name error lists the valid choices."""
from __future__ import annotations

from typing import Generic, Iterator, TypeVar

from harness.core import names

T = TypeVar("T")


class UnknownNameError(ValueError):
    """An unknown registry name; the message names the bad value and the valid ones (harness.core.names.unknown)."""


class Registry(Generic[T]):
    """One axis of the experiment grid (activations, inits, norms, datasets, optimizers)."""

    def __init__(self, axis: str):
        self.axis = axis
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T) -> T:
        if name in self._entries:
            raise ValueError(f"{self.axis} {name!r} is already registered")
        self._entries[name] = entry
        return entry

    def unregister(self, name: str) -> T:
        """Remove an entry (a test that registered its own cleans up); KeyError names it when absent."""
        return self._entries.pop(name)

    def get(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownNameError(names.unknown(self.axis, name, self.names())) from None

    def names(self) -> list[str]:
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def items(self):
        return self._entries.items()


def doc_line(obj) -> str:
    """An entry's one-line description: the first line of its docstring, else where it is defined."""
    return (obj.__doc__ or "").strip().split("\n")[0] or f"{obj.__module__}.{obj.__qualname__}"
