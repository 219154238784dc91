"""What a verdict row is about, as data: a Subject maps fields to values (the row's group, each of its arms), and a
suite's Words turn one into a display label once, when the row is made. Nothing reads a label back.

A suite names its fields and values in its own words (Suite.words), e.g.
    {"dropout": {0.0: "none"}, "n_samples": lambda n: f"{n // 2} training rows", "target_value": None}
A field's entry is a template ("lr {:g}"), a dict value -> phrase (a missing value: the default phrase; "" hides
that value), a function value -> phrase, or None (never shown). The default phrase is "field value". A label
shows the fields that vary in the suite (a config field its grid never varies, at any scale, is left out: every
row shares it) and the fields that tell the arms apart; fields of a judge's own making (a derived column, such as
bn-input-scaling's 'inputs') show. What tuned arms were tuned to (harness.judge.tuning) is labelled apart: it is
a result of the judging, not part of what the row is about, and tag keys leave it out.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from harness.core.contract import verdict_tag
from harness.core.scoped import scoped

KEY_MAX = 60  # longest verdict tag key (MLflow's UI shows ~60 characters of a column name)
METRIC_ROOM = 24  # the most a key's metric part takes: 'final_val_acc_difference'


def plain(value: Any) -> Any:
    """A value as JSON keeps it: numpy scalars as Python ones, lists as tuples (hashable)."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, (list, tuple)):
        return tuple(plain(v) for v in value)
    return value


class Subject(Mapping):
    """Fields -> values, in the order given; immutable and hashable (a dict key, a pandas cell, a row's identity)."""

    __slots__ = ("_items",)

    def __init__(self, fields: Mapping | Any = (), /, **more):
        items = dict(fields, **more)
        self._items = tuple((str(k), plain(v)) for k, v in items.items())

    def __getitem__(self, key):
        for k, v in self._items:
            if k == key:
                return v
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items))

    def __eq__(self, other) -> bool:
        return isinstance(other, Mapping) and dict(self._items) == dict(other.items())

    def __repr__(self) -> str:
        return f"Subject({dict(self._items)!r})"

    def __str__(self) -> str:
        """'norm=none' or 'dropout=0.0, lr=0.001': how a note names an arm."""
        return ", ".join(f"{k}={_value(v)}" for k, v in self._items)

    def as_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self._items}


def subject(value: Mapping | None) -> Subject:
    """A Subject from a mapping; a text group (the old way) is refused, since nothing may parse a label back."""
    if isinstance(value, Subject):
        return value
    if value is None:
        return Subject()
    if not isinstance(value, Mapping):
        raise TypeError(f"invalid verdict group {value!r}: must be a mapping of field -> value, e.g. "
                        f"{{'activation': 'relu'}} ({{}} for every run)")
    return Subject(value)


def merged(subjects: list[Mapping]) -> Subject:
    """The fields every subject has, in first-seen order: one value where they agree, else the distinct values."""
    if not subjects:
        return Subject()
    out: dict[str, Any] = {}
    for key in subjects[0]:
        if all(key in s for s in subjects):
            values = list(dict.fromkeys(plain(s[key]) for s in subjects))
            out[key] = values[0] if len(values) == 1 else tuple(values)
    return Subject(out)


