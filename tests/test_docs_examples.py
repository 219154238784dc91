"""Every python or shell block of the docs and the README is run here, at the scale it states, in a temporary folder,
or is marked `<!-- not run: REASON -->` on the line before it (tests/doc_blocks.py)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.doc_blocks import ROOT, blocks, pages

RUN = {str(p.relative_to(ROOT)): [b for b in blocks(p)[0] if b.not_run is None] for p in pages()}
RUN = {page: found for page, found in RUN.items() if found}
TIMEOUT_S = 600  # a page's blocks together; the ones run here are ci scale, one seed (about a minute on 2 cores)


def test_every_block_is_run_or_marked_not_run_with_a_reason():
    problems = [p for page in pages() for p in blocks(page)[1]]
    assert not problems, problems
    found = [b for page in pages() for b in blocks(page)[0]]
    assert all(b.not_run is None or b.not_run.strip() for b in found)
    assert sum(len(v) for v in RUN.values()) >= 2, "some examples must run: otherwise this test checks nothing"
    assert "docs/getting-started.md" in RUN  # the first commands a new user types


def test_a_block_without_a_marker_is_collected_to_run_and_a_stray_marker_is_a_problem(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("text\n\n<!-- not run: needs a GPU -->\n```bash\nnvidia-smi\n```\n\n```python\nprint(1)\n```\n\n"
                    "```text\nplain output\n```\n\n<!-- not run: nothing follows -->\n\nmore text\n\n"
                    "<!-- file: my_suite.py -->\n```python\nSUITE = 1\n```\n")
    import tests.doc_blocks as doc_blocks
    saved = doc_blocks.ROOT
    doc_blocks.ROOT = tmp_path
    try:
        found, problems = blocks(page)
    finally:
        doc_blocks.ROOT = saved
    assert [(b.kind, b.not_run, b.file) for b in found] == [("shell", "needs a GPU", None), ("python", None, None),
                                                            ("python", None, "my_suite.py")]
    assert found[1].code == "print(1)\n"
    assert len(problems) == 1 and "no code block after it" in problems[0]


@pytest.mark.parametrize("page", sorted(RUN))
def test_a_pages_examples_run_in_an_empty_folder(page, tmp_path):
    """A page's runnable blocks, in order, in one empty folder (a later block may read what an earlier one wrote)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "HARNESS_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # harness and mkdocs of this venv
    env["COLUMNS"] = "100"
    for block in RUN[page]:
        if block.kind == "python":
            script = tmp_path / (block.file or f"block_{block.line}.py")
            script.write_text(block.code)
            tested = script.name.startswith("test_")  # a test file runs under pytest, not as a script
            command = [sys.executable, *(["-m", "pytest", "-q", "-p", "no:cacheprovider"] if tested else []), script.name]
        else:
            command = ["bash", "-e", "-o", "pipefail", "-c", block.code]
        done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
        assert done.returncode == 0, f"{block} exited {done.returncode}:\n{block.code}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
