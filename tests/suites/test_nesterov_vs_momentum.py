"""nesterov-vs-momentum at CI scale (beta 0.9 and 0.99 at effective lr 0.3, 2 seeds, 10 epochs), its rules both ways,
and each arm's lr chosen on held-out seeds only (issue 23)."""
from __future__ import annotations

import pandas as pd
import pytest

from harness.judge.verdict import select
from suites.nesterov_vs_momentum import BETAS, EVERY, FASTER, POINTS, SUITE, judge  # noqa: F401


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


def synthetic(nesterov_faster: bool, seeds: int = 10, best_effective=lambda seed: 0.3) -> pd.DataFrame:
    """Every arm fastest at effective lr `best_effective(seed)` (4 epochs slower elsewhere); Nesterov 5 epochs where
    faster, heavy ball 8 (or the reverse). The suite's 10 seeds: 8 judged pairs reach the every-beta row's corrected
    level (1 - 0.05/3 needs 7; the 6 of 8 seeds could never refute it)."""
    rows = []
    for seed in range(seeds):
        for opt, beta, lr in POINTS:
            best = lr == round(best_effective(seed) * (1 - beta), 6)
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
    assert all(v.n == 8 for v in verdicts)  # seeds 2-9: seeds 0-1 only chose the lrs


def test_each_lr_is_chosen_on_held_out_seeds_only():
    """Seeds 0-1 are fastest at effective lr 1, the judged seeds at 0.1: every arm runs at 1, judged on seeds 2-9."""
    verdicts = judge(synthetic(True, best_effective=lambda seed: 1.0 if seed < 2 else 0.1))
    rows = [v for v in verdicts if v.statement == FASTER.statement]
    assert [v.tuned for v in rows] == [({"lr": round(1 - b, 6)}, {"lr": round(1 - b, 6)}) for b in BETAS]
    assert all(v.n == 8 and v.effect == pytest.approx(9 / 12) for v in rows)  # 5 + 4 vs 8 + 4: off their best


def test_held_out_ties_within_an_epoch_go_to_the_smaller_lr():
    """On seeds 0-1 Nesterov at beta 0.9 needs 5 epochs at effective lr 0.3 and 4 at 1 (within TIE): it takes 0.3."""
    table = synthetic(True)
    faster = (table.seed < 2) & (table.optimizer == "nesterov") & (table.momentum == 0.9) & (table.lr == 0.1)
    table.loc[faster, "epochs_to_target"] = 4.0
    assert judge(table)[0].tuned == ({"lr": 0.03}, {"lr": 0.03})


def test_one_beta_refuted_only_at_95_percent_leaves_every_beta_undecided():
    """12 seeds (nightly), 10 judged pairs: Nesterov faster at beta 0.9 and 0.95; at 0.99 slower in 9 of the 10. That
    row is refuted at 95% (the 2nd order statistic bounds it) but not at 1 - 0.05/3 ([min, max]), so the every-beta
    row is not refuted through it (with all_of it was: three chances of one row's error). At the default 10 seeds
    the 8 judged pairs give [min, max] at both levels: there the two rules agree."""
    table = synthetic(True, seeds=12)
    slower = (table.momentum == 0.99) & (table.optimizer == "nesterov")
    table.loc[slower & (table.seed != 11), "epochs_to_target"] += 6.0  # 11 (15 off its best) against 8 (12)
    verdicts = judge(table)
    assert [v.outcome for v in select(verdicts, FASTER.statement)] == ["supported", "supported", "refuted"]
    (every,) = select(verdicts, EVERY)
    assert every.outcome == "inconclusive" and "corrected for 3 rows" in every.note, every
    table.loc[slower & (table.seed == 11), "epochs_to_target"] += 6.0
    assert select(judge(table), EVERY)[0].outcome == "refuted"  # all 10 pairs slower: refuted at the corrected level
