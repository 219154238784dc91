"""The code blocks of the docs (docs/**/*.md) and the README: which run, which are marked not run and why.

A python or shell block runs in tests/test_docs_examples.py unless the last non-blank line before its fence is
`<!-- not run: REASON -->` (a GPU, a server, minutes of training, a placeholder path...). A python block after
`<!-- file: NAME.py -->` is written to that file, so later blocks may import it; a `test_*.py` file runs under
pytest. Not collected by pytest (no test_ prefix).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = {"python": "python", "py": "python", "bash": "shell", "sh": "shell", "shell": "shell", "console": "shell"}
NOT_RUN = re.compile(r"^<!-- not run: (?P<reason>.*\S.*?) -->$")
FILE = re.compile(r"^<!-- file: (?P<name>[\w.-]+\.py) -->$")
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)(?P<info>[^`]*)$")


@dataclass(frozen=True)
class Block:
    page: str  # relative to the repository root
    line: int  # 1-based line of the opening fence
    kind: str  # 'python' or 'shell'
    code: str
    not_run: str | None  # the reason, when marked
    file: str | None = None  # the file a python block is written to (<!-- file: NAME.py -->), when named

    def __str__(self) -> str:
        return f"{self.page}:{self.line}"


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def blocks(path: Path) -> tuple[list[Block], list[str]]:
    """The python and shell blocks of a page, and its problems (a marker that no block follows, an unclosed fence)."""
    lines = path.read_text().splitlines()
    page = str(path.relative_to(ROOT))
    out, problems, i = [], [], 0
    last_text = None  # (line number, text) of the last non-blank line outside a fence
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            if lines[i].strip():
                if last_text and (NOT_RUN.match(last_text[1]) or FILE.match(last_text[1])):
                    problems.append(f"{page}:{last_text[0]}: a not-run marker with no code block after it")
                last_text = (i + 1, lines[i].strip())
            i += 1
            continue
        close = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == m["fence"]), None)
        if close is None:
            problems.append(f"{page}:{i + 1}: a code fence that never closes")
            break
        lang = m["info"].strip().split(" ")[0].lower()
        marker = NOT_RUN.match(last_text[1]) if last_text else None
        named = FILE.match(last_text[1]) if last_text else None
        if lang in LANGUAGES:
            indent = len(m["indent"])
            code = "\n".join(line[indent:] for line in lines[i + 1:close]) + "\n"
            if named and LANGUAGES[lang] != "python":
                problems.append(f"{page}:{last_text[0]}: a file marker before a {lang} block; only python blocks are files")
            out.append(Block(page, i + 1, LANGUAGES[lang], code, marker["reason"] if marker else None,
                             named["name"] if named else None))
        elif marker or named:
            problems.append(f"{page}:{last_text[0]}: a not-run marker before a {lang or 'plain'} block, which never runs")
        last_text = None
        i = close + 1
    return out, problems
