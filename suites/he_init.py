"""He initialization keeps a deep ReLU net's signal at scale, so it trains where Glorot and PyTorch's default stall.

Source: He et al. 2015 (a 30-layer ReLU net converges with their init and stalls with Xavier's);
the chapter's init table (He, var = 2/fan_in, for ReLU). PyTorch's default nn.Linear init has
variance 1/(3 fan_in), a sixth of He's; Glorot's, 2/(fan_in + fan_out), is half of He's here.

Grid: 30 hidden ReLU layers of 100 units on digits; init He normal, Glorot uniform, PyTorch default.
Recipe as bn-walltime (Nesterov, lr 0.01, batch 32); target 0.9 validation accuracy within 30 epochs.
The `activations` and `gradients` diagnostics measure the net at init (and every 10 epochs).

Verdict, thresholds fixed in advance; median over seeds, 95% bootstrap interval:
- activation std by depth, at init (post-activation std of layer 30 over layer 1):
  He "keeps it": > 0.5 and < 2 (within a factor 2); Glorot and default "shrink it": < 0.1.
- first-layer gradient norm at init, paired by seed against He: Glorot / He < 0.1 and default / He < 0.1.
- epochs to target, paired by seed against He: Glorot / He > 1 and default / He > 1 (a run that
  never reaches the target is censored at its budget: the ratio is then a bound, never dropped).
- final validation accuracy: He "trains": > 0.5; Glorot and default "stall": < 0.5.
"""
from harness.config import RunConfig
from harness.measures import column, epochs_to_target
from harness.rules import paired_verdicts, threshold_verdicts
from harness.suite import Suite
from harness.verdict import RatioStatement, ThresholdStatement

STD = "act std L30/L1 at init"
OTHERS = ("glorot_uniform", "default")
THRESHOLDS = [
    ThresholdStatement("activation scale is kept across depth", STD, column("act/std_last_first_ratio_init"), ">", 0.5,
                       (("init", "he_normal"),)),
    ThresholdStatement("activation scale is kept across depth", STD, column("act/std_last_first_ratio_init"), "<", 2.0,
                       (("init", "he_normal"),)),
    *(ThresholdStatement("activation scale shrinks with depth", STD, column("act/std_last_first_ratio_init"), "<", 0.1,
                         (("init", init),)) for init in OTHERS),
    ThresholdStatement("trains", "final val acc", column("final_val_acc"), ">", 0.5, (("init", "he_normal"),)),
    *(ThresholdStatement("stalls", "final val acc", column("final_val_acc"), "<", 0.5, (("init", init),))
      for init in OTHERS),
]
RATIOS = [
    RatioStatement("the first layer gets a far smaller gradient", "first-layer grad norm ratio at init",
                   column("grad/first_norm_init"), "<", 0.1),
    RatioStatement("more epochs are needed", "epochs-to-target ratio", epochs_to_target, ">"),
]


def judge(runs):
    return (threshold_verdicts(runs, THRESHOLDS, group_by=["init"])
            + paired_verdicts(runs, RATIOS, factor="init", baseline="he_normal", group_by=["activation"]))


SUITE = Suite(
    name="he-init",
    claim="with ReLU, He init keeps activations and gradients at scale across 30 layers and trains where Glorot and PyTorch's default stall",
    source="He et al. 2015 (30-layer ReLU: converges with He init, stalls with Xavier); Geron, Hands-On ML, init table",
    base=RunConfig.chapter_recipe(depth=30, activation="relu", max_epochs=30, target_metric="val/acc", target_value=0.9,
                   diagnostics="activations,gradients", diag_every=10, threads=1),
    grid={"init": ("he_normal", "glorot_uniform", "default")},
    seeds=3,
    judge=judge,
    timing=False,
    # ci: the init-time measurements are the robust part; two epochs only so the training rows stay cheap.
    scales={"ci": {"seeds": 2, "max_epochs": 2}, "nightly": {"seeds": 10, "max_epochs": 60}},
)
