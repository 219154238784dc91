"""Reports: one suite invocation as a verdict table, the total = epochs x time-per-epoch decomposition, and plots.

Everything is computed from the store (harness.store.queries), so a report made a month later says what
the run said. The report files (text, markdown, self-contained html) and the PNGs are written to a
folder and logged as artifacts of the invocation's parent run under `report/`, so the MLflow UI
shows them too.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path

import pandas as pd
from mlflow.tracking import MlflowClient

from harness.report import plot_cache
from harness.core.contract import EPOCH_TIME, GRAD_LAYER, REPORT_DIR
from harness.report.decomposition import config_label, decomposition, grid_keys, varying
from harness.execute.judging import judge_stored, verdict_check, verdict_json
from harness.judge.answer import Setting
from harness.report.page import FILE_WIDTH, FORMATS, Report, render  # noqa: F401 -- callers import them from here
from harness.store.queries import find_parent, load_histories, recorded_verdict

REUSED_NOTE = "plots reused: those attached to the parent run were drawn from these very runs, verdicts and histories"


def aimed_metric(runs: pd.DataFrame) -> str:
    """The metric the learning curves draw: the target metric most runs aim at (unsupervised-pretraining's
    classifiers' val/acc, not its autoencoders' val/loss), the first run's where they tie."""
    counts = runs["target_metric"].astype(str).value_counts(sort=False)
    return str(counts.idxmax())


def plot_histories(report: Report, client: MlflowClient) -> dict[str, pd.DataFrame]:
    """Run id -> the per-epoch values the plots draw: the target metric, epoch times, per-layer gradient norms."""
    runs = report.runs
    if not len(runs):
        return {}
    # The runs table holds every metric a run logged (its latest value) as a column: no run is read twice.
    curve = report.suite.curves.resolved(aimed_metric(runs))
    wanted = [curve.metric, *([curve.train] if curve.train else []), EPOCH_TIME,
              *(c for c in runs.columns if GRAD_LAYER.match(str(c)))]
    return load_histories(client, list(runs["run_id"]), list(dict.fromkeys(wanted)))


def make_plots(report: Report, histories: dict[str, pd.DataFrame], out_dir: Path) -> None:
    """Write the PNGs into out_dir; a plot whose data the runs lack is skipped with a note saying why."""
    from harness.report import plots  # matplotlib: only where a plot is drawn (a report whose plots are reused needs none)

    runs, keys = report.runs, report.keys
    if report.verdicts:  # the claim's own plot first
        report.plots["forest.png"] = plots.plot_forest(report.verdicts, out_dir / "forest.png")
    if report.suite.report_section is not None and len(runs):  # the suite's own section (e.g. profiles) and plots
        report.sections.append(report.suite.report_section(runs, out_dir))
        report.plots.update(report.sections[-1].plots)
    words = report.suite.words_in_use()
    shown = varying(runs, keys)
    if report.decomposition is not None:
        colour_key = shown[0] if len(shown) >= 2 else None  # one colour per value of the first field that varies
        report.plots["decomposition.png"] = plots.plot_decomposition(report.decomposition, colour_key,
                                                                     out_dir / "decomposition.png")
    else:
        report.notes.append("decomposition plot skipped: the runs record no epochs")
    if not len(runs):
        report.notes.append("learning curves skipped: no finished runs")
        return
    facets = plots.Facets(runs, keys, words)
    aimed = aimed_metric(runs)
    curve = report.suite.curves.resolved(aimed)
    curved = runs[[curve.metric in histories.get(r, ()) for r in runs["run_id"]]]  # e.g. no autoencoder's curve
    if len(curved):
        targets = curved.loc[curved["target_metric"] == aimed, "target_value"].unique()
        target = float(targets[0]) if len(targets) == 1 and curve.metric == aimed else None
        report.plots["learning_curves.png"] = plots.plot_learning_curves(
            curved, histories, plots.Facets(curved, keys, words), curve, target, out_dir / "learning_curves.png")
    else:
        report.notes.append(f"learning curves skipped: no per-epoch {curve.metric} recorded")
    families = plots.grad_layer_metrics(histories)
    for family in families:
        name = f"grad_{family}.png"
        report.plots[name] = plots.plot_grad_norms(runs, histories, facets, family, out_dir / name)
    if not families:
        report.notes.append("per-layer gradient norms skipped: none recorded (run with diagnostics that log "
                            "grad/<name>/layer_NN)")


