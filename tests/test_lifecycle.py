"""One run lifecycle: one place fits models, runs are named by the fields their suite varies, and a measured run
(not fitted) opens, fails and is interrupted as a fitted one."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from harness.config.run_config import RunConfig
from harness.execute.pipeline import Execution, run_suite
from harness.judge.suite import Suite
from harness.train.lifecycle import Recording, measure, name_fields, run_name

ROOT = Path(__file__).resolve().parents[1]


def fit_calls() -> list[str]:
    """Every `<x>.fit(...)` call in harness/, as 'path:line'."""
    found = []
    for path in sorted((ROOT / "harness").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "fit":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_one_place_in_the_harness_calls_trainer_fit():
    calls = fit_calls()
    assert len(calls) == 1 and calls[0].startswith("harness/train/fit.py:"), calls


def test_names_show_the_fields_that_tell_configs_apart():
    base = RunConfig()
    product = [base.replace(seed=s, dropout=d, lr=lr) for s in (0, 1) for d in (0.0, 0.5) for lr in (1e-3, 3e-3)]
    assert name_fields(["dropout", "lr"], product) == ("dropout", "lr")
    assert run_name(product[3], ("dropout", "lr")) == "dropout=0.5 lr=0.003 s0"
    # init follows activation in a zipped axis, and n_samples never varies: both are left out
    zipped = [base.replace(activation=a, init=i, norm=n, n_samples=500) for a, i in (("relu", "auto"), ("tanh", "default"))
              for n in ("none", "before")]
    assert name_fields(["activation", "init", "n_samples", "norm"], zipped) == ("activation", "norm")
    assert run_name(base.replace(reuse_from="", dropout=1e-5), ("reuse_from", "dropout")) == "reuse_from='' dropout=1e-05 s0"
    assert run_name(base) == "relu-none-s0"  # a lone run (`harness train`): no suite, no naming fields


@pytest.mark.parametrize("words,expected", [
    ({}, "dropout {dropout:g}, lr {lr:g}, seed {seed}"),  # no words: 'field value'
    ({"dropout": lambda p: f"dropout {p:g}" if p else "no dropout"}, "{dropout_said}, lr {lr:g}, seed {seed}"),
    ({"dropout": lambda p: "dropout"}, "dropout={dropout:g} lr={lr:g} s{seed}"),  # words that name two alike: fields
])
def test_every_child_of_a_suite_is_named_by_its_varying_fields_in_its_words(tiny, tracker, words, expected):
    """Real store, real Trainer: a grid over two fields the headline names never showed, named in the suite's words
    where they tell every configuration apart; every name unique within the invocation."""
    suite = Suite(name="names", claim="test", source="tests", base=tiny.replace(max_epochs=1),
                  grid={"dropout": (0.0, 0.5), "lr": (0.001, 0.01)}, seeds=2, judge=lambda runs: [], timing=False,
                  words=words)
    result = run_suite(suite, tracker, suite.configs(), Execution(progress=False))
    assert not result.failures
    client = tracker.client
    children = client.search_runs([client.get_experiment_by_name(suite.name).experiment_id],
                                  f"tags.`mlflow.parentRunId` = '{result.parent_run_id}'")
    names = [r.info.run_name for r in children]
    assert len(names) == 8 and len(set(names)) == 8, names
    for run in children:
        p = run.data.params
        dropout = float(p["dropout"])
        assert run.info.run_name == expected.format(dropout=dropout, lr=float(p["lr"]), seed=p["seed"],
                                                    dropout_said=f"dropout {dropout:g}" if dropout else "no dropout")


def failing(config: RunConfig) -> dict:
    raise ValueError("the measurement broke")


def interrupted(config: RunConfig) -> dict:
    raise KeyboardInterrupt


def test_a_measured_run_ends_as_a_fitted_one(tiny, tracker):
    recording = Recording(tracker, "measured")
    assert measure(lambda config: {"x": 1.0, "per_layer": [1.0, 2.0]}, tiny, recording) == {"x": 1.0,
                                                                                           "per_layer": [1.0, 2.0]}
    with pytest.raises(ValueError, match="broke"):
        measure(failing, tiny.replace(seed=1), recording)
    with pytest.raises(KeyboardInterrupt):
        measure(interrupted, tiny.replace(seed=2), recording)
    client = tracker.client
    runs = {r.data.params["seed"]: r for r in client.search_runs([tracker.experiment_id("measured")])}
    ended = {seed: (r.info.status, r.data.tags["stop_reason"]) for seed, r in runs.items()}
    assert ended == {"0": ("FINISHED", "measured"), "1": ("FAILED", "failed"), "2": ("KILLED", "interrupted")}
    assert [m.value for m in client.get_metric_history(runs["0"].info.run_id, "per_layer")] == [1.0, 2.0]
    assert "the measurement broke" in Path(client.download_artifacts(runs["1"].info.run_id,
                                                                     "traceback.txt")).read_text()
