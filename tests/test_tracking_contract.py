"""The MLflow names are a public contract: checked on a real SQLite store in a temporary folder."""
from __future__ import annotations

import json
import time

import pytest
from mlflow.tracking import MlflowClient

from harness.train.callbacks import EpochMetrics
from harness.config.run_config import RunConfig
from harness.core import contract
from harness.core.contract import EPOCH_METRICS
from harness.store import queries
from harness.execute.pipeline import Execution, run_suite
from harness.store.queries import load_history, load_runs, parent_runs
from harness.train.fit import train
from harness.train.lifecycle import Recording
from harness.store.location import StoreError
from harness.judge.suite import Suite
from harness.store.tracking import Tracker
from suites.bn_walltime import judge


def tiny_suite() -> Suite:
    return Suite(name="tiny-bn", claim="a tiny BN grid", source="test",
                 base=RunConfig(depth=2, width=16, optimizer="adam", lr=0.01, max_epochs=3, target_value=0.8),
                 grid={"activation": ("relu",), "norm": ("none", "before")}, seeds=2, judge=judge)


@pytest.fixture
def suite_run(tracker):
    suite = tiny_suite()
    return suite, run_suite(suite, tracker, suite.configs(), Execution(progress=False))


def test_experiment_parent_and_children(suite_run, store_uri):
    suite, result = suite_run
    client = MlflowClient(store_uri)
    exp = client.get_experiment_by_name("tiny-bn")
    assert exp is not None
    parents = parent_runs(client, "tiny-bn")
    assert [p.info.run_id for p in parents] == [result.parent_run_id]
    assert parents[0].info.status == "FINISHED"
    children = client.search_runs([exp.experiment_id], filter_string="tags.`harness.role` = 'child'")
    assert len(children) == 4  # 2 norms x 2 seeds
    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {result.parent_run_id}


def test_child_params_metrics_and_tags(suite_run, store_uri):
    _, result = suite_run
    client = MlflowClient(store_uri)
    runs = load_runs(client, "tiny-bn", result.parent_run_id)
    run = client.get_run(runs.run_id[0])
    assert set(run.data.params) == set(RunConfig.field_names()) - {"options"}  # one param per option: none here
    for name in ("stop_reason", "config_id", "device", "threads", "torch_version", "lightning_version"):
        assert run.data.tags.get(name), name
    assert run.data.tags["stop_reason"] in ("target", "max_epochs", "diverged")
    config = RunConfig.from_params(run.data.params)
    assert run.data.tags["config_id"] == config.config_id
    for name in ("converged", "wall_time_s", "median_epoch_time_s"):
        assert name in run.data.metrics
    if run.data.metrics["converged"] == 1:
        assert {"epochs_to_target", "time_to_target_s"} <= set(run.data.metrics)
    else:
        assert "epochs_to_target" not in run.data.metrics
    epochs = int(run.data.metrics["epochs_run"])
    for name in EPOCH_METRICS:
        history = client.get_metric_history(run.info.run_id, name)
        assert [m.step for m in history] == list(range(1, epochs + 1)), name  # step = epoch, 1-based


def contract_names() -> set[str]:
    """Every name harness.core.contract declares: its string constants and the strings in its tuples."""
    out = set()
    for name, value in vars(contract).items():
        if name.isupper():
            out |= {value} if isinstance(value, str) else {v for v in value if isinstance(v, str)} if isinstance(value, tuple) else set()
    return out


# Tags a run carries only where they are known: the CUDA version on a CUDA build, the harness commit in a checkout,
# the project commit in a git repository.
WHERE_KNOWN = {"cuda_version", "harness_commit", *contract.PROJECT_TAGS}
ONLY_CONVERGED = {"epochs_to_target", "time_to_target_s"}  # summary metrics of a run that reached its target


def own(tags: dict) -> set[str]:
    """The tag keys a run carries that MLflow does not write itself (its own are mlflow.*, but for the contract's)."""
    return {k for k in tags if not k.startswith("mlflow.") or k in (contract.PARENT_TAG, contract.NOTE_TAG)}


