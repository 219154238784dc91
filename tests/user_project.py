"""A user's project for the tests of issue 25: suite files written into a folder of the test's own (a git repository
where the test needs commits), run through the command line as a user runs them."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# A fast suite of a user's own: a custom dataset and model (named per test: registries are per process), 2 seeds, 3
# epochs, widths 2 vs 16. `broken` widths fail to build (a run that fails); `scales` is the Suite's scales argument.
FAST_SUITE = '''
import numpy as np
from torch import nn

import harness
from harness import RatioStatement, RunConfig, Suite, epochs_to_target


@harness.register_dataset("blobs-{tag}")
def blobs(config):
    """Two Gaussian blobs in 2-D, 100 points each."""
    rng = np.random.default_rng(config.split_seed)
    X = np.concatenate([rng.normal(-1, 1, (100, 2)), rng.normal(1, 1, (100, 2))]).astype(np.float32)  # (200, 2)
    return X, np.repeat([0, 1], 100).astype(np.int64)


@harness.register_model("net-{tag}", supports=("width",))
def net(config, n_features, n_classes):
    """One hidden ReLU layer of `width` units."""
    if config.width in {broken!r}:
        raise RuntimeError("this width cannot be built")
    return nn.Sequential(nn.Linear(n_features, config.width), nn.ReLU(), nn.Linear(config.width, n_classes))


SUITE = Suite(name="fast-{tag}", claim="a wider net reaches the target sooner", source="tests/user_project.py",
              base=RunConfig(model="net-{tag}", dataset="blobs-{tag}", optimizer="adam", lr=0.01, batch_size=50,
                             max_epochs=3, target_value=0.7),
              grid={{"width": (2, 16)}}, seeds=2, timing=False, scales={scales!r},
              judge=harness.paired("width", 16, 2, [RatioStatement("wider is faster", "epochs-to-target ratio",
                                                                 epochs_to_target, "<")]))
'''

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "my_project"


def fast_suite(folder: Path, tag: str, broken=(), scales=None) -> Path:
    """Write the fast suite (names suffixed by `tag`) to folder/suite_<tag>.py; its path."""
    path = folder / f"suite_{tag.replace('-', '_')}.py"
    path.write_text(FAST_SUITE.format(tag=tag, broken=set(broken), scales=scales or {}))
    return path


def git(folder: Path, *args: str) -> str:
    """A git command in `folder` (an identity of its own, so it runs on a machine with none configured)."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "user", "GIT_AUTHOR_EMAIL": "user@example.com",
           "GIT_COMMITTER_NAME": "user", "GIT_COMMITTER_EMAIL": "user@example.com"}
    return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, check=True,
                          env=env).stdout.strip()


def harness_cli(folder: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """The installed `harness` console script, run in `folder` as a user runs it (store: folder/mlruns)."""
    exe = os.path.join(os.path.dirname(sys.executable), "harness")
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    return subprocess.run([exe, *args], cwd=folder, capture_output=True, text=True, timeout=timeout,
                          env={**env, "COLUMNS": "200"})
