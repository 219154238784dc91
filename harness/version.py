"""The harness's version, recorded on every run (harness_version) and matched by resume and judging."""
from __future__ import annotations

__version__ = "0.1.0"
