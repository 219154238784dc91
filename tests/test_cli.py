"""The command line: one clear line and exit 2 on bad input, with nothing written to the store."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from harness.cli.main import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("argv,needle", [
    (["run", "nope"], "unknown suite 'nope'; valid: "),
    (["run", "bn-walltime", "--device", "tpu"], "invalid device 'tpu'; valid: auto, cpu, cuda"),
    (["run", "bn-walltime", "--seeds", "0"], "invalid --seeds 0"),
    (["run", "bn-walltime", "--scale", "huge"], "invalid scale 'huge'"),
    (["train", "--activation", "relu6"], "did you mean 'relu'?"),
    (["train", "--norm", "middle"], "invalid norm 'middle'; valid: none, before, after"),
    (["train", "--depth", "0"], "invalid depth 0"),
    (["train", "--lr", "abc"], "--lr"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(argv, needle, tmp_path, capsys):
    db = tmp_path / "store" / "mlflow.db"
    code = main([*argv, "--tracking-uri", f"sqlite:///{db}"] if argv[0] in ("run", "train") else argv)
    err = capsys.readouterr().err
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1, err
    assert not db.exists() and not (tmp_path / "store").exists()


def test_bad_input_leaves_an_existing_store_untouched(tmp_path, capsys, tiny):
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    assert main(["train", "--depth", "1", "--width", "4", "--max-epochs", "1", "--tracking-uri", uri]) == 0
    client = MlflowClient(uri)
    before = [(e.name, len(client.search_runs([e.experiment_id]))) for e in client.search_experiments()]
    assert main(["run", "bn-walltime", "--device", "tpu", "--tracking-uri", uri]) == 2
    after = [(e.name, len(client.search_runs([e.experiment_id]))) for e in client.search_experiments()]
    assert before == after


def test_console_script_on_bad_input(tmp_path):
    """The installed `harness` entry point, as a user runs it: one line on stderr, exit 2, no store."""
    exe = os.path.join(os.path.dirname(sys.executable), "harness")
    proc = subprocess.run([exe, "run", "nope"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert "unknown suite 'nope'" in proc.stderr
    assert not (tmp_path / "mlruns").exists()


HEAVY = ("torch", "pytorch_lightning", "mlflow")  # seconds to import; a refusal needs none of them


@pytest.mark.parametrize("argv,needle", [
    (["run", "bn-walltime", "--workers", "2"], "judges wall-clock time"),  # read from the suite's source
    (["run", "bn-walltime", "--engine", "ray", "--workers", "2"], "invalid --workers 2 with --engine ray"),
    (["run", "bn-saturating", "--max-seeds", "2"], "invalid --max-seeds 2; must be >= 6"),
    (["report", "bn-walltime"], "no store at"),
    (["runs", "bn-waltime"], "did you mean 'bn-walltime'?"),
    (["report", "./missing_suite.py"], "invalid suite file 'missing_suite.py'"),
    (["run", "bn-walltime", "--fail-on", "refuted,wrong"], "invalid --fail-on 'refuted,wrong'; valid: "),
])
def test_run_refuses_before_importing_torch_lightning_or_mlflow(argv, needle, tmp_path):
    """Refusals cost Python's start-up, not torch's 5 s (timed in benchmarks/test_bench_cli.py)."""
    argv = [*argv, "--tracking-uri", f"sqlite:///{tmp_path}/none/mlflow.db"]
    code = (f"import sys; from harness.cli.main import main; code = main({argv!r}); "
            f"print(code, [m for m in {HEAVY!r} if m in sys.modules])")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert proc.stdout.split() == ["2", "[]"], proc.stdout + proc.stderr
    assert needle in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (tmp_path / "none").exists()


def test_list_names_the_headline_suite(capsys):
    assert main(["list"]) == 0
    assert "bn-walltime" in capsys.readouterr().out


def test_train_records_one_run(tmp_path, capsys):
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    code = main(["train", "--depth", "2", "--width", "8", "--max-epochs", "2", "--no-stop-at-target",
                 "--tracking-uri", uri])
    assert code == 0
    assert "stop_reason=max_epochs" in capsys.readouterr().out
    client = MlflowClient(uri)
    (run,) = client.search_runs([client.get_experiment_by_name("train").experiment_id])
    assert run.data.params["depth"] == "2" and run.data.params["stop_at_target"] == "False"


def test_tracking_uri_from_the_environment(tmp_path, monkeypatch, capsys):
    uri = f"sqlite:///{tmp_path}/env.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    assert main(["train", "--depth", "1", "--width", "4", "--max-epochs", "1"]) == 0
    assert (tmp_path / "env.db").exists()
