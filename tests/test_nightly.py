"""The nightly pipeline's logic on CPU: summarize a real store, compare with a baseline, flag regressions
by the stated rules (the GPU run itself happens in ci/nightly-gpu.sh on a GPU machine)."""
from __future__ import annotations

import copy
import json

from harness.execute.pipeline import Execution, run_suite
from harness.tools.nightly import compare, environment, main, plan, summarize
from tests.scale_suites import convergence_suite

SUITE = convergence_suite("nightly-suite", activations=("relu",), seeds=1)


def test_summarize_then_compare(tracker, tmp_path, capsys):
    run_suite(SUITE, tracker, SUITE.configs(), Execution(progress=False))
    env = environment("cpu")
    assert {"device_name", "driver", "cuda", "torch", "lightning", "mlflow", "harness"} <= set(env)
    tonight = {"environment": env, "suites": summarize(tracker.uri, [SUITE.name])}
    suite = tonight["suites"][SUITE.name]
    assert len(suite["verdicts"]) == 1 and len(suite["timings"]) == 2  # BN none / before, one seed each
    assert all(t["n"] == 1 and t["median_epoch_time_s"] > 0 for t in suite["timings"].values())

    assert compare(tonight, tonight) == ([], [])

    # 50% slower epochs on the same GPU: a regression; on other hardware, a note.
    slower = copy.deepcopy(tonight)
    for t in slower["suites"][SUITE.name]["timings"].values():
        t["median_epoch_time_s"] *= 1.5
    regressions, _ = compare(tonight, slower, time_threshold=0.25)
    assert len(regressions) == 2 and "x1.50" in regressions[0]
    assert compare(tonight, slower, time_threshold=0.6)[0] == []
    slower["environment"] = {**env, "device_name": "another GPU"}
    regressions, notes = compare(tonight, slower, time_threshold=0.25)
    assert regressions == [] and any("hardware changed" in n for n in notes)

    # A decisive flip fails the night; a move to inconclusive is a note; a missing suite fails.
    base, now = copy.deepcopy(tonight), copy.deepcopy(tonight)
    base["suites"][SUITE.name]["verdicts"][0]["outcome"] = "supported"
    now["suites"][SUITE.name]["verdicts"][0]["outcome"] = "refuted"
    assert len(compare(base, now)[0]) == 1
    now["suites"][SUITE.name]["verdicts"][0]["outcome"] = "inconclusive"
    assert compare(base, now)[0] == [] and len(compare(base, now)[1]) == 1
    assert compare(base, {"environment": env, "suites": {}})[0] == [f"{SUITE.name}: no finished verdict tonight"]

    # A baseline summarized before groups were data (group as text): said, not a row missing tonight.
    older = copy.deepcopy(base)
    for v in older["suites"][SUITE.name]["verdicts"]:
        v["group"] = "activation=relu"
        for key in ("arms", "tuned", "group_label", "arms_label", "tuned_label"):
            del v[key]
    regressions, notes = compare(older, tonight)
    assert regressions == [] and any("recorded with an older format" in n for n in notes), (regressions, notes)

    # The command line the script calls: exit 1 on a regression.
    (tmp_path / "base.json").write_text(json.dumps(base))
    (tmp_path / "now.json").write_text(json.dumps({**now, "suites": {}}))
    assert main(["compare", str(tmp_path / "base.json"), str(tmp_path / "now.json")]) == 1
    assert "REGRESSION" in capsys.readouterr().out


def test_headline_suite_has_a_nightly_scale():
    from harness.discovery import suites

    assert ("bn-walltime", "nightly") in plan("nightly")
    configs = suites().get("bn-walltime").configs(device="cpu", scale="nightly")
    assert len({c.seed for c in configs}) >= 5
