"""The environment a result was measured on: device name, thread count, library versions, code revision."""
from __future__ import annotations

import platform
import subprocess
from functools import lru_cache
from pathlib import Path

import torch


@lru_cache(maxsize=None)
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass  # not Linux: fall through to what the platform module knows
    return platform.processor() or platform.machine() or "unknown CPU"


def device_name(device: str) -> str:
    """The CPU model or GPU name a run executes on."""
    if device == "cuda":
        return torch.cuda.get_device_name(torch.cuda.current_device())
    return cpu_model()


@lru_cache(maxsize=None)
def git_sha() -> str | None:
    """The harness checkout's commit, with '-dirty' when it has uncommitted changes; None outside git."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
        if sha.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5)
        return sha.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.TimeoutExpired):
        return None


def environment_tags(device: str, threads: int) -> dict[str, str]:
    """The tags every run carries so a result can be traced to its machine and software."""
    import pytorch_lightning

    from harness.version import __version__

    tags = {
        "device": device_name(device),
        "device_type": device,
        "threads": str(threads),
        "torch_version": torch.__version__,
        "lightning_version": pytorch_lightning.__version__,
        "harness_version": __version__,
        "python_version": platform.python_version(),
        "platform": platform.platform(),
    }
    if device == "cuda":
        tags["cuda_version"] = str(torch.version.cuda)
    sha = git_sha()
    if sha:
        tags["git_sha"] = sha
    return tags
