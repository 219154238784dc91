"""Interleaved timing: arms trained in lockstep are the solo runs exactly (figures, stops, records), and a suite
with `interleave` runs its seeds' arms in lockstep through the pipeline, resume and failures included."""
from __future__ import annotations

import importlib.util
import math
import os
import signal
import sys
import time
from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch

from harness.config.run_config import ConfigError
from harness.core.interrupts import Terminated, deferred
from harness.core.contract import EPOCH_CPU_TIME, INTERLEAVED_TAG, REUSED_FROM_TAG, STEP_ORDER_TAG, SUMMARY_METRICS, TIMING_TAG
from harness.execute.interleave import lockstep_groups
from harness.train.arms import Arm
from harness.execute.pipeline import Execution, run_suite
from harness.store.queries import load_history
from harness.train.fit import train, train_group
from harness.train.lifecycle import Recording
from harness.train.lockstep import Ghost, step_order
from harness.train.reuse import load_state
from harness.train.system import ClassifierSystem
from harness.judge.suite import Suite
from harness.train.timing import StepClock, synchronize
from tests.scale_suites import CtrlC, judge_epochs

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ("train/loss", "val/loss", "val/acc")  # every figure except the clocks
NORMS = ("none", "before", "after")


def figures(history: list[dict[str, float]]) -> list[tuple[float, ...]]:
    return [tuple(epoch[k] for k in FIGURES) for epoch in history]


@pytest.fixture
def arms(tiny):
    """BN none/before/after with dropout (seeded masks): none reaches 0.94 at epoch 4, the BN arms at epoch 6."""
    base = tiny.replace(max_epochs=6, target_value=0.94, dropout=0.2)
    return [base.replace(norm=n) for n in NORMS]


def test_lockstep_arms_are_the_solo_runs_bit_for_bit(arms, tracker):
    lockstep = train_group(arms, Recording(tracker, "lockstep"), interleave="norm")
    solo = [train(config, Recording(tracker, "solo")) for config in arms]
    for a, s in zip(lockstep, solo):
        assert figures(a.history) == figures(s.history)  # exactly equal, not approximately
        assert (a.epochs_to_target, a.stop_reason) == (s.epochs_to_target, s.stop_reason)
        assert all(t > 0 for t in a.epoch_times) and len(a.epoch_times) == len(a.history)
    assert [len(a.history) for a in lockstep] == [4, 6, 6]  # one arm stopped first, the others went on
    client = tracker.client
    for a, s in zip(lockstep, solo):
        run, solo_run = client.get_run(a.run_id), client.get_run(s.run_id)
        assert run.info.status == "FINISHED" and run.data.params == solo_run.data.params
        assert run.data.tags["config_id"] == solo_run.data.tags["config_id"] == a.config.config_id
        assert run.data.tags[TIMING_TAG] == "interleaved" and TIMING_TAG not in solo_run.data.tags
        assert run.data.tags[INTERLEAVED_TAG] == "norm=none,before,after"
        assert run.data.tags["stop_reason"] == solo_run.data.tags["stop_reason"]
        # the process CPU clock reads a solo run's window only: in lockstep the process steps every arm
        assert set(run.data.metrics) == set(solo_run.data.metrics) - {EPOCH_CPU_TIME}
        # Every summary metric; those to target only where the run got there (within 6 epochs on one CPU, not on
        # another: the arms are equal to their solo runs bit for bit, not to other machines')
        unreached = set() if a.epochs_to_target else {"epochs_to_target", "time_to_target_s"}
        assert set(run.data.metrics) >= set(SUMMARY_METRICS) - unreached
        assert load_history(client, a.run_id)[list(FIGURES)].equals(load_history(client, s.run_id)[list(FIGURES)])
        # the same dataset inputs as the solo run (names, digests of the splits, shapes): the UI's Dataset column
        assert inputs(run) == inputs(solo_run) and {name for name, _, _ in inputs(run)} == {"digits/train",
                                                                                            "digits/validation"}


