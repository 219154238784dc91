"""harness report: verdicts recomputed from the store, the epochs x epoch-time decomposition, plots logged to the parent run."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from harness.report import plots
from harness.cli.main import main
from harness.execute.judging import judge_stored, verdict_json
from harness.execute.pipeline import Execution, run_suite
from harness.store.queries import load_histories, load_history, recorded_verdict
from harness.report.build import REUSED_NOTE, build_report, render, write_report
from harness.stats.estimate import Estimate
from harness.stats.median import Measured
from harness.judge.tables import fmt_interval
from harness.store.tracking import Tracker
from tests.report_suite import tiny_suite

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"




def test_verdict_recomputed_later_from_the_store_equals_the_one_recorded_at_run_time(tiny_invocation):
    uri, suite, parent = tiny_invocation
    client = MlflowClient(uri)  # a new client: nothing carried over from the run but the store
    recorded = recorded_verdict(client, parent)
    assert recorded is not None
    runs, verdicts, _, _ = judge_stored(client, suite, parent)
    assert len(runs) == 8 and len(verdicts) == 6  # 2 lr groups x 3 statements
    assert verdict_json(verdicts) == recorded  # byte for byte, intervals and notes included
    # lr 1e-6 never reaches the target: both sides censored, so the epochs ratio is a bound, never dropped
    censored = [v for v in json.loads(recorded) if v["group"] == {"lr": 1e-06} and v["metric"] == "epochs-to-target ratio"]
    assert len(censored) == 1 and "censored in 2 of 2 seeds" in censored[0]["note"]
    assert build_report(client, suite, parent).verdict_check.startswith("recomputed from the store, identical")


def older_format(rows: list[dict]) -> list[dict]:
    """verdict.json rows as harness wrote them before groups were data: the group as text, no arms or labels."""
    out = []
    for row in rows:
        old = {k: v for k, v in row.items() if k not in ("arms", "tuned", "group_label", "arms_label", "tuned_label")}
        old["group"] = f"lr={row['group']['lr']:g}, norm before vs none"  # rules.py's text then
        out.append(old)
    return out


def test_a_verdict_json_of_the_older_format_is_checked_on_what_it_still_says(tiny_invocation):
    from harness.execute.judging import verdict_check

    uri, suite, parent = tiny_invocation
    _, verdicts, _, _ = judge_stored(MlflowClient(uri), suite, parent)
    rows = older_format(json.loads(verdict_json(verdicts)))
    check = verdict_check(json.dumps(rows, indent=1), verdicts)
    assert check.startswith("verdict.json was recorded with an older format") and "DIFFERS" not in check, check
    assert "every row's statement, metric, effect, interval, n and outcome match it" in check
    rows[1]["high"] = rows[1]["high"] * 2 if math.isfinite(rows[1]["high"]) else 1.0  # a number the rule no longer gives
    check = verdict_check(json.dumps(rows), verdicts)
    assert "older format" in check and "DIFFERS: row 2" in check and "in high" in check, check
    assert "DIFFERS: 6 rows now, 5 recorded" in verdict_check(json.dumps(rows[:5]), verdicts)


def test_a_verdict_json_worded_otherwise_matches_on_its_findings_and_says_the_words_changed(tiny_invocation):
    """A suite's words changed since its run (transfer-learning's 'dataset mnist1d, ...' became 'mnist1d, ...'): the
    recomputed rows read differently but find the same; a changed number is still a difference, named."""
    from harness.execute.judging import verdict_check

    uri, suite, parent = tiny_invocation
    _, verdicts, _, _ = judge_stored(MlflowClient(uri), suite, parent)
    rows = json.loads(verdict_json(verdicts))
    worded = [{**r, "group_label": f"the {r['group_label']}"} for r in rows]
    check = verdict_check(json.dumps(worded, indent=1), verdicts)
    assert "every row's finding matches" in check and "DIFFERS" not in check, check
    assert f"{len(rows)} of {len(rows)} rows are worded differently" in check and "recorded as 'the " in check, check
    worded[1]["high"] = worded[1]["high"] * 2 if math.isfinite(worded[1]["high"]) else 1.0
    check = verdict_check(json.dumps(worded), verdicts)
    assert check.endswith(f"DIFFERS from verdict.json recorded at run time (the suite's rule or the statistics changed "
                          f"since; the recorded one is kept in verdict.json): row 2 ({rows[1]['statement']}) in high")


def test_a_resumed_invocation_is_judged_again_on_the_runs_it_reused(tiny_invocation):
    suite = tiny_suite(lrs=(0.01,), seeds=1, diagnostics="", name="tiny-resume")
    tracker = Tracker(tiny_invocation[0])  # the shared store, an experiment of its own
    first = run_suite(suite, tracker, suite.configs(), Execution(progress=False))
    resumed = run_suite(suite, tracker, suite.configs(), Execution(progress=False))  # every config already finished: reused
    client = MlflowClient(tracker.uri)
    assert client.search_runs([client.get_experiment_by_name(suite.name).experiment_id],
                              filter_string=f"tags.`mlflow.parentRunId` = '{resumed.parent_run_id}'") == []
    report = build_report(client, suite, resumed.parent_run_id)
    assert set(report.runs["run_id"]) == set(first.runs["run_id"]) and len(report.runs) == 2
    assert report.verdict_check.startswith("recomputed from the store, identical")
    assert verdict_json(report.verdicts) == recorded_verdict(client, first.parent_run_id)
    assert "2 of them reused from earlier invocations" in render(report, "text")


def test_estimate_bounds_a_censored_median():
    exact = Estimate.of([Measured(3.0), Measured(5.0), Measured(4.0)])
    assert (exact.point(), exact.n_censored) == ("4", 0)
    assert exact.low <= 4.0 <= exact.high
    half = Estimate.of([Measured(3.0), Measured(10.0, censored=True)])
    assert half.point() == ">6.5" and math.isinf(half.high) and fmt_interval(half.low, half.high).endswith("open)")
    between = Estimate.of([Measured(3.0), Measured(10.0, censored=True), Measured(12.0)])
    assert between.point() == "10..12"  # the censored run (> 10) could be the median, up to 12


def test_an_estimate_leaves_out_seeds_without_a_value_and_counts_them():
    some = Estimate.of([Measured(3.0), Measured(math.nan), Measured(5.0)])
    assert (some.lo, some.n, some.n_missing) == (4.0, 2, 1)
    none = Estimate.of([Measured(math.nan)] * 3)
    assert none.n == 0 and none.n_missing == 3 and none.point() == "-"


def test_configurations_that_never_trained_are_left_out_of_the_decomposition_and_named():
    import pandas as pd

    from harness.report.decomposition import decomposition, untrained

    trained = dict(median_epoch_time_s=0.1, converged=1, epochs_run=3, train_time_s=0.3, epochs_to_target=3,
                   time_to_target_s=0.3, max_epochs=5, stop_reason="target")
    measured = dict(median_epoch_time_s=math.nan, converged=math.nan, epochs_run=math.nan, train_time_s=math.nan,
                    epochs_to_target=math.nan, time_to_target_s=math.nan, max_epochs=5, stop_reason="measured")
    runs = pd.DataFrame([{"dataset": "digits", "seed": s, **trained} for s in range(2)]
                        + [{"dataset": "synthetic", "seed": s, **measured} for s in range(2)])
    table = decomposition(runs, ["dataset"])
    assert list(table["label"]) == ["digits"] and untrained(runs, ["dataset"]) == ["synthetic"]
    assert decomposition(runs[runs.dataset == "synthetic"], ["dataset"]) is None  # nothing trained: no table


def test_decomposition_per_configuration_matches_the_runs(tiny_invocation):
    uri, suite, parent = tiny_invocation
    report = build_report(MlflowClient(uri), suite, None)  # None: the newest invocation
    assert report.parent.info.run_id == parent
    table = report.decomposition.set_index("label")
    # in the suite's words, only the fields that vary
    assert list(table.index) == ["lr 0.01, no BN", "lr 0.01, BN", "lr 1e-06, no BN", "lr 1e-06, BN"]
    runs = report.runs
    for (lr, norm), group in runs.groupby(["lr", "norm"], sort=False):
        row = table.loc[f"lr {lr:g}, {'BN' if norm == 'before' else 'no BN'}"]
        # what reached the target and how the runs stopped never disagree (each stop is counted in words)
        reached = int(row["converged"].split("/")[0])
        stops = dict(part.rsplit(" ", 1) for part in row["stops"].split(", "))
        assert int(stops.get("reached the target", 0)) == reached  # these runs stop at the target
        assert sum(map(int, stops.values())) == row["n"]
        assert row["n"] == 2
        assert row["epoch_time"].lo == pytest.approx(np.median(group["median_epoch_time_s"]))
        if (group["converged"] == 1).all():
            assert row["epochs"].point() == f"{np.median(group['epochs_to_target']):g}"
            assert row["time_to_target"].lo == pytest.approx(np.median(group["time_to_target_s"]))
            assert row["converged"] == "2/2"
        else:  # censored at the budget: shown as a lower bound
            assert row["epochs"].point() == ">4" and row["converged"] == "0/2"
            assert row["time_to_target"].point().startswith(">")


def test_report_writes_files_and_logs_them_to_the_parent_run(tiny_invocation, tmp_path):
    uri, suite, parent = tiny_invocation
    tracker = Tracker(uri)
    report = write_report(tracker, suite, parent, tmp_path / "out")
    assert set(report.plots) == {"forest.png", "decomposition.png", "learning_curves.png", "grad_norm.png"}
    for path in report.plots.values():
        data = path.read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 10_000
    logged = {a.path for a in tracker.client.list_artifacts(parent, "report")}
    expected = {"report.txt", "report.md", "report.html", "plots.json", *report.plots}
    assert logged == {f"report/{name}" for name in expected}
    text = (tmp_path / "out" / "report.txt").read_text()
    for needle in ("VERDICTS", "TOTAL = EPOCHS x TIME PER EPOCH", ">4", "needs >= 6 seeds", "run time ",
                   "machine: device ", "workflowType=machine_learning"):
        assert needle in text
    # a file: the default width (harness.core.text), but for a word longer than a line (the UI link)
    assert all(len(line) <= 100 or len(line.split()) == 1 for line in text.splitlines())
    assert "epochs to target" in render(report, "text", wide=True)  # whole tables: headers unwrapped
    md = (tmp_path / "out" / "report.md").read_text()
    assert "| configuration | n |" in md and "![decomposition.png](decomposition.png)" in md
    html = (tmp_path / "out" / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 4  # self-contained: the MLflow UI shows it as one file
    assert render(report, "text") == text


def test_report_without_gradient_metrics_skips_that_plot_with_a_note(tiny_invocation, tmp_path):
    suite = tiny_suite(lrs=(0.01,), seeds=1, diagnostics="", name="tiny-no-diagnostics")
    tracker = Tracker(tiny_invocation[0])  # the shared store (a new one costs seconds of schema set-up), own experiment
    run_suite(suite, tracker, suite.configs(), Execution(progress=False))
    report = write_report(tracker, suite, None, tmp_path / "out")
    assert "grad_norm.png" not in report.plots and "learning_curves.png" in report.plots
    assert any("gradient norms skipped" in n for n in report.notes)
    assert "note: per-layer gradient norms skipped" in render(report, "text")


def test_histories_read_in_one_query_per_metric_equal_those_read_run_by_run(tiny_invocation):
    uri, suite, parent = tiny_invocation
    client = MlflowClient(uri)
    runs = build_report(client, suite, parent).runs
    keys = ["val/acc", "train/epoch_time_s", "grad/norm/layer_01", "converged"]  # the last: a summary, no history
    bulk = load_histories(client, list(runs["run_id"]), keys)
    assert set(bulk) == set(runs["run_id"])
    for run_id, frame in bulk.items():
        assert frame.equals(load_history(client, run_id, keys)) and len(frame) >= 2, run_id
        assert "converged" not in frame and {"epoch", "val/acc", "grad/norm/layer_01"} <= set(frame)


def test_plots_are_reused_while_their_data_is_unchanged_and_drawn_again_once_the_store_changes(
        tiny_invocation, tmp_path, monkeypatch):
    suite = tiny_suite(lrs=(0.01,), seeds=1, diagnostics="", name="tiny-plot-cache")
    tracker = Tracker(tiny_invocation[0])  # the shared store, an experiment of its own
    parent = run_suite(suite, tracker, suite.configs(), Execution(progress=False)).parent_run_id
    drawn = []  # one entry per forest plot actually rendered
    monkeypatch.setattr(plots, "plot_forest", lambda *a, real=plots.plot_forest: drawn.append(1) or real(*a))
    first = write_report(tracker, suite, parent, tmp_path / "first")
    second = write_report(Tracker(tiny_invocation[0]), suite, parent, tmp_path / "second")  # a new client, as later
    assert len(drawn) == 1 and list(second.plots) == list(first.plots) and second.notes == [*first.notes, REUSED_NOTE]
    for name, path in second.plots.items():
        assert path.parent == tmp_path / "second" and path.read_bytes() == first.plots[name].read_bytes()
    # The store changes under the invocation (one more epoch in a run's history): the plots are drawn anew.
    tracker.log_metrics(first.runs["run_id"].iloc[0], {"val/acc": 0.5}, step=5)
    third = write_report(tracker, suite, parent, tmp_path / "third")
    assert len(drawn) == 2 and set(third.plots) == set(first.plots) and REUSED_NOTE not in third.notes
    assert third.plots["learning_curves.png"].read_bytes() != first.plots["learning_curves.png"].read_bytes()
    # A plot overwritten since it was vouched for (another program logged a file of that name): drawn anew too.
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "forest.png").write_bytes(PNG_MAGIC)
    tracker.log_artifact(parent, str(tmp_path / "other" / "forest.png"), "report")
    fourth = write_report(tracker, suite, parent, tmp_path / "fourth")
    assert len(drawn) == 3 and fourth.plots["forest.png"].read_bytes() == third.plots["forest.png"].read_bytes()


def test_cli_report_prints_the_format_asked_and_writes_the_files(registered, tmp_path, capsys):
    uri, suite, parent = registered
    out = tmp_path / "cli-out"
    assert main(["report", suite.name, "--run", parent, "--format", "markdown", "--out", str(out),
                 "--tracking-uri", uri]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"### {suite.name}: {suite.claim}\n")  # the pull-request comment (page.as_comment)
    assert "| configuration | n |" in captured.out and "![" not in captured.out
    assert (out / "report.md").read_text().startswith(f"# {suite.name}: report on invocation")  # the whole report
    assert f"logged to parent run {parent}" in captured.err
    assert (out / "report.html").exists() and (out / "decomposition.png").exists()


@pytest.mark.parametrize("args,needle", [
    (["report", "nope"], "unknown suite 'nope'; valid: "),
    (["report", "tiny-report", "--run", "0123abc"], "invalid run '0123abc': not an invocation of suite 'tiny-report'"),
    (["report", "tiny-report", "--format", "pdf"], "invalid choice: 'pdf'"),
])
def test_cli_report_bad_input_is_one_line_exit_2(registered, args, needle, capsys):
    uri, _, parent = registered
    client = MlflowClient(uri)
    before = sorted(a.path for a in client.list_artifacts(parent))
    assert main([*args, "--tracking-uri", uri]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1, err
    assert sorted(a.path for a in client.list_artifacts(parent)) == before


def test_cli_report_on_a_missing_store_creates_nothing(tmp_path, capsys):
    db = tmp_path / "nowhere" / "mlflow.db"
    assert main(["report", "bn-walltime", "--tracking-uri", f"sqlite:///{db}"]) == 2
    assert "no store at" in capsys.readouterr().err
    assert not db.parent.exists()


def test_a_field_the_words_leave_unsaid_gets_no_colour_of_its_own_when_the_rest_settles_it():
    """transfer-learning's legend showed five colours all labelled 'reuse 3 layers' (reuse_from, unsaid, differs per
    pair) and the scratch arm as raw fields: an unsaid field settled by the panel rows and the shown fields is not a
    colour key; one that alone tells configurations apart stays one."""
    import pandas as pd

    from harness.judge.subject import Words

    runs = pd.DataFrame({"classes": ["0,1", "0,1", "2,3", "2,3"], "reuse_from": ["a", "", "b", ""],
                         "reuse_layers": [3, 0, 3, 0], "lr": [0.1, 0.1, 0.1, 0.1]})
    words = Words({"classes": "classes {}", "reuse_from": None,
                   "reuse_layers": lambda n: f"reuse {n} layers" if n else "scratch"})
    facets = plots.Facets(runs, ["classes", "reuse_from", "reuse_layers", "lr"], words)
    assert facets.row_keys == ["classes"] and facets.colour_keys == ["reuse_layers"]
    assert [facets.said({"reuse_layers": c[0]}) for c in facets.colours] == ["reuse 3 layers", "scratch"]
    alone = runs.assign(reuse_layers=3)  # reuse_from alone tells the runs of a panel apart: it keeps its colour
    assert plots.Facets(alone, ["classes", "reuse_from", "reuse_layers"], words).colour_keys == ["reuse_from"]


def test_the_learning_curves_draw_the_metric_most_runs_aim_at():
    """unsupervised-pretraining's first runs are autoencoders (target val/loss): its curves drew reconstruction loss
    beside the classifiers' loss; the metric most runs aim at is the claim's (val/acc); ties go to the first run's."""
    import pandas as pd

    from harness.report.build import aimed_metric

    assert aimed_metric(pd.DataFrame({"target_metric": ["val/loss", "val/acc", "val/acc"]})) == "val/acc"
    assert aimed_metric(pd.DataFrame({"target_metric": ["val/loss", "val/acc"]})) == "val/loss"
