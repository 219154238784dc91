"""Issue 27's reference: the plain loop runs in a process that loads no framework, and the gate reads the process-level
ratio (benchmarks/process_pairs.py, ci/overhead_ratio.py)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.plain_loop import save_split
from benchmarks.process_pairs import CONFIG, changed_fields, cli_flags
from harness.config.run_config import RunConfig

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORKS = ("pytorch_lightning", "lightning", "mlflow", "pandas", "pyarrow", "sqlalchemy", "sklearn")


def test_the_plain_process_loads_no_framework_beside_torch(tmp_path):
    """What makes it a user's plain PyTorch process: Lightning, MLflow, pandas (pyarrow's jemalloc), SQLAlchemy absent."""
    config = RunConfig(n_samples=200, depth=2, width=8)
    save_split(config, tmp_path / "split.pt")
    code = ("import sys, runpy; sys.argv = ['plain_loop', '--epochs', '1', '--config', sys.argv[1], '--data', sys.argv[2]]; "
            "runpy.run_module('benchmarks.plain_loop', run_name='__main__'); "
            f"print([m for m in {FRAMEWORKS!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(changed_fields(config)), str(tmp_path / "split.pt")],
                         cwd=ROOT, capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    epochs, loaded = out.stdout.splitlines()
    assert len(json.loads(epochs)["epoch_times"]) == 1
    assert loaded == "[]"


def test_both_processes_are_told_the_same_setup():
    fields = changed_fields(CONFIG)
    assert RunConfig(**fields) == CONFIG and CONFIG.optimizer == "momentum" and (CONFIG.depth, CONFIG.width) == (20, 100)
    flags = cli_flags({**fields, "stop_at_target": False, "max_epochs": 8})
    assert flags[flags.index("--optimizer") + 1] == "momentum" and "--no-stop-at-target" in flags
    assert flags[flags.index("--max-epochs") + 1] == "8"


def _report(tmp_path: Path, process: float, twin: float) -> str:
    common = {"device": "cpu", "model": "20x100", "batch_size": 32, "threads": 1}
    benches = [
        {"name": "test_process_overhead_ratio[cpu]", "extra_info": {
            **common, "process_ratio_median": process, "process_ratio_q1": process, "process_ratio_q3": process,
            "process_ratio_min": process, "process_ratio_max": process, "pairs": 3, "process_cpu_ratio_median": 1.0,
            "process_cpu_ratio_min": 1.0, "process_cpu_ratio_max": 1.0,
            "process_harness_epoch_s_median": 0.09, "process_plain_epoch_s_median": 0.09, "load_median": 0.5}},
        {"name": "test_harness_overhead_ratio[cpu]", "extra_info": {
            **common, "ratio_median": twin, "ratio_q1": twin, "ratio_q3": twin, "ratio_min": twin, "ratio_max": twin,
            "rounds": 3, "harness_epoch_s_median": 0.09, "plain_epoch_s_median": 0.09}},
    ]
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"benchmarks": benches}))
    return str(path)


@pytest.mark.parametrize("process, twin, code", [(1.04, 1.30, 0), (1.30, 1.01, 1)])
def test_the_gate_reads_the_process_level_ratio(tmp_path, process, twin, code):
    done = subprocess.run([sys.executable, "ci/overhead_ratio.py", _report(tmp_path, process, twin), "--max", "1.10"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == code, done.stderr
    assert "process-level overhead ratio" in done.stdout and "in-process twin ratio" in done.stdout
