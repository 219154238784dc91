"""Text that fits the terminal: its width, wrapped paragraphs and tables every command prints through.

The width is COLUMNS where it is set (a person's choice, and what tests set), else the terminal's, else 100 (a log
file, a pipe). Standard library only: `list`, help and bad input print through here without importing anything heavy.
"""
from __future__ import annotations

import os
import sys
import textwrap

DEFAULT_WIDTH = 100  # columns when neither COLUMNS nor a terminal says
GAP = "  "  # between table columns


def width() -> int:
    """The columns a printed line may take: COLUMNS (a positive integer), else stdout's terminal, else 100."""
    text = os.environ.get("COLUMNS", "").strip()
    if text.isdigit() and int(text) > 0:
        return int(text)
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns or DEFAULT_WIDTH
    except (OSError, ValueError, AttributeError):  # not a terminal (a pipe, a file, pytest's capture)
        return DEFAULT_WIDTH


def wrap(text: str, columns: int, first: str = "", rest: str = "  ") -> list[str]:
    """One paragraph as lines of at most `columns` characters (a word longer than a line keeps its own line):
    the first line starts with `first`, the others with `rest`."""
    if not text:
        return [first.rstrip()]
    return textwrap.wrap(text, max(columns, len(rest) + 10), initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or [first.rstrip()]


def paragraphs(text: str, columns: int, rest: str = "  ") -> str:
    """Every line of `text` wrapped to `columns` (continuations indented by `rest`); blank lines kept."""
    return "\n".join(line for raw in text.splitlines() for line in (wrap(raw, columns, rest=rest) if raw else [""]))


def table(rows: list[tuple[str, ...]], columns: int | None = None, flexible: tuple[int, ...] = ()) -> str:
    """Rows (header first) as an aligned text table, a dashed line under the header.

    With `columns`, a table wider than that first wraps its headers (no narrower than the column's widest cell),
    then narrows its `flexible` columns (by index; the widest first, each no further than its longest word),
    wrapping their cells onto continuation lines: a row stays one line while the table fits, and no line is
    wider than `columns` while the words allow it.
    """
    if not rows:
        return ""
    n = len(rows[0])
    widths = [max(len(r[i]) for r in rows) for i in range(n)]

    def words(cells) -> int:
        return max((len(w) for c in cells for w in c.split()), default=1)

    if columns is not None:
        cells = [max([len(r[i]) for r in rows[1:]] + [words([rows[0][i]])]) for i in range(n)]  # headers wrap
        floors = [cells, [words(r[i] for r in rows) if i in flexible else cells[i] for i in range(n)]]
        for floor in floors:  # headers first, then the flexible columns' cells
            while sum(widths) + len(GAP) * (n - 1) > columns:
                room = [i for i in range(n) if widths[i] > floor[i]]
                if not room:
                    break
                widest = max(room, key=lambda i: widths[i])
                over = sum(widths) + len(GAP) * (n - 1) - columns
                second = max((widths[i] for i in room if i != widest), default=floor[widest])
                widths[widest] = max(floor[widest], widths[widest] - max(1, min(over, widths[widest] - second)))
    lines = []
    for k, row in enumerate(rows):
        cells = [textwrap.wrap(c, widths[i], break_long_words=False, break_on_hyphens=False) or [""]
                 if len(c) > widths[i] else [c] for i, c in enumerate(row)]
        for j in range(max(len(c) for c in cells)):
            lines.append(GAP.join((c[j] if j < len(c) else "").ljust(w) for c, w in zip(cells, widths)).rstrip())
        if k == 0:
            lines.append(GAP.join("-" * w for w in widths))
    return "\n".join(lines)
