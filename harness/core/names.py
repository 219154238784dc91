"""Names without imports: registry entries, config fields and suites read from the source files with `ast`.

The command line's help, `harness list` and its bad-input errors need only names, and importing the
registries (torch, Lightning) costs seconds. These are read from the very files that define them, so
there is no second hand-written list; tests/test_names.py checks they equal the imported registries.
"""
from __future__ import annotations

import ast
import difflib
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from harness.core import contract, text

PACKAGE = Path(__file__).parents[1]  # harness/
# registry axis -> (module file, registry variable): where `VAR.register("name", ...)` lines are
REGISTRIES = {"activation": ("nn/activations.py", "ACTIVATIONS"), "init": ("nn/inits.py", "INITS"),
              "optimizer": ("nn/optimizers.py", "OPTIMIZERS"), "dataset": ("data/datasets.py", "DATASETS"),
              "diagnostic": ("train/diagnostics.py", "DIAGNOSTICS"), "schedule": ("nn/schedules.py", "SCHEDULES")}


CONTRACT_NAMES = {k: v for k, v in vars(contract).items() if k.isupper() and isinstance(v, str)}  # read once


def _literal(node: ast.AST):
    """A literal as written in source, where a name of the MLflow contract (harness.core.contract, which imports
    nothing heavy) counts as the string it stands for: RunConfig's default target is contract.VAL_ACC."""
    names = CONTRACT_NAMES
    swapped = ast.parse(ast.unparse(node), mode="eval").body
    for child in ast.walk(swapped):
        for field, value in ast.iter_fields(child):
            if isinstance(value, ast.Name) and value.id in names:
                setattr(child, field, ast.Constant(names[value.id]))
            elif isinstance(value, list):
                value[:] = [ast.Constant(names[v.id]) if isinstance(v, ast.Name) and v.id in names else v for v in value]
    if isinstance(swapped, ast.Name) and swapped.id in names:
        return names[swapped.id]
    return ast.literal_eval(swapped)


@lru_cache(maxsize=None)
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


@lru_cache(maxsize=None)
def registry_names(axis: str) -> tuple[str, ...]:
    """The names a registry module registers, in order (literal first arguments of VAR.register)."""
    file, var = REGISTRIES[axis]
    out = []
    for node in ast.walk(_tree(PACKAGE / file)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "register"
                and isinstance(node.func.value, ast.Name) and node.func.value.id == var
                and node.args and isinstance(node.args[0], ast.Constant)):
            out.append((node.lineno, node.args[0].value))
    return tuple(name for _, name in sorted(out))


def constant(file: str, name: str):
    """A module-level literal (tuple, dict, str) of a harness module, without importing it."""
    for node in _tree(PACKAGE / file).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return _literal(node.value)
    raise KeyError(f"{file} defines no literal {name}")


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # 'int', 'float', 'str' or 'bool'
    default: object
    doc: str  # the comment on the field's line


def config_fields() -> list[Field]:
    """RunConfig's fields, as harness/config/run_config.py declares them."""
    path = PACKAGE / "config" / "run_config.py"
    lines = path.read_text().splitlines()
    cls = next(n for n in _tree(path).body if isinstance(n, ast.ClassDef) and n.name == "RunConfig")
    out = []
    for node in cls.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            line = lines[node.lineno - 1]
            doc = line.split("#", 1)[1].strip() if "#" in line else ""
            out.append(Field(node.target.id, ast.unparse(node.annotation), _literal(node.value), doc))
    return out


@dataclass(frozen=True)
class SuiteEntry:
    name: str
    claim: str
    scales: tuple[str, ...]  # 'default' first, then the scales the suite defines
    module: str  # e.g. 'suites.bn_walltime': importing it alone loads this suite, not every suite's imports
    timing: bool | None  # judges wall-clock time (never side by side); None: not a literal, import the suite to know


def suites_dir() -> Path:
    spec = importlib.util.find_spec("suites")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the suites package is not importable from here")
    return Path(list(spec.submodule_search_locations)[0])


def _suite_call(tree: ast.Module) -> ast.Call | None:
    for node in tree.body:
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "SUITE" for t in node.targets)
                and isinstance(node.value, ast.Call)):
            return node.value
    return None


def _suite_default(name: str):
    """A Suite field's default, as harness/judge/suite.py declares it."""
    cls = next(n for n in _tree(PACKAGE / "judge" / "suite.py").body if isinstance(n, ast.ClassDef) and n.name == "Suite")
    return next(_literal(n.value) for n in cls.body
                if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and n.target.id == name)


@lru_cache(maxsize=None)
def suite_index() -> dict[str, SuiteEntry]:
    """Every suite in suites/ (modules that are not test_*, _* or conftest and assign SUITE = Suite(...)), by name."""
    out = {}
    for path in sorted(suites_dir().glob("*.py"), key=lambda p: p.stem):
        if path.stem.startswith(("test_", "_", "conftest")):
            continue
        call = _suite_call(_tree(path))
        if call is None:
            continue
        kw = {k.arg: k.value for k in call.keywords}
        scales = kw.get("scales")
        keys = [_literal(k) for k in scales.keys] if isinstance(scales, ast.Dict) else []
        timing = kw.get("timing", ast.Constant(_suite_default("timing")))
        entry = SuiteEntry(_literal(kw["name"]), _literal(kw["claim"]), ("default", *keys),
                           f"suites.{path.stem}", timing.value if isinstance(timing, ast.Constant) else None)
        out[entry.name] = entry
    return out


def scale_run(suite: str, defined, scale: str) -> tuple[str, str | None]:
    """The one scale rule, for the command line and the pytest plugin alike: (the scale that runs, a one-line note
    or None). A suite that defines no scale (`defined`: its scales beside default) runs its default at any named
    scale, said in the note; otherwise `scale` as asked (an unknown one is then refused where it is looked up)."""
    if scale == "default" or tuple(defined):
        return scale, None
    return "default", f"note: suite {suite!r} defines no scales; scale {scale!r} runs its default"


def did_you_mean(value: str, valid) -> str:
    """'; did you mean X?' for a near miss, else ''."""
    close = difflib.get_close_matches(str(value), [str(v) for v in valid], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


# Where a person sees every valid value of an axis, when a line cannot hold them all.
SEE_ALL = {"suite": "`harness list`"}
PREFIX = "harness: error: "  # what the command line prints before the message


def unknown(axis: str, value, valid) -> str:
    """The one-line error for a value not among the valid ones: every valid value where the line fits the terminal,
    else the nearest few and where to see them all."""
    valid = [str(v) for v in valid]
    whole = f"unknown {axis} {value!r}; valid: {', '.join(valid)}{did_you_mean(value, valid)}"
    if len(whole) + len(PREFIX) <= text.width():
        return whole
    near = difflib.get_close_matches(str(value), valid, n=3, cutoff=0.6)
    see = f"all {len(valid)}: {SEE_ALL.get(axis, '`harness train --help`')}"
    if near:
        others = f" (or {', '.join(near[1:])})" if near[1:] else ""
        return f"unknown {axis} {value!r}; did you mean {near[0]!r}?{others} ({see})"
    head, shown = f"unknown {axis} {value!r}; valid: ", valid[:1]
    for name in valid[1:]:  # as many as the line holds
        if len(PREFIX + head + ", ".join([*shown, name]) + f", ... ({see})") > text.width():
            break
        shown.append(name)
    return f"{head}{', '.join(shown)}, ... ({see})"
