"""Report plots reused when nothing they are drawn from has changed since they were attached to the parent run.

Rendering is most of a report's time (a 108-run invocation: ~2 s of CPU in matplotlib). The key is a
digest of everything the plots read, taken fresh from the store each time: the runs table, the verdict
rows, the per-epoch histories drawn, and the code and matplotlib version that draw them. The PNGs
logged under the parent run's `report/` folder are reused only when `report/plots.json` there names
the same digest, so any change to the store's runs, the rule or the plotting code renders them anew.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

from harness.core.contract import REPORT_DIR

INDEX = "plots.json"  # under report/: the digest, the plots drawn for it and the notes on those skipped


def digest(parts: list[str | bytes]) -> str:
    """sha256 over the parts, each length-prefixed so that no two different lists of parts hash alike."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def restore(client, run_id: str, key: str, out_dir: Path) -> tuple[dict[str, Path], list[str]] | None:
    """(plot name -> path in out_dir, notes) as attached for this digest; None when drawn from other data (or never)."""
    if INDEX not in {Path(a.path).name for a in client.list_artifacts(run_id, REPORT_DIR)}:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        index = json.loads(Path(client.download_artifacts(run_id, f"{REPORT_DIR}/{INDEX}", tmp)).read_text())
        if index.get("digest") != key:
            return None
        plots = {}
        for name, sha in index["plots"].items():
            local = Path(client.download_artifacts(run_id, f"{REPORT_DIR}/{name}", tmp))
            if hashlib.sha256(local.read_bytes()).hexdigest() != sha:  # overwritten since (e.g. an older harness)
                return None
            plots[name] = out_dir / name
            shutil.copyfile(local, plots[name])
    return plots, list(index["notes"])


def write_index(out_dir: Path, key: str, plots: dict[str, Path], notes: list[str]) -> Path:
    """report/plots.json, logged with the plots: what a later report compares its digest with."""
    path = out_dir / INDEX
    files = {name: hashlib.sha256(p.read_bytes()).hexdigest() for name, p in plots.items()}  # as logged beside it
    path.write_text(json.dumps({"digest": key, "plots": files, "notes": notes}, indent=1))
    return path
