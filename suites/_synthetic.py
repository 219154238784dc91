"""Kept for suite tests written against the old path: the builders live in harness.synthetic (also via harness.api)."""
from harness.synthetic import censored, outcomes, reached, runs_table

__all__ = ["censored", "outcomes", "reached", "runs_table"]