class StepLog:
    """Wraps ClassifierSystem.train_batch and Ghost.step: who stepped, in order (an arm's system, or a stopped arm's
    ghost as ('ghost', its arm's norm))."""

    def __init__(self, monkeypatch):
        self.steps: list = []
        step, ghost_step = ClassifierSystem.train_batch, Ghost.step

        def logged(system, opt, x, y):
            self.steps.append(system)
            step(system, opt, x, y)

        def ghost_logged(ghost, batches):
            self.steps.append(("ghost", ghost.norm))
            ghost_step(ghost, batches)

        monkeypatch.setattr(ClassifierSystem, "train_batch", logged)
        monkeypatch.setattr(Ghost, "step", ghost_logged)
        original_of = Ghost.of.__func__

        def of(cls, arm):
            ghost = original_of(cls, arm)
            ghost.norm = arm.config.norm
            return ghost

        monkeypatch.setattr(Ghost, "of", classmethod(of))


def test_the_step_order_rotates_with_the_seed_and_is_recorded(arms, tracker, monkeypatch):
    assert [step_order([c.replace(seed=s) for c in arms]) for s in (0, 1, 2, 3)] == [[0, 1, 2], [1, 2, 0], [2, 0, 1],
                                                                                     [0, 1, 2]]
    configs = [c.replace(seed=1, max_epochs=2) for c in arms]
    log = StepLog(monkeypatch)
    group = train_group(configs, Recording(tracker, "rotated"), interleave="norm")
    assert [system.config.norm for system in log.steps[:6]] == ["before", "after", "none"] * 2  # round by round
    assert [a.config.norm for a in group] == list(NORMS)  # results stay in config order
    for a in group:
        tags = tracker.client.get_run(a.run_id).data.tags
        assert tags[STEP_ORDER_TAG] == "norm=before,after,none" and tags[INTERLEAVED_TAG] == "norm=none,before,after"
    monkeypatch.undo()
    assert [figures(a.history) for a in group] == [figures(train(c).history) for c in configs]


def test_a_stopped_arm_runs_on_as_an_untimed_ghost_and_its_records_stay_the_solo_runs(arms, tracker,
                                                                                              monkeypatch):
    """Issue 23: the arms left are timed beside the stopped arm's forward pass until the last stops; the ghost's
    passes touch neither the stopped arm's records and weights nor the other arms' RNG streams (dropout 0.2)."""
    configs = [c.replace(save_model=True) for c in arms]
    log = StepLog(monkeypatch)
    group = train_group(configs, Recording(tracker, "ghost"), interleave="norm")
    monkeypatch.undo()
    assert [len(a.history) for a in group] == [4, 6, 6]  # 'none' stops first
    steps = len(log.steps) // (3 * 6)
    assert len(log.steps) == 3 * 6 * steps  # every round of all 6 epochs has three steps, the ghost's pass included
    early, late = log.steps[:3 * 4 * steps], log.steps[3 * 4 * steps:]  # epochs 5 and 6: 'none' stopped
    assert not [s for s in early if isinstance(s, tuple)]  # no ghost while every arm trains
    assert [s for s in late if isinstance(s, tuple)] == [("ghost", "none")] * (2 * steps)  # one pass a round
    assert {s.config.norm for s in late if not isinstance(s, tuple)} == {"before", "after"}
    solo = [train(config, Recording(tracker, "solo")) for config in configs]
    client = tracker.client
    for a, s in zip(group, solo):
        assert figures(a.history) == figures(s.history) and a.stop_reason == s.stop_reason
        assert len(a.epoch_times) == len(a.history)  # the ghost's steps are on no clock
        mine, theirs = load_state(client, a.run_id), load_state(client, s.run_id)
        assert mine.keys() == theirs.keys() and all(torch.equal(mine[k], theirs[k]) for k in mine)


def inputs(run) -> set[tuple[str, str, str]]:
    return {(i.dataset.name, i.dataset.digest, i.dataset.profile) for i in run.inputs.dataset_inputs}