def test_what_the_writers_put_in_a_real_store_is_the_contract(suite_run, store_uri, tmp_path):
    """Read back from the store, not from the writers' code: every experiment, run, tag, param, metric and artifact
    name is the contract's, and each name the contract says is always written is there (a renamed or new literal
    in a writer fails here)."""
    suite, result = suite_run
    client = MlflowClient(store_uri)
    known = contract_names()
    exp = client.get_experiment_by_name(suite.name)
    assert exp.tags[contract.EXPERIMENT_KIND_TAG] == contract.EXPERIMENT_KIND

    parent = client.get_run(result.parent_run_id)
    tags = own(parent.data.tags)
    verdicts = {k for k in tags if k.startswith(contract.verdict_tag(""))}
    slugs = {k.removeprefix(contract.verdict_tag("")) for k in verdicts}
    assert len(verdicts) == len(result.verdicts) == 4  # bn-walltime's rows for one group without an lr grid
    env = tags & {*contract.ENVIRONMENT_TAGS, *contract.PROJECT_TAGS}
    assert set(contract.ENVIRONMENT_TAGS) - WHERE_KNOWN <= env
    assert tags - verdicts - env == {contract.ROLE_TAG, contract.SUITE_TAG, contract.PROC_TAG, contract.RESUMED_TAG,
                                     contract.NOTE_TAG, *contract.INVOCATION_TAGS, *contract.MACHINE_TAGS}
    assert parent.data.tags[contract.ROLE_TAG] == contract.PARENT and parent.data.tags[contract.SUITE_TAG] == suite.name
    assert set(parent.data.params) <= known and {"scale", "seeds", "n_configs"} <= set(parent.data.params)
    assert set(parent.data.metrics) == {contract.effect_metric(s) for s in slugs}
    assert {a.path for a in client.list_artifacts(parent.info.run_id)} == {contract.VERDICT_TXT, contract.VERDICT_JSON,
                                                                           contract.JUDGED_RUNS}

    for run_id in result.runs.run_id:
        run = client.get_run(run_id)
        tags, metrics = own(run.data.tags), set(run.data.metrics)
        assert set(contract.RUN_TAGS) - WHERE_KNOWN <= tags <= {*contract.RUN_TAGS, contract.ROLE_TAG, contract.SUITE_TAG,
                                                                contract.PARENT_TAG}
        assert run.data.tags[contract.ROLE_TAG] == contract.CHILD
        assert run.data.tags[contract.PARENT_TAG] == result.parent_run_id
        assert run.data.tags[contract.STOP_REASON_TAG] in contract.STOP_REASONS
        # the config's fields are the params (each option its own options.NAME: none here)
        assert set(run.data.params) == set(RunConfig.field_names()) - {"options"}
        always = set(contract.SUMMARY_METRICS) - ONLY_CONVERGED
        assert always | set(contract.EPOCH_METRICS) <= metrics
        assert (ONLY_CONVERGED <= metrics) == (run.data.metrics["converged"] == 1)
        assert metrics <= {*contract.SUMMARY_METRICS, *contract.EPOCH_METRICS, *contract.EPOCH_EXTRA_METRICS}
        assert [m.step for m in client.get_metric_history(run_id, "wall_time_s")] == [0]  # summaries at step 0
        assert [i.dataset.name for i in run.inputs.dataset_inputs] == ["digits/train", "digits/validation"]


def test_parent_runs_is_one_paged_query_without_a_cap(tracker, monkeypatch):
    """More invocations than a page holds: every one comes back, newest first, for a suite or for the whole store."""
    monkeypatch.setattr(queries, "PAGE", 2)
    made = []
    for suite in ("a", "b", "a", "a", "b"):
        made.append(tracker.start_parent(suite, suite, {}))
        tracker.finish(made[-1])
        time.sleep(0.002)  # distinct start times (ms), so newest-first is one order
    assert [p.info.run_id for p in parent_runs(tracker.client, "a")] == [made[3], made[2], made[0]]
    assert [p.info.run_id for p in parent_runs(tracker.client)] == made[::-1]


def test_verdict_is_attached_to_the_parent(suite_run, store_uri, tmp_path):
    _, result = suite_run
    client = MlflowClient(store_uri)
    local = client.download_artifacts(result.parent_run_id, "verdict.json", str(tmp_path))
    rows = json.loads(open(local).read())
    assert len(rows) == 4 == len(result.verdicts)  # relu: before vs none x 4 statements (no lr grid: no tuned row)
    assert {r["statement"] for r in rows} == {"each epoch is slower", "BN rescues training",
                                              "fewer epochs are needed where both arms train",
                                              "total time is shorter where both arms train"}
    parent = client.get_run(result.parent_run_id)
    assert any(k.startswith("verdict/") for k in parent.data.tags)
    assert parent.data.tags["device"]


def test_history_as_dataframe(suite_run, store_uri):
    _, result = suite_run
    client = MlflowClient(store_uri)
    history = load_history(client, result.runs.run_id[0])
    assert list(history.epoch) == list(range(1, len(history) + 1))
    assert {"train/loss", "val/acc", "train/epoch_time_s"} <= set(history.columns)


