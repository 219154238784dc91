"""Kept for suite tests written against the old path: the builders live in harness.judge.simulated (also via harness.api)."""
from harness.judge.simulated import censored, outcomes, reached, runs_table

__all__ = ["censored", "outcomes", "reached", "runs_table"]