def test_without_the_rng_swaps_the_dropout_masks_differ(arms, monkeypatch):
    """The identity above can fail: arms drawing dropout masks from one shared stream leave the solo trajectory."""
    monkeypatch.setattr(Arm, "swap_in", lambda self: None)
    monkeypatch.setattr(Arm, "swap_out", lambda self: None)
    shared = train_group(arms[:2], interleave="norm")
    assert figures(shared[1].history) != figures(train(arms[1]).history)


def test_a_diverged_arm_stops_and_the_other_trains_on(tiny):
    configs = [tiny.replace(optimizer="sgd", lr=lr, max_epochs=3, stop_at_target=False) for lr in (0.05, 1e6)]
    ok, diverged = train_group(configs, interleave="lr")
    assert (diverged.stop_reason, len(diverged.history)) == ("diverged", 1)
    assert not math.isfinite(diverged.history[0]["train/loss"])
    assert (ok.stop_reason, len(ok.history)) == ("max_epochs", 3)
    assert figures(ok.history) == figures(train(configs[0]).history)


DIAGNOSED = ("grad/", "act/", "upd/")  # the diagnostics' metric prefixes


def diagnosed(client, run_id: str) -> dict[str, list[tuple[int, float]]]:
    """Every diagnostic metric's whole history: (step, value) per sample."""
    keys = [k for k in client.get_run(run_id).data.metrics if k.startswith(DIAGNOSED)]
    return {k: [(m.step, m.value) for m in sorted(client.get_metric_history(run_id, k), key=lambda m: m.step)]
            for k in keys}


def assert_arms_are_solo_runs(group, solo, client) -> None:
    """Figures, stops, restored epoch and every diagnostic sample exactly equal to the solo runs'."""
    for a, s in zip(group, solo):
        assert figures(a.history) == figures(s.history)
        assert (a.stop_reason, a.restored_epoch, a.epochs_to_target) == (s.stop_reason, s.restored_epoch,
                                                                          s.epochs_to_target)
        assert [h["train/lr"] for h in a.history] == [h["train/lr"] for h in s.history]
        samples = diagnosed(client, a.run_id)
        assert samples and samples == diagnosed(client, s.run_id)
        assert client.get_run(a.run_id).data.tags[TIMING_TAG] == "interleaved"


def test_early_stopping_and_diagnostics_run_in_lockstep_arms_as_in_solo_runs(tiny, tracker):
    base = tiny.replace(max_epochs=10, stop_at_target=False, dropout=0.2, early_stopping=2,
                        diagnostics="gradients,activations,updates")
    configs = [base.replace(lr=lr) for lr in (0.01, 0.03)]  # early-stopped at epochs 8 and 5 (restored: 6 and 3)
    group = train_group(configs, Recording(tracker, "lockstep"), interleave="lr")
    solo = [train(config, Recording(tracker, "solo")) for config in configs]
    assert [a.stop_reason for a in group] == ["early_stopped"] * 2 and len({len(a.history) for a in group}) == 2
    assert all(a.restored_epoch < len(a.history) for a in group)
    assert_arms_are_solo_runs(group, solo, tracker.client)


def test_layer_reuse_freezes_and_unfreezes_lockstep_arms_as_solo_runs(tiny, tracker):
    source = train(tiny.replace(save_model=True, max_epochs=2, stop_at_target=False), Recording(tracker, "source"))
    base = tiny.replace(max_epochs=12, stop_at_target=False, dropout=0.2, early_stopping=2, diagnostics="activations",
                        reuse_from=source.run_id, reuse_layers=1, freeze_epochs=2, unfreeze_lr_factor=0.1)
    configs = [base.replace(lr=lr) for lr in (0.03, 0.1)]
    group = train_group(configs, Recording(tracker, "lockstep"), interleave="lr")
    solo = [train(config, Recording(tracker, "solo")) for config in configs]
    assert_arms_are_solo_runs(group, solo, tracker.client)
    for arm, config in zip(group, configs):  # frozen for 2 epochs, then lr x 0.1
        assert [h["train/lr"] for h in arm.history[:3]] == pytest.approx([config.lr, config.lr, config.lr * 0.1])
        assert tracker.client.get_run(arm.run_id).data.tags[REUSED_FROM_TAG] == source.run_id


