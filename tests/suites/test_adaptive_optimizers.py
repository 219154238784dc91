"""adaptive-optimizers at CI scale (adagrad at 1e-1 vs rmsprop at 1e-2, 2 seeds, 10 epochs), and its rules both ways."""
from __future__ import annotations

import pandas as pd
import pytest

from suites.adaptive_optimizers import LRS, OPTIMIZERS, SUITE, judge  # noqa: F401


def test_both_train_and_adagrads_step_shrinks_more(result):
    runs = result.runs
    assert len(runs) == 4 and not result.failures  # 2 optimizers x 2 seeds
    assert (runs.final_val_acc > 0.4).all()  # MNIST-1D: chance 0.1; the pilot's runs ended at 0.56-0.61
    decay = runs.set_index(["optimizer", "seed"])["upd/eff_lr"] / runs.set_index(["optimizer", "seed"])["upd/eff_lr_init"]
    assert (decay["adagrad"] < decay["rmsprop"]).all()
    rows = [v for v in result.verdicts if v.statement == "AdaGrad's step shrinks, RMSProp's does not"]
    assert [(v.arms, v.tuned) for v in rows] == [(({"optimizer": "rmsprop"}, {"optimizer": "adagrad"}),
                                                  ({"lr": 0.01}, {"lr": 0.1}))] and rows[0].n == 2


def synthetic(claims_hold: bool, seeds: int = 6) -> pd.DataFrame:
    rows = []
    for seed in range(seeds):
        for opt in OPTIMIZERS:
            good = (opt in ("rmsprop", "nadam")) == claims_hold
            for i, lr in enumerate(LRS):
                peak = 1.0 if i == 2 else (0.995 if claims_hold and abs(i - 2) == 1 else 0.9)
                acc = (0.62 if good else 0.58) * peak + 0.001 * seed
                rows.append(dict(seed=seed, optimizer=opt, lr=lr, final_val_acc=acc, converged=1, max_epochs=10,
                                 epochs_run=10.0, epochs_to_target=4.0 if good else 7.0,
                                 **{"train/loss": 0.05 if good else 0.3, "upd/eff_lr": 1.0 if good else 0.1,
                                    "upd/eff_lr_init": 1.0}))
    return pd.DataFrame(rows)


@pytest.mark.parametrize("hold", [True, False])
def test_main_rows_flip_with_the_effect(hold):
    verdicts = judge(synthetic(hold))
    assert len(verdicts) == 6
    assert {v.outcome for v in verdicts} == {"supported" if hold else "refuted"}
