"""MkDocs hooks (mkdocs.yml `hooks:`): the generated suite pages in the nav; links to repository files outside docs/;
pages other branches bring as placeholders.

`mkdocs build --strict` fails on a nav entry whose file is missing. The pages below are written on other branches
(issue 26's docs site links them before they merge); while a page is absent the build serves a placeholder made here,
in memory, never written to docs/, so the real file merges without a conflict. Once a page exists it is used as is.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.hooks.pending")

# page -> what it will hold (and which branch writes it)
PENDING = {
    "your-claim.md": "Your own claim: your model, your data, `options` axes, a LightningModule or DataModule (branch users).",
    "ci.md": "CI and regression tracking: exit codes, the pytest plugin, `check`, `history`, the workflow (branch users).",
    "null-checks.md": "Null checks: the rules' calibration against A/A runs (branch rules).",
}


def on_config(config):
    """The nav's "Suites" entry holds the suites' index and every generated suite page, in name order."""
    docs = Path(config["docs_dir"])
    pages = ["suites/index.md", *(f"suites/{p.name}" for p in sorted((docs / "suites").glob("*.md")) if p.name != "index.md")]
    for i, entry in enumerate(config["nav"]):
        if isinstance(entry, dict) and entry.get("Suites") == "suites/index.md":
            config["nav"][i] = {"Suites": pages}
    return config


def on_files(files, config):
    """Add an in-memory placeholder for every pending page that is not in docs/ yet."""
    for name, what in PENDING.items():
        if files.get_file_from_path(name) is None:
            log.info("pending page %s: a placeholder stands in until it lands", name)
            files.append(File.generated(config, name, content=f"# {what.split(':')[0]}\n\nComing: {what}\n"))
    return files


# [text](../some/file) where the target lies outside docs/: the site holds only docs/, so such a link would 404.
LINK = re.compile(r"(?<!!)\[(?P<text>[^\]]+)\]\((?P<target>\.\./[^)#\s]+)(?P<anchor>#[^)\s]*)?\)")


def on_page_markdown(markdown, page, config, files):
    """A link to a repository file outside docs/ becomes its text and the file's path in code (`examples/x/README.md`):
    the path stays readable in the site and on GitHub. A link to a file that does not exist is left alone, so the
    strict build still fails on it."""
    docs = Path(config["docs_dir"]).resolve()
    root = docs.parent
    here = (docs / page.file.src_path).parent

    def outside(m: re.Match) -> str:
        target = (here / m["target"]).resolve()
        if docs in target.parents or not target.exists() or root not in target.parents:
            return m[0]
        path = target.relative_to(root).as_posix()
        return m["text"] if m["text"].strip("`") == path else f"{m['text']} (`{path}`)"

    return LINK.sub(outside, markdown)