def test_a_callback_lockstep_cannot_call_per_arm_is_refused_before_any_run_opens(arms, tracker):
    class PerBatch(pl.Callback):
        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            pass

    with pytest.raises(ConfigError, match="invalid callback PerBatch in an interleaved group: it implements "
                                          "on_train_batch_end"):
        train_group(arms, Recording(tracker, "refused"), interleave="norm", callbacks_for=lambda config: [PerBatch()])
    assert tracker.client.get_experiment_by_name("refused") is None


def test_arms_that_differ_elsewhere_are_refused(arms):
    with pytest.raises(ConfigError, match="differ in 'seed'"):
        train_group([arms[0], arms[1].replace(seed=1)], interleave="norm")


def test_an_arm_that_raises_fails_every_arm_with_traceback(tiny, tracker):
    # batch 4096 exceeds digits' 1437 training examples: the second arm raises in data setup.
    with pytest.raises(ValueError, match="exceeds"):
        train_group([tiny.replace(batch_size=b) for b in (32, 4096)], Recording(tracker, "fails"), interleave="batch_size")
    runs = tracker.client.search_runs([tracker.client.get_experiment_by_name("fails").experiment_id])
    assert len(runs) == 2
    for run in runs:
        assert run.info.status == "FAILED" and run.data.tags["stop_reason"] == "failed"
        assert "exceeds" in Path(tracker.client.download_artifacts(run.info.run_id, "traceback.txt")).read_text()


def test_ctrl_c_kills_every_arm(arms, tracker):
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in an interactive shell
    try:
        with pytest.raises(KeyboardInterrupt):
            train_group(arms, Recording(tracker, "ctrl-c"), interleave="norm",
                        callbacks_for=lambda config: [CtrlC(at_epoch=2)])
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # Lightning's SIG_IGN undone
    finally:
        signal.signal(signal.SIGINT, previous)
    runs = tracker.client.search_runs([tracker.client.get_experiment_by_name("ctrl-c").experiment_id])
    assert sorted((r.info.status, r.data.tags["stop_reason"]) for r in runs) == [("KILLED", "interrupted")] * 3


def test_a_signal_while_an_arm_is_built_opens_no_further_arm(arms, tracker, monkeypatch):
    """SIGTERM recorded while the first arm is built (data, model: seconds on a loaded machine): the group stops
    before the next arm's run opens, the one open run KILLED. Found by tests/test_signals.py at load 8: a run
    started 1 s after the signal."""
    import harness.train.fit as fit_module

    built = fit_module.build_arm

    def build_then_signal(*args, **kwargs):
        arm = built(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)  # recorded by the deferred handler, acted on at the next safe point
        return arm

    monkeypatch.setattr(fit_module, "build_arm", build_then_signal)
    with deferred(), pytest.raises(Terminated):
        train_group(arms, Recording(tracker, "term"), interleave="norm")
    runs = tracker.client.search_runs([tracker.client.get_experiment_by_name("term").experiment_id])
    assert [(r.info.status, r.data.tags["stop_reason"], r.data.params["norm"]) for r in runs] == \
        [("KILLED", "interrupted", "none")]


def suite_of(base, interleave: str | None = "norm", **changes) -> Suite:
    return Suite(name="interleaved", claim="test", source="tests", base=base, grid={"norm": ("none", "before")},
                 seeds=2, judge=judge_epochs, interleave=interleave, **changes)


def test_groups_keep_seeds_apart_and_vary_only_the_interleaved_field(arms):
    configs = suite_of(arms[0]).configs()
    groups = lockstep_groups(configs, "norm")
    assert [[(c.seed, c.norm) for c in g] for g in groups] == [[(0, "none"), (0, "before")],
                                                               [(1, "none"), (1, "before")]]


