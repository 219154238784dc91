"""momentum at CI scale (the analytic parts, 6 seeds: seconds), and its rules on synthetic tables both ways."""
from __future__ import annotations

import pandas as pd
import pytest

from harness.judge.verdict import select
from suites.momentum import ANALYTIC, MAX_ITERS, OPTIMIZERS, SUITE, TASK_LRS, judge  # noqa: F401


def test_terminal_step_is_exact_and_momentum_is_faster_on_the_quadratic(result):
    assert len(result.runs) == 30 and not result.failures  # 5 analytic arms x 6 seeds
    for beta in (0.5, 0.9, 0.99):
        (row,) = select(result.verdicts, "the terminal step is lr*g/(1-beta)", optimizer="momentum", momentum=beta)
        assert row.outcome == "supported" and row.high < 1e-9
    for opt in ("momentum", "nesterov"):
        (row,) = select(result.verdicts, "momentum needs fewer iterations on an ill-conditioned quadratic",
                        dataset=ANALYTIC, momentum=0.9, optimizer=opt, baseline={"optimizer": "sgd"})
        assert row.outcome == "supported" and row.high < 0.8 and row.n == 6
        assert row.label == f"analytic, beta 0.9, {opt} vs sgd"


def synthetic(momentum_helps: bool, seeds: int = 6) -> pd.DataFrame:
    rows = []
    for seed in range(seeds):
        for opt in OPTIMIZERS:
            fast = (opt != "sgd") == momentum_helps
            rows.append(dict(seed=seed, dataset=ANALYTIC, optimizer=opt, momentum=0.9, lr=0.01, terminal_error=1e-14 if momentum_helps else 0.5,
                             iters_to_tol=100.0 + seed if fast else MAX_ITERS + 1.0))
            for lr in TASK_LRS:
                epochs = (4 if fast else 12) + (lr != 0.03) * 3
                rows.append(dict(seed=seed, dataset="digits", optimizer=opt, momentum=0.9, lr=lr, converged=1,
                                 epochs_to_target=float(epochs), epochs_run=float(epochs), max_epochs=20))
    return pd.DataFrame(rows)


@pytest.mark.parametrize("helps", [True, False])
def test_main_rows_flip_with_the_effect(helps):
    verdicts = judge(synthetic(helps))
    want = "supported" if helps else "refuted"
    assert {v.outcome for v in verdicts} == {want}
    task = [v for v in verdicts if v.statement == "momentum reaches the target in fewer epochs"]
    assert [(v.group, v.arms[0], v.tuned) for v in task] == [
        ({"dataset": "digits"}, {"optimizer": o}, ({"lr": 0.03}, {"lr": 0.03})) for o in ("momentum", "nesterov")]