def _value(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


@dataclass(frozen=True)
class Words:
    """A suite's phrases for its fields (see the module doc) and the config fields every row shares (never shown)."""

    phrases: Mapping[str, Any] = field(default_factory=dict)
    constant: frozenset = frozenset()

    def hidden(self, name: str) -> bool:
        return name in self.constant or (name in self.phrases and self.phrases[name] is None)

    def phrase(self, name: str, value: Any) -> str:
        """One field's value in the suite's words; several values (a merged row) joined by '/'."""
        spec = self.phrases.get(name)
        if isinstance(value, tuple):
            if spec is None:
                return f"{name} {'/'.join(_value(v) for v in value)}"
            return "/".join(filter(None, (self.phrase(name, v) for v in value)))
        if spec is None:
            return f"{name} {_value(value)}"
        if isinstance(spec, str):
            return spec.format(value)
        if isinstance(spec, Mapping):
            return spec[value] if value in spec else f"{name} {_value(value)}"
        return str(spec(value))

    def say(self, fields: Mapping) -> str:
        """A mapping in words, e.g. an arm on its own: its shown fields' phrases, space-separated."""
        return " ".join(filter(None, (self.phrase(k, v) for k, v in fields.items() if not self.hidden(k))))

    def name(self, fields: Mapping) -> str:
        """A configuration in words, its shown fields' phrases comma-separated: 'relu, default init, BN'."""
        return ", ".join(filter(None, (self.phrase(k, v) for k, v in fields.items() if not self.hidden(k))))

    def contrast(self, arms: tuple[Subject, ...], group: Mapping = Subject()) -> str:
        """Arms side by side: the fields that tell them apart per arm ('dropout 0.5 vs none'; one field without
        words is named once: 'norm before vs none'), then the shown fields they share (', lr 0.001'); fields the
        group states already are left out."""
        keys = [k for k in dict.fromkeys(k for arm in arms for k in arm)
                if not (k in group and all(arm.get(k) == group[k] for arm in arms))]
        differ = [k for k in keys if len({plain(arm.get(k)) for arm in arms}) > 1
                  and not (k in self.phrases and self.phrases[k] is None)]
        same = [k for k in keys if k not in differ and not self.hidden(k)]
        if not differ:
            contrast = ""
        elif len(differ) == 1 and differ[0] not in self.phrases:
            contrast = f"{differ[0]} " + " vs ".join(_value(arm.get(differ[0])) for arm in arms)
        else:
            contrast = " vs ".join(self.say({k: arm[k] for k in differ if k in arm}) for arm in arms)
        return ", ".join(filter(None, [contrast, self.say({k: arms[0][k] for k in same})]))

    def labels(self, group: Subject, arms: tuple[Subject, ...], tuned: tuple[Subject, ...] = ()
               ) -> tuple[str, str, str]:
        """(group label, arms label, tuned label), e.g. ('500 training rows', 'dropout 0.5 vs none', 'lr 0.003 vs 0.001')."""
        group_label = ", ".join(filter(None, (self.phrase(k, v) for k, v in group.items() if not self.hidden(k))))
        return group_label, self.contrast(arms, group) if arms else "", self.contrast(tuned) if tuned else ""


WORDS: ContextVar[Words] = ContextVar("harness_words", default=Words())


def current_words() -> Words:
    """The words of the suite being judged (Suite.verdicts sets them); field names and values outside a suite."""
    return WORDS.get()


def speaking(words: Words):
    """Rows made inside are labelled in these words."""
    return scoped(WORDS, words)


def identity(v) -> tuple:
    """What names a verdict row across looks, invocations and reports: statement, group, arms and metric."""
    return (v.statement, v.group, v.arms, v.metric)


def _digest(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def slug(text: str) -> str:
    """Lower case, [a-z0-9.-] with every other run of characters one '_' (' - ' one '-'): a piece of an MLflow name."""
    out = re.sub(r"[^a-z0-9.\-]+", "_", re.sub(r"\s+-\s+", "-", text.lower()))
    return re.sub(r"\.{2,}", ".", out).strip("_.-") or "all"


def _cut(text: str, room: int, digest: str) -> str:
    """text if it fits in room characters, else its start and 4 hex digits of what it names."""
    return text if len(text) <= room else f"{text[:room - 5].strip('_.-')}-{digest[:4]}"


def row_keys(verdicts) -> list[str]:
    """Each row's key in the parent run's names (verdict/<key>, effect/<key>): '<subject>/<metric>' as slugs, e.g.
    'dropout_0.5_vs_none/final_val_error_ratio', the subject being the label without the tuned settings (which may
    change from run to run), the metric the statement's where two statements of one subject share a metric. At most
    KEY_MAX characters as a tag key: where both parts do not fit, the second longer than METRIC_ROOM (or the room
    the subject leaves), then the subject, is cut and ends in 4 hex digits of what it names; rows whose keys would
    still coincide end their subject in 6 hex digits of their identity."""
    room = KEY_MAX - len(verdict_tag("")) - 1  # both parts, without the '/' between them

    def key(v, what: str) -> str:
        about, what = slug(v.subject_label), slug(what)
        what = _cut(what, max(METRIC_ROOM, room - len(about)), _digest(what))
        return f"{_cut(about, room - len(what), _digest(v.group.as_dict(), [a.as_dict() for a in v.arms]))}/{what}"

    def repeated(keys: list[str]) -> set[str]:
        return {k for k in keys if keys.count(k) > 1}

    keys = [key(v, v.metric) for v in verdicts]
    twice = repeated(keys)  # one subject, one metric, two statements: the statement names the row instead
    keys = [key(v, v.statement) if k in twice else k for k, v in zip(keys, verdicts)]
    twice = repeated(keys)
    out = []
    for k, v in zip(keys, verdicts):
        if k in twice:  # one statement and metric, two subjects alike in words (fields the label leaves out)
            head, what = k.split("/")
            whole = _digest(v.statement, v.group.as_dict(), [a.as_dict() for a in v.arms], v.metric)
            k = f"{head[:room - len(what) - 7].strip('_.-')}-{whole[:6]}/{what}"
        out.append(k)
    return out
