"""The package's layering: every import points down, across harness/ and suites/ together.

Counts every import, including those inside functions and TYPE_CHECKING blocks. The layers are the folders
of harness/ (docs/architecture.md); a module may import its own layer and the layers below it, never above. A
shipped suite sits above them all and imports only the public facade (`from harness import ...`), as a
user's suite does; its tests live in tests/suites/.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import harness

PACKAGE = Path(harness.__file__).parent
ROOT = PACKAGE.parent
SUITES = ROOT / "suites"
MAX_LINES = 300  # a module past ~300 lines usually holds two concerns
MAX_TOP_MODULES = 8  # harness/ itself: the facade and a few modules; the rest sits in layer folders
MAX_FOLDER_MODULES = 15
# bottom to top; a name is a folder of harness/ or a module at its top; layers at one height never import each other
LAYERS = [("version",), ("core",), ("stats",), ("nn", "data"), ("config",), ("judge", "store"), ("train",),
          ("execute",), ("report",), ("discovery",), ("api",), ("cli", "pytest_plugin", "tools"), ("__init__",)]
HEIGHT = {name: h for h, names in enumerate(LAYERS) for name in names}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    """harness.judge.verdict -> 'judge'; harness.api -> 'api'; harness -> '__init__'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path, modules: set[str]) -> set[tuple[str, str | None]]:
    """(module, imported name or None) for every import of a module in `modules`, anywhere in the file."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update((a.name, None) for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                # `from harness import plots` imports the module harness.plots; `from harness.x import y`, harness.x
                full = f"{node.module}.{a.name}"
                if full in modules:
                    out.add((full, None))
                elif node.module in modules:
                    out.add((node.module, a.name))
    return out


def sources(*roots: Path) -> dict[str, Path]:
    return {module_name(p, roots[0].parent): p for root in roots for p in sorted(root.rglob("*.py"))}


def code_files() -> dict[str, Path]:
    """harness/ and the shipped suites (their tests excluded: tests may reach anywhere)."""
    found = sources(PACKAGE, SUITES)
    return {m: p for m, p in found.items() if not p.name.startswith(("test_", "conftest"))}


def import_graph(files: dict[str, Path]) -> dict[str, set[str]]:
    return {name: {m for m, _ in imports(path, set(files))} - {name} for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def upward(files: dict[str, Path]) -> list[str]:
    """Imports from a harness module to a layer above its own, or to the suites package."""
    bad = []
    for name, path in files.items():
        if not name.startswith("harness"):
            continue
        for target, _ in imports(path, set(files)):
            if target.startswith("suites"):
                bad.append(f"{name} -> {target} (harness never imports the suites package)")
            elif target.startswith("harness") and HEIGHT[layer(name)] < HEIGHT[layer(target)]:
                bad.append(f"{name} ({layer(name)}) -> {target} ({layer(target)})")
    return bad


def suite_imports(files: dict[str, Path], public: set[str]) -> list[str]:
    """Imports in a suites/ module of anything but the facade's public names: harness.<layer>..., a name `harness`
    does not export, or another suite (by name or relatively)."""
    bad = []
    for name, path in files.items():
        if name.split(".")[0] != "suites":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                bad += [f"{name} -> {a.name}" for a in node.names if a.name.split(".")[0] == "suites"
                        or a.name.startswith("harness.")]
            elif isinstance(node, ast.ImportFrom) and node.level:
                bad.append(f"{name} -> {'.' * node.level}{node.module or ''} (another suite)")
            elif isinstance(node, ast.ImportFrom) and (node.module.split(".")[0] == "suites"
                                                       or node.module.startswith("harness.")):
                bad.append(f"{name} -> {node.module}")
            elif isinstance(node, ast.ImportFrom) and node.module == "harness":
                bad += [f"{name} -> harness.{a.name} (not public)" for a in node.names if a.name not in public]
    return sorted(bad)


def private_imports(files: dict[str, Path]) -> list[str]:
    """`from a import _name` across modules: a private name is its module's own."""
    return sorted(f"{name} -> {target}.{n}" for name, path in files.items() for target, n in imports(path, set(files))
                  if n and n.startswith("_") and not n.startswith("__") and target != name)


def test_every_layer_is_named():
    tops = {layer(m) for m in sources(PACKAGE)}
    assert tops <= set(HEIGHT), f"add to LAYERS: {sorted(tops - set(HEIGHT))}"


def test_every_import_points_down():
    assert upward(code_files()) == []


def test_harness_and_the_suites_have_no_import_cycle():
    assert cycles(import_graph(code_files())) == []


def test_no_private_name_is_imported_across_modules():
    assert private_imports(code_files()) == []


def test_the_suites_import_only_the_public_api():
    assert suite_imports(code_files(), set(harness.__all__)) == []


def test_no_test_file_sits_among_the_suites():
    assert sorted(p.name for p in SUITES.glob("*.py") if p.name.startswith(("test_", "conftest"))) == []


def _package(tmp_path: Path, files: dict[str, str]) -> dict[str, Path]:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return sources(tmp_path / "harness")


def test_the_checks_find_a_cycle_an_upward_import_and_a_private_name_hidden_in_functions(tmp_path):
    files = _package(tmp_path, {
        "harness/__init__.py": "", "harness/core/__init__.py": "", "harness/judge/__init__.py": "",
        "harness/core/low.py": "def f():\n    from harness.judge.high import g\n",  # up, and a cycle
        "harness/judge/high.py": "from harness.core import low\ndef g():\n    from harness.core.low import _hidden\n",
        "harness/core/other.py": "import harness.core.low\n",
    })
    assert cycles(import_graph(files)) == [["harness.core.low", "harness.judge.high"]]
    assert upward(files) == ["harness.core.low (core) -> harness.judge.high (judge)"]
    assert private_imports(files) == ["harness.judge.high -> harness.core.low._hidden"]


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: module_name(p))
def test_no_module_is_too_long(path):
    assert len(path.read_text().splitlines()) <= MAX_LINES, f"{module_name(path)}: split it by concern"


def test_the_top_level_is_a_facade_and_each_layer_folder_stays_small():
    top = [p for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert len(top) <= MAX_TOP_MODULES, sorted(p.name for p in top)
    for folder in (p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        modules = [p for p in folder.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
        assert len(modules) <= MAX_FOLDER_MODULES, f"{folder.name}: {len(modules)} modules"


def test_the_suite_check_finds_internal_imports_and_a_suite_importing_another(tmp_path):
    _package(tmp_path, {
        "suites/__init__.py": "",
        "suites/fine.py": "import math\nimport torch\nimport harness\nfrom harness import Suite, paired\n",
        "suites/bad.py": ("from harness.judge.rules import paired_verdicts\nfrom harness import judge, Suite\n"
                          "from suites.fine import X\nfrom . import fine\n"
                          "def run(config):\n    import harness.train.fit\n    import suites.fine\n"),
    })
    found = suite_imports(sources(tmp_path / "suites"), set(harness.__all__))
    assert found == ["suites.bad -> . (another suite)", "suites.bad -> harness.judge (not public)",
                     "suites.bad -> harness.judge.rules", "suites.bad -> harness.train.fit",
                     "suites.bad -> suites.fine", "suites.bad -> suites.fine"]