def build_report(client: MlflowClient, suite, parent_run_id: str | None = None) -> Report:
    """Load one invocation (the newest by default) and compute its verdict and decomposition from the store."""
    parent = find_parent(client, suite.name, parent_run_id)
    runs, verdicts, header, looks = judge_stored(client, suite, parent.info.run_id)
    check = verdict_check(recorded_verdict(client, parent.info.run_id), verdicts)
    keys = grid_keys(suite, runs)
    return Report(suite, parent, runs, keys, header, verdicts, check, decomposition(runs, keys, suite.words_in_use()),
                  looks=looks, setting=Setting.of(suite, runs, parent.data.tags.get("scale", "default")))


def _plots_key(report: Report, histories: dict[str, pd.DataFrame]) -> str:
    """The digest of everything the plots are drawn from: runs, verdict rows, histories, and the drawing code."""
    drawn = [f"{rid}\n{histories[rid].to_csv(index=False)}" for rid in sorted(histories)]
    code = [Path(importlib.util.find_spec("harness.report.plots").origin).read_bytes(), Path(__file__).read_bytes(),
            importlib.metadata.version("matplotlib")]  # found without importing either
    words = report.suite.words_in_use()  # the plots' labels are in the suite's words: a change of words redraws them
    labels = [config_label(r, report.keys, words) for _, r in report.runs.iterrows()]
    return plot_cache.digest([report.runs.to_csv(index=False), verdict_json(report.verdicts), *report.keys,
                              *labels, repr(report.suite.curves), *drawn, *code])


def default_out_dir(suite_name: str, parent_run_id: str) -> Path:
    return Path("reports") / f"{suite_name}-{parent_run_id[:8]}"


def write_report(tracker, suite, parent_run_id: str | None = None, out_dir: Path | None = None,
                 log: bool = True, columns: int = FILE_WIDTH, wide: bool = False) -> Report:
    """Build the report, write report.{txt,md,html} and the PNGs to out_dir, and log them to the parent run.

    out_dir defaults to reports/<suite>-<parent run id prefix>/ under the working directory; report.txt is laid out
    to `columns` (or `wide`), as `harness report` prints it.
    """
    report = build_report(tracker.client, suite, parent_run_id)
    out_dir = Path(out_dir) if out_dir is not None else default_out_dir(suite.name, report.parent.info.run_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    report.out_dir = out_dir
    run_id, histories = report.parent.info.run_id, plot_histories(report, tracker.client)
    key = _plots_key(report, histories)
    # A suite's own report section draws its own plots with its own code, which the digest does not cover.
    cacheable = report.suite.report_section is None
    reused = plot_cache.restore(tracker.client, run_id, key, out_dir) if cacheable else None
    if reused is None:
        make_plots(report, histories, out_dir)
    else:  # drawn from the very same data and code when they were attached: copied, not drawn again
        report.plots, report.notes = reused[0], [*reused[1], REUSED_NOTE]
    for fmt, name in (("text", "report.txt"), ("markdown", "report.md"), ("html", "report.html")):
        (out_dir / name).write_text(render(report, fmt, columns, wide))
    if log:
        for name in ["report.txt", "report.md", "report.html", *(report.plots if reused is None else [])]:
            tracker.log_artifact(run_id, str(out_dir / name), REPORT_DIR)
        if reused is None and cacheable:  # last: it vouches for the plots logged before it
            tracker.log_artifact(run_id, str(plot_cache.write_index(out_dir, key, report.plots, report.notes)),
                                 REPORT_DIR)
    return report
