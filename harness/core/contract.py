"""The MLflow contract: every experiment, run, metric, param and tag name the harness writes or reads.

Users' queries and saved MLflow UI comparisons rely on these names (docs/contract.md);
the writer (harness.store.tracking.Tracker) and the readers (harness.store.queries) take them from here only.
"""
from __future__ import annotations

import re

DEFAULT_TRACKING_URI = "sqlite:///mlruns/mlflow.db"
TRAIN_EXPERIMENT = "train"  # single `harness train` runs
# An experiment's description (the UI's "Description"): MLflow's note tag, as on runs. A suite's experiment holds
# its claim and source; these are the others'.
EXPERIMENT_NOTES = {TRAIN_EXPERIMENT: "Single runs of `harness train`: one configuration each, no verdict.",
                    "Default": "MLflow's default experiment. The harness records nothing here: each suite has an "
                               "experiment of its own, and `harness train` records into 'train'."}
# MLflow 3's experiment kind: the UI opens a classic-ML experiment on its runs table, not the GenAI overview
EXPERIMENT_KIND_TAG, EXPERIMENT_KIND = "mlflow.experimentKind", "custom_model_development"

# --- run roles and nesting (tags) ---
ROLE_TAG = "harness.role"  # 'parent' (an invocation) or 'child' (one config and seed)
PARENT, CHILD = "parent", "child"
SUITE_TAG = "harness.suite"  # stored names are public: not a module path (it was renamed with the folders by mistake)
PARENT_TAG = "mlflow.parentRunId"  # MLflow's own nesting tag: the UI shows children under the parent
PROC_TAG = "harness.proc"  # host:pid:start-time of the process driving a parent run (resume)
RESUMED_TAG = "harness.resumed"  # finished runs an invocation reused from earlier ones
PARALLEL_TIMING_TAG = "harness.parallel_timing"
WORKERS_TAG = "harness.workers"
ENGINE_TAG = "harness.engine"
TIMING_TAG = "harness.timing"  # 'interleaved': trained in lockstep with the arms in INTERLEAVED_TAG (absent = solo)
INTERLEAVED_TAG = "harness.interleaved"  # field=level,level,...: the arms a run's steps alternated with
NULL_TAG = "harness.null"  # 'true' on an A/A invocation (harness run --null) and its runs: no arm differs from its baseline
STEP_ORDER_TAG = "harness.step_order"  # field=level,level,...: the order the arms stepped in each round (seed-rotated)
# JSON list of the verdict keys (verdict/<key>) whose rows are checks of the implementation (identities, algebra), not
# evidence for the claim: `harness runs` tallies them apart
CHECKS_TAG = "harness.checks"

# --- per-epoch metrics, step = epoch (1-based) ---
TRAIN_LOSS, EPOCH_TIME, VAL_LOSS, VAL_ACC = "train/loss", "train/epoch_time_s", "val/loss", "val/acc"
EPOCH_METRICS = (TRAIN_LOSS, EPOCH_TIME, VAL_LOSS, VAL_ACC)
# what a person calls them (plots' axes, the answer's targets)
METRIC_WORDS = {"val/acc": "validation accuracy", "val/loss": "validation loss", "train/loss": "training loss",
                "train/acc": "training accuracy", "train/eval_loss": "training loss (eval mode)",
                "train/epoch_time_s": "epoch time (s)"}
# validation clock; eval_train figures; the lr of the epoch's first step (every run); the timed window's process CPU
# seconds (a solo run on the CPU: what the epoch cost the machine, without the waits a shared machine adds)
VAL_EPOCH_TIME, TRAIN_ACC, TRAIN_EVAL_LOSS = "val/time_s", "train/acc", "train/eval_loss"
TRAIN_LR, EPOCH_CPU_TIME = "train/lr", "train/epoch_cpu_s"
EPOCH_EXTRA_METRICS = (VAL_EPOCH_TIME, TRAIN_ACC, TRAIN_EVAL_LOSS, TRAIN_LR, EPOCH_CPU_TIME)
# with mc_samples T > 0 (harness.nn.regularization), each validation also records: the deterministic pass's ECE and
# seconds, and the MC pass's (T passes with dropout on, probabilities averaged) NLL, ECE, accuracy and seconds
VAL_ECE, VAL_FORWARD_TIME = "val/ece", "val/forward_time_s"
VAL_MC_NLL, VAL_MC_ECE, VAL_MC_ACC, VAL_MC_TIME = "val/mc_nll", "val/mc_ece", "val/mc_acc", "val/mc_time_s"
MC_METRICS = (VAL_ECE, VAL_FORWARD_TIME, VAL_MC_NLL, VAL_MC_ECE, VAL_MC_ACC, VAL_MC_TIME)
# derived per-epoch metrics a suite's callbacks add (harness.train.derived): the validation - training loss gap
# (nats), and from the first epoch at a matched training loss on, that epoch's gap and its 1-based epoch
LOSS_GAP, LOSS_GAP_AT_MATCH, MATCH_EPOCH = "gap/loss", "gap/loss_at_match", "gap/match_epoch"
NEAR_ZERO_SHARE = "weights/near_zero_share"  # share of the MLP's hidden Linear weights with |w| under a threshold
# MC dropout's cost: (MC seconds / one deterministic pass's seconds) / T, and MC seconds / T; medians over epochs so far
MC_LATENCY_RATIO, MC_SECONDS_PER_PASS = "mc/latency_ratio", "mc/seconds_per_pass"

