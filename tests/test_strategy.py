"""Big single runs: RunConfig.strategy and devices pass through the one Trainer factory to Lightning."""
from __future__ import annotations

import pytest
from pytorch_lightning.strategies import DDPStrategy, SingleDeviceStrategy

from harness.config.run_config import ConfigError, RunConfig
from harness.train.trainer import make_trainer


def test_ddp_over_two_cpu_processes_reaches_the_trainer():
    config = RunConfig(dataset="digits", depth=2, width=8, strategy="ddp", devices=2, loop="step")
    trainer = make_trainer(config, callbacks=[])
    assert isinstance(trainer.strategy, DDPStrategy)
    assert trainer.num_devices == 2
    assert [d.type for d in trainer.strategy.parallel_devices] == ["cpu", "cpu"]  # two CPU processes (gloo)


def test_ddp_spawn_is_passed_through_by_name():
    config = RunConfig(dataset="digits", depth=2, width=8, strategy="ddp_spawn", devices=2, loop="step")
    trainer = make_trainer(config, callbacks=[])
    assert isinstance(trainer.strategy, DDPStrategy) and trainer.num_devices == 2
    assert trainer.strategy._start_method == "spawn"  # the name chose the spawn launcher, not the script launcher


def test_default_is_one_device():
    trainer = make_trainer(RunConfig(dataset="digits", depth=2, width=8), callbacks=[])
    assert isinstance(trainer.strategy, SingleDeviceStrategy) and trainer.num_devices == 1


def test_a_strategy_needs_the_step_loop():
    with pytest.raises(ConfigError, match="multi-device strategies need loop 'step'"):
        RunConfig(strategy="ddp", devices=2)


def test_unknown_strategy_fails_at_the_trainer():
    config = RunConfig(dataset="digits", depth=2, width=8, strategy="warp-drive", loop="step")
    with pytest.raises(ValueError, match="warp-drive"):
        make_trainer(config, callbacks=[])


def test_ddp_over_two_cpu_processes_records_one_run(tmp_path):
    """A real DDP fit through the CLI: Lightning relaunches the command for rank 1 (gloo on CPU); only rank 0 records."""
    import os
    import subprocess
    import sys

    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    exe = os.path.join(os.path.dirname(sys.executable), "harness")
    proc = subprocess.run([exe, "train", "--strategy", "ddp", "--devices", "2", "--loop", "step", "--depth", "2",
                           "--width", "16", "--max-epochs", "2", "--tracking-uri", uri],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    client = MlflowClient(uri)
    runs = client.search_runs([client.get_experiment_by_name("train").experiment_id])
    assert len(runs) == 1 and runs[0].info.status == "FINISHED"
    assert runs[0].data.params["strategy"] == "ddp" and runs[0].data.params["devices"] == "2"
    assert runs[0].data.metrics["epochs_run"] == 2


def test_a_suite_refuses_multi_process_strategies(tracker):
    from harness.execute.pipeline import Execution, run_suite
    from tests.scale_suites import convergence_suite

    suite = convergence_suite("ddp-suite", seeds=1, strategy="ddp", devices=2, loop="step")
    with pytest.raises(ConfigError, match="multi-process strategies are for single runs"):
        run_suite(suite, tracker, suite.configs(), Execution(progress=False))
    assert tracker.client.get_experiment_by_name("ddp-suite") is None