def test_single_training_run_goes_to_the_train_experiment(tracker, tiny, store_uri):
    result = train(tiny, Recording(tracker))
    client = MlflowClient(store_uri)
    run = client.get_run(result.run_id)
    assert client.get_experiment(run.info.experiment_id).name == "train"
    assert run.info.status == "FINISHED" and "mlflow.parentRunId" not in run.data.tags


def test_a_run_that_raises_is_marked_failed_with_its_traceback(tracker, store_uri, tmp_path):
    cfg = RunConfig(depth=1, width=4, batch_size=5000, max_epochs=1)  # batch larger than the data
    with pytest.raises(ValueError):
        train(cfg, Recording(tracker))
    client = MlflowClient(store_uri)
    (run,) = client.search_runs([client.get_experiment_by_name("train").experiment_id])
    assert run.info.status == "FAILED" and run.data.tags["stop_reason"] == "failed"
    text = open(client.download_artifacts(run.info.run_id, "traceback.txt", str(tmp_path))).read()
    assert "batch_size 5000 exceeds" in text


def test_a_failing_config_does_not_stop_the_suite(tracker):
    suite = tiny_suite()
    configs = suite.configs()
    configs[1] = configs[1].replace(batch_size=5000)
    result = run_suite(suite, tracker, configs, Execution(progress=False))
    assert len(result.failures) == 1 and len(result.runs) == 3


def test_plain_folder_store_is_refused(tmp_path):
    with pytest.raises(StoreError, match="plain folder"):
        Tracker(str(tmp_path / "mlruns"))


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    bad = tmp_path / "mlflow.db"
    bad.write_text("not a database")
    with pytest.raises(StoreError, match="not an SQLite database"):
        Tracker(f"sqlite:///{bad}")


def test_an_error_outside_any_run_marks_the_parent_failed(tracker, store_uri):
    """A broken judge (a harness bug, not a run's failure) must not leave the invocation RUNNING."""
    import dataclasses

    def broken_judge(runs):
        raise RuntimeError("judge bug")

    suite = dataclasses.replace(tiny_suite(), judge=broken_judge)
    with pytest.raises(RuntimeError, match="judge bug"):
        run_suite(suite, tracker, suite.configs(seeds=1), Execution(progress=False))
    client = MlflowClient(store_uri)
    (parent,) = parent_runs(client, "tiny-bn")
    assert parent.info.status == "FAILED"
    children = load_runs(client, "tiny-bn", parent.info.run_id)
    assert len(children) == 2  # the finished runs are kept


class _LossRatio(EpochMetrics):
    """A derived metric for the test: val/loss / train/loss, per epoch."""

    def derive(self, metrics, epoch):
        return {"derived/loss_ratio": metrics["val/loss"] / metrics["train/loss"], "derived/epoch": float(epoch)}


def test_a_derived_epoch_metric_is_in_the_history_and_logged_per_epoch(tracker, tiny, store_uri):
    result = train(tiny.replace(stop_at_target=False), Recording(tracker), extra_callbacks=[_LossRatio()])
    assert [h["derived/epoch"] for h in result.history] == [1.0, 2.0, 3.0]
    assert all(h["derived/loss_ratio"] == h["val/loss"] / h["train/loss"] for h in result.history)
    history = load_history(MlflowClient(store_uri), result.run_id)
    assert list(history["derived/epoch"]) == [1.0, 2.0, 3.0]  # logged at step = epoch, with the epoch's figures
    assert list(history["derived/loss_ratio"]) == pytest.approx([h["derived/loss_ratio"] for h in result.history])


def test_a_relative_store_is_the_working_directorys_own(tmp_path, monkeypatch):
    """MLflow keeps one store per URI string for the life of a process: the default sqlite:///mlruns/mlflow.db opened
    from a second working directory must reach that directory's file, not the first one's."""
    uris = []
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        monkeypatch.chdir(tmp_path / name)
        tracker = Tracker("sqlite:///mlruns/mlflow.db")
        tracker.finish(tracker.start_parent("s", name, {}))
        uris.append(tracker.uri)
    assert uris == [f"sqlite:///{tmp_path / n / 'mlruns' / 'mlflow.db'}" for n in ("first", "second")]
    for name, uri in zip(("first", "second"), uris):
        assert [p.info.run_name for p in parent_runs(MlflowClient(uri), "s")] == [name]  # each its own, not both in one
