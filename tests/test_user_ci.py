"""A user's suite in a user's CI (issue 25): exit codes a CI job gates on, suites by path and runs by id prefix in
every command, the user's own commits recorded and compared, and one scale rule. Through the command line."""
from __future__ import annotations

import shutil

import pytest
from mlflow.tracking import MlflowClient

from harness.cli.main import main
from harness.core.contract import GIT_DIRTY_TAG, GIT_SHA_TAG, WORKERS_TAG
from harness.core.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_RUNS_FAILED, EXIT_VERDICT
from harness.store.queries import load_runs, parent_runs
from tests.user_project import EXAMPLE, fast_suite, git, harness_cli


@pytest.fixture
def user(tmp_path, monkeypatch):
    """A user's project folder as the working directory, and its store's URI."""
    monkeypatch.chdir(tmp_path)
    return tmp_path, f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}"


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([*argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_failed_runs_exit_3_unless_allowed_then_the_verdict_decides(user, capsys):
    folder, uri = user
    suite = fast_suite(folder, "failing", broken={16})
    code, out, err = run_cli(capsys, "run", str(suite), "--seeds", "2", "--no-report", "--tracking-uri", uri)
    assert code == EXIT_RUNS_FAILED, err
    assert "FAILED run" in err and "harness: exit 3: 2 of 4 runs failed" in err
    assert "wider is faster" in out  # the verdict is printed all the same
    code, _, err = run_cli(capsys, "run", str(suite), "--seeds", "2", "--no-report", "--allow-failed",
                           "--tracking-uri", uri)
    assert code == EXIT_OK, err
    code, _, err = run_cli(capsys, "run", str(suite), "--seeds", "2", "--no-report", "--allow-failed",
                           "--fail-on", "refuted,undecided", "--tracking-uri", uri)
    assert code == EXIT_VERDICT, err  # the treatment never ran: its row is inconclusive
    assert "1 of 1 rows refuted/inconclusive (--fail-on): wider is faster [width 16 vs 2]: inconclusive" in err


def test_fail_on_names_the_outcomes_that_fail(user, capsys):
    folder, uri = user
    suite = fast_suite(folder, "undecided")
    code, _, err = run_cli(capsys, "run", str(suite), "--seeds", "2", "--no-report", "--fail-on", "refuted",
                           "--tracking-uri", uri)
    assert code == EXIT_OK, err  # 2 seeds decide nothing: inconclusive, not refuted
    code, _, err = run_cli(capsys, "run", str(suite), "--seeds", "2", "--no-report", "--fail-on", "inconclusive",
                           "--tracking-uri", uri)
    assert code == EXIT_VERDICT and "harness: exit 1:" in err, err
    assert "all 4 runs already in the store" in err  # the same code: resumed, not rerun


def test_bad_fail_on_is_bad_input(user, capsys):
    folder, uri = user
    code, _, err = run_cli(capsys, "run", str(fast_suite(folder, "bad")), "--fail-on", "refuted,wrong",
                           "--tracking-uri", uri)
    assert code == EXIT_BAD_INPUT
    assert err.strip() == ("harness: error: invalid --fail-on 'refuted,wrong'; valid: a comma-separated list of "
                           "refuted, inconclusive (undecided = inconclusive)")
    assert not (folder / "mlruns").exists()


def test_one_scale_rule_a_suite_without_scales_runs_its_default(user, capsys):
    folder, uri = user
    code, _, err = run_cli(capsys, "run", str(fast_suite(folder, "noscale")), "--scale", "ci", "--seeds", "2",
                           "--no-report", "--tracking-uri", uri)
    assert code == EXIT_OK, err
    assert "harness: note: suite 'fast-noscale' defines no scales; scale 'ci' runs its default" in err
    (parent,) = parent_runs(MlflowClient(uri), "fast-noscale")
    assert parent.data.tags["scale"] == "default"  # what ran
    scaled = fast_suite(folder, "scaled", scales={"ci": {"seeds": 2}})
    code, _, err = run_cli(capsys, "run", str(scaled), "--scale", "nightly", "--tracking-uri", uri)
    assert code == EXIT_BAD_INPUT
    assert err.strip() == "harness: error: invalid scale 'nightly' for suite 'fast-scaled'; valid: default, ci"


def test_a_user_repo_commit_a_holds_commit_b_reverses_ci_fails_and_check_names_the_flip(tmp_path, monkeypatch, capsys):
    """The issue's Done-when: the example project in a fresh git repository, its claim reversed at commit B by a
    change to the user's model. Both commits' runs and the check a CI job gates on go through the installed console
    script; the read-only commands after them run the same `main` in this process, in the project folder (each
    console-script start imports MLflow again: seconds apiece)."""
    repo = tmp_path / "project"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("mlruns", "reports", "__pycache__"))
    git(repo, "init", "-q")
    (repo / ".gitignore").write_text("mlruns/\nreports/\n__pycache__/\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "A: the claim")
    commit_a = git(repo, "rev-parse", "HEAD")
    ran = harness_cli(repo, "run", "./my_suite.py", "--scale", "ci", "--fail-on", "refuted", "--no-report")
    assert ran.returncode == EXIT_OK, ran.stderr
    assert "SUPPORTED" in ran.stdout
    monkeypatch.chdir(repo)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    code, _, err = run_cli(capsys, "run", "./my_suite.py", "--scale", "ci", "--fail-on", "refuted", "--no-report")
    assert code == EXIT_OK and "all 12 runs already in the store" in err  # same commit: reused
    # commit B: the hidden layer's width is swapped (4 <-> 32), as a bug in the user's model would
    source = (repo / "my_suite.py").read_text()
    swapped = source.replace("nn.Linear(n_in, config.width)", "nn.Linear(n_in, 36 - config.width)").replace(
        "n_in = config.width", "n_in = 36 - config.width")
    assert swapped != source
    (repo / "my_suite.py").write_text(swapped)
    git(repo, "commit", "-qam", "B: the regression")
    commit_b = git(repo, "rev-parse", "HEAD")
    ran_b = harness_cli(repo, "run", "./my_suite.py", "--scale", "ci", "--fail-on", "refuted", "--no-report")
    assert ran_b.returncode == EXIT_VERDICT, ran_b.stderr
    assert "running 12 runs" in ran_b.stderr  # a new commit reuses nothing
    assert "harness: exit 1: 1 of 1 rows refuted (--fail-on): a wider net needs fewer epochs" in ran_b.stderr

    checked = harness_cli(repo, "check", "./my_suite.py", "--baseline", commit_a[:8])
    assert checked.returncode == EXIT_VERDICT, checked.stdout + checked.stderr
    assert checked.stdout.startswith(f"FLIPPED a wider net needs fewer epochs [width 32 vs 4] (epochs-to-target "
                                     f"ratio): supported 0.25 ")
    assert f"at {commit_a[:8]} -> refuted" in checked.stdout and f"at {commit_b[:8]}" in checked.stdout
    # the same by a git ref and by the runs' 8-character ids, which `harness runs ./my_suite.py` lists
    code, out, err = run_cli(capsys, "check", "my_suite.py", "--baseline", "HEAD~1", "--head", "HEAD")
    assert code == EXIT_VERDICT and out == checked.stdout, err
    client = MlflowClient(f"sqlite:///{repo / 'mlruns' / 'mlflow.db'}")
    parents = parent_runs(client, "wider-trains-faster")  # newest first: B, A (again), A
    assert [p.data.tags[GIT_SHA_TAG] for p in parents] == [commit_b, commit_a, commit_a]
    assert {p.data.tags[GIT_DIRTY_TAG] for p in parents} == {"false"}
    assert all(p.data.tags.get("harness_commit") != commit_a for p in parents)  # the harness's own, apart
    code, listed, _ = run_cli(capsys, "runs", "./my_suite.py")
    assert [p.info.run_id[:8] for p in parents] == [line.split()[0] for line in listed.splitlines()[2:]]
    code, out, err = run_cli(capsys, "check", "./my_suite.py", "--baseline", parents[1].info.run_id[:8],
                             "--head", parents[0].info.run_id[:8])
    assert code == EXIT_VERDICT and out == checked.stdout, err
    code, out, err = run_cli(capsys, "check", "./my_suite.py", "--baseline", commit_a[:8],
                             "--head", parents[1].info.run_id[:8])
    assert code == EXIT_OK, out + err
    code, history, err = run_cli(capsys, "history", "./my_suite.py")
    assert code == EXIT_OK, err
    assert "supported x2, then refuted" in history
    code, comment, err = run_cli(capsys, "report", "./my_suite.py", "--format", "markdown")  # for the pull request
    assert code == EXIT_OK, err
    assert comment.startswith("### wider-trains-faster: a wider network reaches the target in fewer epochs\n")
    assert "| a wider net needs fewer epochs | width 32 vs 4 | epochs-to-target ratio | 4 |" in comment
    assert f"Commit {commit_b[:8]}, parent run `{parents[0].info.run_id[:8]}`." in comment
    assert "![" not in comment and "127.0.0.1" not in comment  # nothing a comment cannot reach
    code, _, err = run_cli(capsys, "check", "./my_suite.py", "--baseline", "no-such-ref")
    assert code == EXIT_BAD_INPUT
    assert err.startswith("harness: error: invalid baseline 'no-such-ref': no invocation at that commit "
                          f"or run id; commits: {commit_a[:8]}, {commit_b[:8]}")


def test_a_grid_is_judged_on_runs_of_its_own_commit_only():
    """A configuration whose run failed at commit B is not stood for by its run at commit A (other code)."""
    import pandas as pd

    from harness.execute.judging import select_runs
    from harness.version import __version__

    runs = pd.DataFrame({"config_id": ["c1", "c1", "c2"], "harness_version": [__version__] * 3,
                         GIT_SHA_TAG: ["a" * 40, "b" * 40, "a" * 40], "git_diff": ["", "", ""],
                         "start_time": [1, 2, 3], "run_id": ["r1", "r2", "r3"]})
    at_b = select_runs(runs, {"c1", "c2"}, {GIT_SHA_TAG: "b" * 40, "git_diff": ""})
    assert list(at_b["run_id"]) == ["r2"]
    assert list(select_runs(runs, {"c1", "c2"}, {GIT_SHA_TAG: "a" * 40, "git_diff": ""})["run_id"]) == ["r1", "r3"]
    dirty = select_runs(runs, {"c1", "c2"}, {GIT_SHA_TAG: "a" * 40, "git_diff": "0123456789abcdef"})
    assert dirty.empty  # uncommitted changes are other code too


def test_a_suite_files_registrations_reach_worker_processes(user, capsys):
    """Workers start from a clean forkserver: they import the suite file by path before their first run."""
    folder, uri = user
    code, out, err = run_cli(capsys, "run", str(fast_suite(folder, "workers")), "--workers", "2", "--seeds", "2",
                             "--no-report", "--tracking-uri", uri)
    assert code == EXIT_OK, err
    assert "FAILED" not in err
    client = MlflowClient(uri)
    runs = load_runs(client, "fast-workers")
    assert len(runs) == 4 and set(runs["status"]) == {"FINISHED"}
    assert {client.get_run(r).data.tags[WORKERS_TAG] for r in runs["run_id"]} == {"2"}  # side by side, in workers


OPTIONS_SUITE = '''
import numpy as np
from torch import nn

import harness
from harness import RatioStatement, RunConfig, Suite, epochs_to_target

SEEN = []  # (hidden, noise) as each factory saw them


@harness.register_dataset("blobs-options")
def blobs(config):
    """Two Gaussian blobs in 2-D, their spread the option `noise`."""
    rng = np.random.default_rng(config.split_seed)
    noise = config.options["noise"]
    X = np.concatenate([rng.normal(-1, noise, (100, 2)), rng.normal(1, noise, (100, 2))]).astype(np.float32)
    return X, np.repeat([0, 1], 100).astype(np.int64)


@harness.register_model("net-options")
def net(config, n_features, n_classes):
    """One hidden ReLU layer of the option `hidden` units."""
    SEEN.append((config.options["hidden"], config.options["noise"]))
    return nn.Sequential(nn.Linear(n_features, config.options["hidden"]), nn.ReLU(),
                         nn.Linear(config.options["hidden"], n_classes))


SUITE = Suite(name="my-options", claim="more hidden units reach the target sooner", source="tests",
              base=RunConfig(model="net-options", dataset="blobs-options", optimizer="adam", lr=0.01, batch_size=50,
                             max_epochs=3, target_value=0.7, options={"noise": 1.0, "hidden": 2}),
              grid={"options.hidden": (2, 16)}, seeds=2, timing=False,
              judge=harness.paired("options.hidden", 16, 2, [RatioStatement("more units are faster", "epochs ratio",
                                                                           epochs_to_target, "<")]))
'''


def test_a_users_own_axis_options_reaches_factories_params_ids_and_names(user, capsys):
    """RunConfig.options: varied by the grid as 'options.hidden', read by the factories, recorded as params, part of
    the config_id, a column of the runs table the judge reads, and in the runs' names."""
    import sys

    from harness.config.run_config import RunConfig

    folder, uri = user
    path = folder / "options_suite.py"
    path.write_text(OPTIONS_SUITE)
    code, out, err = run_cli(capsys, "run", str(path), "--seeds", "2", "--no-report", "--tracking-uri", uri)
    assert code == EXIT_OK, err
    assert sorted(set(sys.modules["options_suite"].SEEN)) == [(2, 1.0), (16, 1.0)]
    assert "more units are faster" in out and "options.hidden 16 vs 2" in out, out
    client = MlflowClient(uri)
    runs = load_runs(client, "my-options")
    assert sorted(runs["options.hidden"]) == [2, 2, 16, 16] and set(runs["options.noise"]) == {1.0}
    assert runs["config_id"].nunique() == 4  # hidden and seed tell them apart
    (run_id,) = runs[(runs["options.hidden"] == 16) & (runs["seed"] == 1)]["run_id"]
    run = client.get_run(run_id)
    assert run.data.params["options.hidden"] == "16" and run.data.params["options.noise"] == "1.0"
    assert run.info.run_name == "options.hidden 16, seed 1"
    assert RunConfig.from_params(run.data.params).config_id == run.data.tags["config_id"]  # read back as it ran
    base = RunConfig(options={"hidden": 2})
    assert base.replace(**{"options.hidden": 16}).config_id != base.config_id != RunConfig().config_id
