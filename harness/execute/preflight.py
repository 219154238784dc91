"""Checks made before anything touches the store, so bad input leaves nothing half-written.

RunConfig validates values on its own; what it cannot know (it is also rebuilt from stored params
on other machines) is whether this machine has what a run needs, such as a dataset's files.
"""
from __future__ import annotations

from pathlib import Path

from harness.config.run_config import ConfigError, RunConfig
from harness.data.datasets import IDX_DATASETS, find_idx


def check_runnable(configs: list[RunConfig]) -> None:
    """Raise ConfigError (one line) when a config needs data this machine does not have, or its registered model
    factory and dataset loader cannot run it (harness.train.parts.check_models: a user's are called once to see)."""
    from harness.train.parts import check_models  # torch and Lightning: only once a run is about to happen

    for dataset, data_path in sorted({(c.dataset, c.data_path) for c in configs}):
        if dataset not in IDX_DATASETS:
            continue
        folder = Path(data_path)
        if not folder.is_dir():
            raise ConfigError(f"invalid data_path {data_path!r} for dataset {dataset!r}: no such folder")
        for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
            try:
                find_idx(folder, stem)
            except FileNotFoundError:
                raise ConfigError(f"invalid data_path {data_path!r} for dataset {dataset!r}: "
                                  f"no {stem} (or .gz) in it") from None
    check_models(configs)
