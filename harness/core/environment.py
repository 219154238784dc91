"""The environment a result was measured on: device name, thread count, library versions, the harness's own commit."""
from __future__ import annotations

import platform
from functools import lru_cache
from pathlib import Path

import torch

from harness.core.contract import HARNESS_COMMIT_TAG
from harness.core.project import harness_commit


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
    sha = harness_commit()
    if sha:
        tags[HARNESS_COMMIT_TAG] = sha
    return tags
