"""Determinism: the same configuration and seed, on the same machine and thread count, give the same
loss and accuracy history, epoch by epoch, in memory and as stored."""
from __future__ import annotations

from harness.store.queries import load_history
from harness.train.fit import train
from harness.train.lifecycle import Recording

FIGURES = ("train/loss", "val/loss", "val/acc")  # every figure except the clocks


def figures(history: list[dict[str, float]]) -> list[tuple[float, ...]]:
    return [tuple(epoch[k] for k in FIGURES) for epoch in history]


def test_same_config_and_seed_same_history(tiny, tracker):
    config = tiny.replace(norm="before", max_epochs=4, stop_at_target=False, dropout=0.2)  # dropout: seeded too
    a = train(config, Recording(tracker))
    b = train(config, Recording(tracker))
    assert len(a.history) == 4
    assert figures(a.history) == figures(b.history)  # exactly equal, not approximately
    stored_a = load_history(tracker.client, a.run_id)[list(FIGURES)]
    stored_b = load_history(tracker.client, b.run_id)[list(FIGURES)]
    assert stored_a.equals(stored_b)
    assert stored_a["val/acc"].tolist() == [h["val/acc"] for h in a.history]


def test_another_seed_gives_another_history(tiny):
    """The check above can fail: a different seed changes the figures."""
    config = tiny.replace(max_epochs=2, stop_at_target=False)
    assert figures(train(config).history) != figures(train(config.replace(seed=1)).history)
