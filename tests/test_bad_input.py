"""Bad input, catalogued: each case through the real CLI gives one line naming the bad value, exit 2,
no stack trace, and leaves the store exactly as it was (no new experiment, run or file)."""
from __future__ import annotations

import socket
import sqlite3

import pytest
from mlflow.tracking import MlflowClient

from harness.cli.main import main


def store_snapshot(uri: str) -> list[tuple[str, int]]:
    client = MlflowClient(uri)
    return sorted((e.name, len(client.search_runs([e.experiment_id]))) for e in client.search_experiments())


def closed_port() -> int:
    """A loopback port nothing listens on: bound, then released."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(argv, capsys) -> tuple[int, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.err


def assert_one_clear_line(code: int, err: str, needle: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("harness: error: ")
    assert needle in err, err


# (argv after the command, what the one line must say). Each runs against an existing store.
CATALOGUE = [
    (["run", "no-such-suite"], "unknown suite 'no-such-suite'; valid: "),
    (["run", "bn-walltime", "--workers", "0"], "invalid --workers 0; must be >= 1"),
    (["run", "bn-walltime", "--workers", "two"], "--workers"),
    (["run", "bn-walltime", "--engine", "spark"], "invalid --engine 'spark'; valid: local, ray"),
    (["run", "bn-walltime", "--pack", "-1"], "invalid --pack -1"),
    (["run", "bn-walltime", "--workers", "2"], "judges wall-clock time"),
    (["run", "bn-walltime", "--engine", "ray", "--workers", "2"], "invalid --workers 2 with --engine ray"),
    (["run", "bn-walltime", "--seeds", "-3"], "invalid --seeds -3"),
    (["train", "--dataset", "imagenet"], "unknown dataset 'imagenet'; valid: "),
    (["train", "--val-fraction", "1.5"], "invalid val_fraction 1.5; must be in (0, 1)"),
    (["train", "--lr", "-0.1"], "invalid lr -0.1"),
    (["train", "--batch-size", "1"], "invalid batch_size 1"),
    (["train", "--threads", "0"], "invalid threads 0"),
    (["train", "--dropout", "1.0"], "invalid dropout 1.0"),
    (["train", "--dataset", "fashion-mnist"], "needs data_path"),
    (["train", "--dataset", "fashion-mnist", "--data-path", "/nonexistent/fashion"],
     "invalid data_path '/nonexistent/fashion' for dataset 'fashion-mnist': no such folder"),
    (["train", "--device", "cuda"] if not __import__("torch").cuda.is_available() else ["train", "--device", "gpu"],
     "invalid device"),
]


@pytest.mark.parametrize("argv,needle", CATALOGUE, ids=[" ".join(a) for a, _ in CATALOGUE])
def test_bad_value_one_line_exit_2_store_untouched(argv, needle, store_uri, capsys):
    before = store_snapshot(store_uri)
    code, err = run_cli([*argv, "--tracking-uri", store_uri], capsys)
    assert_one_clear_line(code, err, needle)
    assert store_snapshot(store_uri) == before


def test_dataset_folder_without_its_files(tmp_path, store_uri, capsys):
    (tmp_path / "fashion").mkdir()
    before = store_snapshot(store_uri)
    code, err = run_cli(["train", "--dataset", "fashion-mnist", "--data-path", str(tmp_path / "fashion"),
                         "--tracking-uri", store_uri], capsys)
    assert_one_clear_line(code, err, "no train-images-idx3-ubyte")
    assert store_snapshot(store_uri) == before


@pytest.mark.parametrize("command", [["run", "bn-walltime"], ["train", "--max-epochs", "1"]])
def test_unreachable_tracking_server(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    uri = f"http://127.0.0.1:{closed_port()}"
    code, err = run_cli([*command, "--tracking-uri", uri], capsys)
    assert_one_clear_line(code, err, f"tracking server '{uri}' is unreachable")
    assert list(tmp_path.iterdir()) == []  # no local store as a fallback either


def test_store_file_that_is_not_a_database(tmp_path, capsys):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n")
    code, err = run_cli(["run", "bn-walltime", "--tracking-uri", f"sqlite:///{path}"], capsys)
    assert_one_clear_line(code, err, "is not an SQLite database")
    assert path.read_text() == "these are my notes, not a database\n"


def test_sqlite_database_of_another_program(tmp_path, capsys):
    """MLflow would add its tables to any SQLite file it is pointed at; the harness refuses first."""
    path = tmp_path / "inventory.db"
    with sqlite3.connect(path) as db:
        db.execute("create table parts (id integer primary key, name text)")
    before = path.read_bytes()
    code, err = run_cli(["train", "--tracking-uri", f"sqlite:///{path}"], capsys)
    assert_one_clear_line(code, err, "is an SQLite database but not an MLflow store (tables: parts)")
    assert path.read_bytes() == before


def test_store_path_that_is_a_folder(tmp_path, capsys):
    (tmp_path / "mlflow.db").mkdir()
    code, err = run_cli(["run", "bn-walltime", "--tracking-uri", f"sqlite:///{tmp_path / 'mlflow.db'}"], capsys)
    assert_one_clear_line(code, err, "is a folder, not an SQLite database file")
    assert list((tmp_path / "mlflow.db").iterdir()) == []
