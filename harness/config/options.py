"""A run's own settings (RunConfig.options): the user's axes, beside the harness's fields.

"My warm-up shortens time to target" needs a setting the harness does not know. A suite varies it like any field
(`grid={"options.warmup": (0, 500)}`); the user's model and dataset factories read it (`config.options["warmup"]`);
it is recorded as the param `options.warmup` and is part of the config_id. Values are JSON scalars (int, float,
str, bool), so a run read back from the store has the very values it ran with.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping

from harness.config.checks import ConfigError

PREFIX = "options."  # a grid key, a param and a runs-table column name an option by this prefix and its key
KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # an identifier: safe in a param name, a column and a label


class Options(Mapping):
    """Read-only, hashable, in key order: a frozen RunConfig can hold it and a config_id can hash it."""

    def __init__(self, items=()):
        pairs = dict(items)
        for key, value in pairs.items():
            if not isinstance(key, str) or not KEY.match(key):
                raise ConfigError(f"invalid option name {key!r}; must be an identifier (letters, digits, _)")
            if not isinstance(value, (bool, int, float, str)):
                raise ConfigError(f"invalid option {key}={value!r}; valid: an int, float, str or bool")
        self._items = dict(sorted(pairs.items()))

    def __getitem__(self, key: str):
        try:
            return self._items[key]
        except KeyError:
            raise KeyError(f"no option {key!r}; this config's options: {', '.join(self._items) or 'none'}") from None

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __eq__(self, other) -> bool:
        if isinstance(other, tuple) and not other:  # RunConfig's default, ()
            return not self._items
        return isinstance(other, Mapping) and dict(self._items) == dict(other)

    def __repr__(self) -> str:
        return f"Options({self._items!r})"

    def as_params(self) -> dict[str, str]:
        """One MLflow param per option, `options.KEY`, its value as JSON (so the type comes back)."""
        return {PREFIX + k: json.dumps(v) for k, v in self._items.items()}

    @classmethod
    def of(cls, value) -> "Options":
        """From a mapping, (key, value) pairs, or text 'key=value,key=value' (`harness train --options`; a value
        that parses as JSON is taken as such, else as a string)."""
        if isinstance(value, Options):
            return value
        if isinstance(value, str):
            pairs = [p.split("=", 1) for p in value.split(",") if p.strip()]
            bad = [p[0] for p in pairs if len(p) != 2]
            if bad:
                raise ConfigError(f"invalid options {value!r}; write them as key=value,key=value")
            return cls((k.strip(), _value(v.strip())) for k, v in pairs)
        return cls(value)

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> "Options":
        """The options a run recorded (as_params' inverse)."""
        return cls((k[len(PREFIX):], json.loads(v)) for k, v in params.items() if k.startswith(PREFIX))


def _value(text: str):
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, (bool, int, float, str)) else text
