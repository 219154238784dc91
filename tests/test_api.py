"""The public API: a suite written outside this repo (its own model and dataset) loads, runs, records and is judged."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from mlflow.tracking import MlflowClient

import harness
from harness.api import installed_suites, load_plugins, load_suite_file, paired, suites_in
from harness.cli.main import main
from harness.config.run_config import ConfigError, RunConfig
from harness.core.contract import CHILD, PARENT, ROLE_TAG, VERDICT_JSON
from harness.data.datamodule import InMemoryDataModule
from harness.data.datasets import DATASETS
from harness.nn.models import MODELS, build_model
from harness.store.queries import load_runs, parent_runs
from harness.judge.verdict import RatioStatement
from harness.version import __version__

ROOT = Path(__file__).resolve().parents[1]

# A user's suite file: its own dataset and model (names unique to this test), two widths compared by seed.
USER_SUITE = '''
import numpy as np
from torch import nn

import harness
from harness import RatioStatement, RunConfig, Suite, epochs_to_target

BUILT = []  # widths of every model built: proof the runner used this factory


@harness.register_dataset("api-test-blobs")
def blobs(config):
    """Four Gaussian blobs in 2-D."""
    rng = np.random.default_rng(config.split_seed)
    centers = np.array([[0, 0], [3, 0], [0, 3], [3, 3]], float)
    y = np.repeat(np.arange(4), 300)
    return (centers[y] + rng.normal(0, 0.6, (1200, 2))).astype(np.float32), y.astype(np.int64)


@harness.register_model("api-test-net", supports=("width", "activation"))
def net(config, n_features, n_classes):
    BUILT.append(config.width)
    from harness.nn.activations import ACTIVATIONS
    return nn.Sequential(nn.Linear(n_features, config.width), ACTIVATIONS.get(config.activation).make(),
                         nn.Linear(config.width, n_classes))


SUITE = Suite(
    name="api-test-width", claim="a wider net needs fewer epochs", source="tests/test_api.py",
    base=RunConfig(model="api-test-net", dataset="api-test-blobs", width=2, optimizer="adam", lr=0.01,
                   batch_size=64, max_epochs=20, target_value=0.9),
    grid={"width": (2, 64)}, seeds=6, timing=False,
    judge=harness.paired("width", 64, 2, [RatioStatement("wider needs fewer epochs", "epochs ratio",
                                                          epochs_to_target, "<")]),
    scales={"ci": {"seeds": 6}},
)
'''


@pytest.fixture(autouse=True, scope="module")
def _registries_as_found():
    """What these tests register leaves with them: other tests compare the registries with the source files."""
    before = {registry: set(registry.names()) for registry in (MODELS, DATASETS)}
    yield
    for registry, names in before.items():
        for name in set(registry.names()) - names:
            registry.unregister(name)


@pytest.fixture(scope="module")
def user_suite_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("elsewhere") / "api_test_suite.py"  # outside this repo
    path.write_text(USER_SUITE)
    return path


def test_import_harness_is_light_and_exposes_the_api_lazily():
    code = "import sys, harness; print('torch' in sys.modules, harness.__version__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", __version__]
    assert harness.paired is paired and harness.RunConfig is RunConfig and "register_model" in dir(harness)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        harness.nope


def test_a_suite_file_outside_the_repo_runs_records_and_is_judged(user_suite_file, store_uri, tmp_path, capsys):
    suite = load_suite_file(user_suite_file)
    result = harness.run(suite, scale="ci", store=store_uri)
    built = sys.modules["api_test_suite"].BUILT
    # 12 runs, and the one call before any run opens that shows what the factory returns (harness.train.parts)
    assert sorted(set(built)) == [2, 64] and len(built) == 13 and not result.failures, result.failures
    (row,) = result.verdicts
    assert row.outcome == "supported" and row.n == 6, row
    # The contract: a parent with its verdict, children with the config's model and dataset as params.
    client = MlflowClient(store_uri)
    (parent,) = parent_runs(client, suite.name)
    assert parent.data.tags[ROLE_TAG] == PARENT and VERDICT_JSON in {a.path for a in client.list_artifacts(parent.info.run_id)}
    runs = load_runs(client, suite.name, parent.info.run_id)
    assert set(runs["model"]) == {"api-test-net"} and set(runs["dataset"]) == {"api-test-blobs"} and len(runs) == 12
    assert all(client.get_run(r).data.tags[ROLE_TAG] == CHILD for r in runs["run_id"])
    # The same runs judged against the reversed claim: the rule can fail.
    reverse = paired("width", 64, 2, [RatioStatement("wider needs more epochs", "epochs ratio",
                                                     harness.epochs_to_target, ">")])
    assert reverse(result.runs)[0].outcome == "refuted"
    # `harness report` takes the file as `harness run` does.
    capsys.readouterr()
    assert main(["report", str(user_suite_file), "--tracking-uri", store_uri, "--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    title = " ".join(out.split("\n\n")[0].split())  # the title, wrapped to the terminal's width
    assert title.startswith(f"{suite.name}: report on invocation ") and result.parent_run_id in title
    assert "ANSWER to 'a wider net needs fewer epochs" in out and (tmp_path / "r" / "report.html").is_file()


def test_suite_file_errors_are_one_line(tmp_path):
    with pytest.raises(ConfigError, match="invalid suite file .*missing.py.*no such Python file"):
        load_suite_file(tmp_path / "missing.py")
    (tmp_path / "no_suite.py").write_text("X = 1\n")
    with pytest.raises(ConfigError, match="defines no SUITE"):
        load_suite_file(tmp_path / "no_suite.py")
    (tmp_path / "not_suite.py").write_text("SUITE = 'bn-walltime'\n")
    with pytest.raises(ConfigError, match="SUITE is a str, not a harness.Suite"):
        load_suite_file(tmp_path / "not_suite.py")
    with pytest.raises(ConfigError, match="not a folder"):
        suites_in(tmp_path / "nowhere")


def test_suites_in_a_folder(user_suite_file):
    (user_suite_file.parent / "test_ignored.py").write_text("raise RuntimeError('test files are not imported')\n")
    assert list(suites_in(user_suite_file.parent)) == ["api-test-width"]


def test_register_model_refuses_unsupported_axes_and_bad_names(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # the whole list of models fits the line
    @harness.register_model("api-test-fixed", supports=("width",))
    def fixed(config, n_features, n_classes):
        return None

    assert MODELS.get("api-test-fixed").supports == ("width",)
    with pytest.raises(ConfigError, match="invalid norm 'before' for model 'api-test-fixed'.*supports: width"):
        RunConfig(model="api-test-fixed", norm="before")
    RunConfig(model="api-test-fixed", width=7)  # a supported axis moves freely
    with pytest.raises(ValueError, match="already registered"):
        harness.register_model("api-test-fixed")(fixed)
    with pytest.raises(ValueError, match="invalid supports 'colour'"):
        harness.register_model("api-test-x", supports=("colour",))
    with pytest.raises(ConfigError, match="unknown model 'nope'; valid: mlp, cnn"):
        RunConfig(model="nope")


def test_register_dataset_of_sequences_is_standardized_per_position():
    @harness.register_dataset("api-test-seq")
    def seq(config):
        """(N, 2, 16) sequences whose positions have different scales."""
        rng = np.random.default_rng(0)
        X = rng.normal(0, 1, (400, 2, 16)) * np.arange(1, 17) + np.arange(16)
        return X.astype(np.float32), (X[:, 0, 0] > 0).astype(np.int64)

    assert "api-test-seq" in DATASETS
    dm = InMemoryDataModule(RunConfig(dataset="api-test-seq", model="cnn", batch_size=32))
    dm.setup()
    assert dm.n_features == (2, 16)
    assert np.allclose(dm.x_train.mean(0).numpy(), 0, atol=1e-5) and np.allclose(dm.x_train.std(0).numpy(), 1, atol=1e-4)
    model = build_model(RunConfig(model="cnn", depth=2, width=4), dm.n_features, dm.n_classes)
    assert model(dm.x_train[:5]).shape == (5, 2)


def test_entry_points_of_an_installed_package(tmp_path, monkeypatch):
    """A package declaring a suite, a model module and a dataset loader under harness's entry-point groups."""
    pkg = tmp_path / "ep_test_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(textwrap.dedent('''
        import numpy as np
        from harness import RunConfig, Suite, register_model

        def load(config):
            return np.zeros((10, 3), np.float32), np.arange(10) % 2

        @register_model("ep-test-net", supports=("width",))
        def net(config, n_features, n_classes):
            raise NotImplementedError

        SUITE = Suite(name="ep-test-suite", claim="c", source="s", base=RunConfig(), grid={}, seeds=1,
                      judge=lambda runs: [])
    '''))
    dist = tmp_path / "ep_test_pkg-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ep-test-pkg\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[harness.suites]\nep-test = ep_test_pkg:SUITE\n\n"
                                           "[harness.models]\nep-test-net = ep_test_pkg\n\n"
                                           "[harness.datasets]\nep-test-data = ep_test_pkg:load\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    load_plugins.cache_clear()
    try:
        assert "harness.datasets:ep-test-data" in load_plugins()
        assert "ep-test-net" in MODELS and "ep-test-data" in DATASETS
        assert DATASETS.get("ep-test-data").load(RunConfig())[0].shape == (10, 3)
        assert DATASETS.get("ep-test-data").doc == "entry point ep_test_pkg:load"  # no docstring: where it came from
        assert list(installed_suites()) == ["ep-test-suite"]
    finally:
        load_plugins.cache_clear()