def test_suite_runs_each_seed_in_lockstep_and_resumes_a_lone_arm_solo(arms, tracker):
    suite = suite_of(arms[0].replace(dropout=0.0, max_epochs=2))
    configs = suite.configs()  # seed 0 none, before; seed 1 none, before
    first = run_suite(suite, tracker, configs[:3], Execution(progress=False))
    assert not first.failures
    second = run_suite(suite, tracker, configs, Execution(progress=False))  # only seed 1 'before' is left
    assert second.reused == 3 and len(second.runs) == 4
    client = tracker.client
    runs = client.search_runs([client.get_experiment_by_name(suite.name).experiment_id],
                              "tags.`harness.role` = 'child'")
    timing = {(r.data.params["seed"], r.data.params["norm"]): r.data.tags.get(TIMING_TAG) for r in runs}
    assert timing == {("0", "none"): "interleaved", ("0", "before"): "interleaved",  # a group of two: lockstep
                      ("1", "none"): None, ("1", "before"): None}  # groups of one (a cut grid, a resume): solo
    assert all(r.info.status == "FINISHED" for r in runs)


@pytest.mark.parametrize("interleave, changes, message", [
    ("seed", {}, "invalid interleave 'seed'"),
    ("activation", {}, "invalid interleave 'activation'"),
    ("norm", {"base_loop": "step"}, "invalid loop 'step' with interleave 'norm'; valid: epoch"),
    ("norm", {"run": train}, "its own function"),
])
def test_a_suite_that_cannot_interleave_is_refused_before_anything_is_written(tiny, tracker, interleave, changes,
                                                                              message):
    base = tiny.replace(loop=changes.pop("base_loop", "epoch"))
    suite = suite_of(base, interleave=interleave, **changes)
    with pytest.raises(ConfigError, match=message):
        run_suite(suite, tracker, suite.configs(), Execution(progress=False))
    assert tracker.client.get_experiment_by_name(suite.name) is None


def spread_script():
    spec = importlib.util.spec_from_file_location("interleave_spread", ROOT / "ci" / "interleave_spread.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_spread_script_measures_both_modes(capsys):
    script = spread_script()
    assert script.main(["activations", "--arms", "activation=relu,elu", "--seeds", "2", "--epochs", "1",
                        "--load", "none"]) == 0
    out = capsys.readouterr().out
    assert "solo (arm after arm)" in out and "interleaved (lockstep, per step)" in out and "RNG swaps" in out
    assert script.main(["activations", "--arms", "bogus=relu,elu"]) == 2
    assert "invalid assignment 'bogus=relu,elu'" in capsys.readouterr().err


@pytest.mark.serial  # 10 ms sleeps measured to within 40 ms: alone, not beside another worker's load
def test_step_clock_sums_its_stretches_and_resets():
    clock = StepClock(torch.device("cpu"))
    for _ in range(2):
        clock.start()
        time.sleep(0.01)
        clock.stop()
        time.sleep(0.05)  # between stretches: not counted
    assert 0.02 <= clock.seconds() < 0.1
    assert clock.seconds() == 0.0


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device; none here")
def test_step_clock_on_cuda_counts_queued_kernels():
    """CUDA events, not host clocks: the stretches cover the kernels they queued, read after one sync."""
    device = torch.device("cuda")
    x = torch.randn(4096, 4096, device=device)
    clock = StepClock(device)
    synchronize(device)
    t0 = time.perf_counter()
    for _ in range(2):
        clock.start()
        x = torch.linalg.matrix_power(x / x.norm(), 1024)  # 10 squarings of 4096x4096, queued
        clock.stop()
    synchronize(device)
    wall = time.perf_counter() - t0
    assert 0.5 * wall <= clock.seconds() <= 1.05 * wall


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device; none here")
def test_lockstep_on_cuda_follows_the_solo_runs(arms):
    configs = [c.replace(device="cuda") for c in arms]
    for a, config in zip(train_group(configs, interleave="norm"), configs):
        s = train(config)
        # CUDA kernels may reduce in another order from run to run: equal to float precision, same stops.
        flat = [[v for row in figures(r.history) for v in row] for r in (a, s)]
        assert flat[0] == pytest.approx(flat[1], rel=1e-4)
        assert (a.epochs_to_target, a.stop_reason) == (s.epochs_to_target, s.stop_reason)
        assert all(t > 0 for t in a.epoch_times)