# A user's LightningModule (harness.train.user) adds what it logs with self.log / self.log_dict, each epoch's mean under
# the name it logged (e.g. val_loss), beside train/loss (the mean of its training_step's losses), train/lr and the
# clocks above; those names are its own, not the contract's, and never replace the clocks or train/lr.

# --- summary metrics, step 0 ---
# 1 if the run reached its target at some epoch, else 0; the 1-based epoch it did (absent if never) and the seconds
CONVERGED, EPOCHS_TO_TARGET, TIME_TO_TARGET = "converged", "epochs_to_target", "time_to_target_s"
# the run's wall clock; the median timed epoch (training steps only); epochs run; the clocks' totals
WALL_TIME, MEDIAN_EPOCH_TIME, EPOCHS_RUN = "wall_time_s", "median_epoch_time_s", "epochs_run"
TRAIN_TIME, VAL_TIME, OVERHEAD_TIME = "train_time_s", "val_time_s", "overhead_time_s"
FINAL_VAL_ACC, FINAL_VAL_LOSS = "final_val_acc", "final_val_loss"  # the last validation's
SUMMARY_METRICS = (CONVERGED, EPOCHS_TO_TARGET, TIME_TO_TARGET, WALL_TIME, MEDIAN_EPOCH_TIME, EPOCHS_RUN, TRAIN_TIME,
                   VAL_TIME, OVERHEAD_TIME, FINAL_VAL_ACC, FINAL_VAL_LOSS)
RESTORED_EPOCH = "restored_epoch"  # early stopping: the 1-based epoch whose weights the run ended with (best val/loss)

# --- child-run tags ---
STOP_REASON_TAG = "stop_reason"
# Why a run stopped: training outcomes, then what the run lifecycle and resume record.
STOP_REASONS = ("target", "max_epochs", "diverged", "early_stopped", "interrupted", "failed", "abandoned", "measured")
CONFIG_ID_TAG = "config_id"
REUSED_FROM_TAG = "reused_from"  # the run whose saved layers a run started from (layer reuse)
# the machine and the harness's own code: harness_commit is the harness checkout's commit ('-dirty' when changed; absent
# when installed from a package), apart from the user's project below
HARNESS_COMMIT_TAG = "harness_commit"
ENVIRONMENT_TAGS = ("device", "device_type", "threads", "torch_version", "lightning_version", "harness_version",
                    "python_version", "platform", "cuda_version", HARNESS_COMMIT_TAG)
# The code under test (harness.core.project): the git repository holding the suite file (a shipped suite: the working
# directory's). git_sha is its commit (40 hex), git_dirty 'true'/'false' (tracked files changed since), git_diff a
# digest of those changes ('' when clean). `history` and `check` track these commits; resume and judging reuse a run
# only at the same code. Absent outside a git repository. (Before this version git_sha was the harness's own commit.)
GIT_SHA_TAG, GIT_DIRTY_TAG, GIT_DIFF_TAG = "git_sha", "git_dirty", "git_diff"
PROJECT_TAGS = (GIT_SHA_TAG, GIT_DIRTY_TAG, GIT_DIFF_TAG)
RUN_TAGS = (STOP_REASON_TAG, CONFIG_ID_TAG, *ENVIRONMENT_TAGS, *PROJECT_TAGS)

# --- parent-run tags and artifacts ---
NOTE_TAG = "mlflow.note.content"  # MLflow's run description (the UI shows it on the run page): the plain answer
N_CONFIGS_TAG = "n_configs"  # the configurations an invocation asked for (grows with adaptive seeds)
INVOCATION_TAGS = ("scale", "seeds", N_CONFIGS_TAG, "claim", "workers", "engine", "force")
VERDICT_TXT, VERDICT_JSON, JUDGED_RUNS = "verdict.txt", "verdict.json", "judged_runs.json"
# The machine's state around an invocation (harness evidence reads them): its 1-minute load average when the
# invocation started and when its verdict was recorded, and its logical CPUs (os.cpu_count()).
LOAD_START_TAG, LOAD_END_TAG, CPUS_TAG = "harness.load_start", "harness.load_end", "harness.cpus"
MACHINE_TAGS = (CPUS_TAG, LOAD_START_TAG, LOAD_END_TAG)
LOOKS_JSON = "looks.json"  # the seed counts and levels of an invocation's looks (adaptive seeds)
TRACEBACK = "traceback.txt"
MODEL_ARTIFACT = "model/state_dict.pt"  # a child run's trained weights (save_model), torch.save of its state_dict
REPORT_DIR = "report"  # artifact folder of a parent run that holds its report


def effect_metric(slug: str) -> str:
    """The parent-run metric holding one verdict row's effect."""
    return f"effect/{slug}"


def null_experiment(suite: str) -> str:
    """The experiment of a suite's A/A invocations (`harness run SUITE --null`): apart from its real ones."""
    return f"{suite} (null)"


def verdict_tag(slug: str) -> str:
    """The parent-run tag holding one verdict row's outcome."""
    return f"verdict/{slug}"


# per-layer gradient metrics (harness.train.diagnostics), e.g. grad/norm/layer_03, layers 1-based
GRAD_LAYER = re.compile(r"^grad/(?P<name>.+)/layer_(?P<layer>\d+)$")
