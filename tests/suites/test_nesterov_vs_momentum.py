"""nesterov-vs-momentum at CI scale (beta 0.9 and 0.99 at effective lr 0.3, 2 seeds, 10 epochs), and its rules both ways."""
from __future__ import annotations

import pandas as pd
import pytest

from suites.nesterov_vs_momentum import BETAS, POINTS, SUITE, judge  # noqa: F401


def test_every_arm_trains_and_rows_name_the_tuned_rates(result):
    runs = result.runs
    assert len(runs) == 8 and not result.failures  # 2 optimizers x 2 betas x 2 seeds
    assert (runs.final_val_acc > 0.4).all()  # every arm learns MNIST-1D at these rates (chance 0.1)
    rows = [v for v in result.verdicts if v.statement == "Nesterov reaches the target in fewer epochs"]
    assert [(v.group, v.arms, v.tuned) for v in rows] == [
        ({"momentum": beta}, ({"optimizer": "nesterov"}, {"optimizer": "momentum"}), ({"lr": lr}, {"lr": lr}))
        for beta, lr in ((0.9, 0.03), (0.99, 0.003))]
    assert rows[0].label == "beta 0.9, nesterov vs momentum (tuned: lr 0.03)"
    assert all(v.n == 2 and v.outcome == "inconclusive" for v in rows)  # 2 seeds: the interval is open


def synthetic(nesterov_faster: bool, seeds: int = 6) -> pd.DataFrame:
    rows = []
    for seed in range(seeds):
        for opt, beta, lr in POINTS:
            best = lr == round(0.3 * (1 - beta), 6)
            epochs = (5 if (opt == "nesterov") == nesterov_faster else 8) + (0 if best else 4)
            rows.append(dict(seed=seed, optimizer=opt, momentum=beta, lr=lr, converged=1, epochs_to_target=float(epochs),
                             epochs_run=float(epochs), max_epochs=20))
    return pd.DataFrame(rows)


@pytest.mark.parametrize("faster", [True, False])
def test_main_rows_flip_with_the_effect(faster):
    verdicts = judge(synthetic(faster))
    assert len(verdicts) == len(BETAS) + 1
    assert {v.outcome for v in verdicts} == {"supported" if faster else "refuted"}
    assert (verdicts[0].group, verdicts[0].tuned) == ({"momentum": 0.9}, ({"lr": 0.03}, {"lr": 0.03}))
    assert verdicts[-1].group == {"momentum": BETAS}  # every beta, merged
