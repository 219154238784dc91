"""An example suite of your own: a custom model, a custom dataset, and a claim comparing two settings.

Claim (a textbook one, small enough for CI): a wider network reaches the target in fewer epochs.
Data: "rings", three noisy concentric rings in 2-D (a custom dataset). Model: "tiny-mlp" (a custom model that
honours the activation, depth and width axes). Grid: width 4 vs 32, paired by seed; 6 seeds (the fewest
with a 95% interval of the median); target 0.9 validation accuracy within 30 epochs.

Run it:  harness run my_suite.py --seeds 6   (or in pytest: see test_my_suite.py)
"""
import numpy as np
from torch import nn

import harness
from harness import RatioStatement, RunConfig, Suite, epochs_to_target


@harness.register_dataset("rings")
def rings(config):
    """Three noisy concentric rings in 2-D, 600 points per ring; drawn from config.split_seed."""
    rng = np.random.default_rng(config.split_seed)
    n = 600
    radius = np.repeat([1.0, 2.0, 3.0], n) + rng.normal(0, 0.25, 3 * n)  # ring k has radius k + 1, noise 0.25
    angle = rng.uniform(0, 2 * np.pi, 3 * n)
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1).astype(np.float32)  # (1800, 2)
    return X, np.repeat(np.arange(3), n).astype(np.int64)


@harness.register_model("tiny-mlp", supports=("activation", "depth", "width"))
def tiny_mlp(config, n_features, n_classes):
    """Linear + activation blocks (PyTorch's default init), then a Linear head."""
    from harness.nn.activations import ACTIVATIONS

    layers, n_in = [], n_features
    for _ in range(config.depth):
        layers += [nn.Linear(n_in, config.width), ACTIVATIONS.get(config.activation).make()]
        n_in = config.width
    return nn.Sequential(*layers, nn.Linear(n_in, n_classes))


SUITE = Suite(
    name="wider-trains-faster",
    claim="a wider network reaches the target in fewer epochs",
    source="examples/my_project (an example of a suite outside the harness)",
    base=RunConfig(model="tiny-mlp", dataset="rings", depth=2, width=4, activation="relu", optimizer="adam",
                   lr=0.01, batch_size=64, max_epochs=30, target_value=0.9),
    grid={"width": (4, 32)},
    seeds=6,
    judge=harness.paired("width", 32, 4, [RatioStatement("a wider net needs fewer epochs", "epochs-to-target ratio",
                                                          epochs_to_target, "<")]),
    timing=False,
    scales={"ci": {"seeds": 6}},
)
