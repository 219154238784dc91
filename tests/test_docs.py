"""The docs site (docs/, mkdocs.yml) and the README stay true to the code: generated pages match their sources,
every page the nav or the README links exists."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from harness.tools import docs_pages

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def nav_pages(nav) -> list[str]:
    """Every page the mkdocs.yml nav names, at any depth."""
    out = []
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        out += nav_pages(value) if isinstance(value, list) else [value]
    return out


def mkdocs_config() -> dict:
    # mkdocs.yml names a Python function with a !!python/name tag (the mermaid fence); the nav is plain YAML
    class Loader(yaml.SafeLoader):
        pass
    Loader.add_multi_constructor("tag:yaml.org,2002:python/name:", lambda loader, suffix, node: suffix)
    return yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=Loader)


def test_suite_pages_match_the_suites():
    """docs/suites/ is what `python -m harness.tools.docs_pages` makes from the suites, page for page."""
    stale = docs_pages.differences(DOCS / "suites")
    assert not stale, f"regenerate with `python -m harness.tools.docs_pages`: {stale}"


def test_every_suite_has_its_page_with_its_claim_and_statements():
    pages = docs_pages.pages()
    from harness.core.names import suite_index
    names = set(suite_index())
    assert {n.removesuffix(".md") for n in pages} - {"index"} == names and len(names) >= 20
    walltime = pages["bn-walltime.md"]
    assert "BN makes each epoch slower but needs fewer epochs" in walltime
    assert "| fewer epochs are needed where both arms train | epochs-to-target ratio | ratio | &lt; 1 |" in walltime


def mkdocs_hooks():
    """mkdocs_hooks.py as a module; it imports MkDocs, which the docs extra installs (`pip install -e ".[dev,docs]"`,
    what CI installs): without it, the tests that read the hooks skip, saying so."""
    pytest.importorskip("mkdocs", reason='the docs extra is not installed: pip install -e ".[docs]"')
    import importlib.util
    spec = importlib.util.spec_from_file_location("mkdocs_hooks", ROOT / "mkdocs_hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    return hooks


def test_the_nav_names_existing_pages_and_a_placeholder_only_for_pages_not_yet_landed():
    hooks = mkdocs_hooks()
    pages = nav_pages(mkdocs_config()["nav"])
    assert len(pages) >= 10
    missing = [p for p in pages if not (DOCS / p).is_file()]
    assert set(missing) <= set(hooks.PENDING), f"nav pages missing from docs/: {missing}"


def test_readme_links_into_the_docs_resolve():
    links = re.findall(r"\]\((docs/[^)#\s]+)", (ROOT / "README.md").read_text())
    assert links, "the README links into the docs"
    hooks = mkdocs_hooks()
    broken = [link for link in links if not (ROOT / link).exists() and link.removeprefix("docs/") not in hooks.PENDING]
    assert not broken, broken


def readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_readme_is_short():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 250


def test_the_readme_command_table_names_every_subcommand_of_harness_help():
    import subprocess
    import sys
    shown = subprocess.run([sys.executable, "-m", "harness.cli.main", "--help"], capture_output=True, text=True,
                           check=True).stdout
    listed = shown.split("\ncommands:\n", 1)[1]
    subcommands = re.findall(r"^ {4}(\w+) ", listed, flags=re.M)
    assert len(subcommands) >= 10 and {"check", "history", "runs", "ui", "evidence"} <= set(subcommands)
    rows = [line for line in readme_section("Commands").splitlines() if line.startswith("| `harness")]
    named = {m.group(1) for line in rows for m in [re.match(r"\| `harness (\w+)", line)] if m}
    assert set(subcommands) <= named, f"missing from the README's command table: {set(subcommands) - named}"


def test_ci_installs_and_tests_as_the_readme_says():
    """.ci/run follows the README's second quick-start command, part by part."""
    from tests.doc_blocks import blocks
    readme = [b.code.strip() for b in blocks(ROOT / "README.md")[0] if "pytest" in b.code]
    assert len(readme) == 1
    ci = (ROOT / ".ci" / "run").read_text()
    parts = [p.strip() for p in readme[0].split("&&")]
    for part in parts:
        if part.startswith("python -m pytest"):  # .ci/run wraps pytest in `tests ARGS` (rc 5, no tests, fails)
            assert f"\ntests {part.removeprefix('python -m pytest').strip()}\n" in ci, part
        else:
            assert part in ci, part


def test_every_file_path_the_docs_name_exists():
    """A path in backticks (`harness/train/timing.py`) names a file of this repository: moved code moves its docs."""
    from tests.doc_blocks import pages
    pattern = re.compile(r"`((?:harness|suites|tests|ci|benchmarks|examples|docs)/[\w./-]+\.(?:py|sh|yml|md|png))`")
    named = {(page.name, m) for page in pages() for m in pattern.findall(page.read_text())}
    assert len(named) >= 50
    missing = sorted((page, path) for page, path in named if not (ROOT / path).exists())
    assert not missing, missing
