"""The shipped suites, found by convention: each file of the suites/ folder that assigns SUITE = Suite(...).

Found by reading the files (harness.core.names.suite_index, with `ast`), not by importing them, so the
command line's help, `harness list` and its bad-input errors stay instant; a suite's module is imported only
when that suite is asked for (its imports may need torch). Nothing in harness/ imports the suites package: a
suite imports `harness`, the public API, as a user's suite does. Suites a process registers at run time
(tests register their own) sit beside the shipped ones. A user's suite files and installed packages' suites
are found by harness.api (load_suite_file, suites_in, installed_suites, find_suite).
"""
from __future__ import annotations

import importlib
from functools import lru_cache

from harness.core.names import SuiteEntry, suite_index
from harness.core.registry import Registry


def load_shipped(entry: SuiteEntry):
    """Import one shipped suite's module and return its SUITE (a harness.Suite)."""
    from harness.judge.suite import Suite

    suite = getattr(importlib.import_module(entry.module), "SUITE", None)
    if not isinstance(suite, Suite) or suite.name != entry.name:
        raise TypeError(f"invalid suite module {entry.module!r}: its SUITE is not the harness.Suite named {entry.name!r} "
                        f"that its source declares")
    return suite


class SuiteCatalog(Registry):
    """Suite name -> Suite: the shipped ones (each module imported on first use) and any registered at run time."""

    def __init__(self):
        super().__init__("suite")
        self.shipped = suite_index()  # name -> SuiteEntry, read from the files

    def get(self, name: str):
        if name not in self._entries and name in self.shipped:
            self._entries[name] = load_shipped(self.shipped[name])
        return super().get(name)

    def register(self, name: str, entry):
        if name in self.shipped:
            raise ValueError(f"suite {name!r} is already registered (shipped: {self.shipped[name].module})")
        return super().register(name, entry)

    def names(self) -> list[str]:
        return [*self.shipped, *(n for n in self._entries if n not in self.shipped)]

    def __contains__(self, name: object) -> bool:
        return name in self.shipped or name in self._entries

    def __iter__(self):
        return iter(self.names())

    def items(self):
        """Every suite, by name: imports every shipped suite's module."""
        return [(name, self.get(name)) for name in self.names()]


@lru_cache(maxsize=None)
def suites() -> SuiteCatalog:
    """Every suite this process knows by name: the shipped ones (suites/), and any registered at run time."""
    return SuiteCatalog()
