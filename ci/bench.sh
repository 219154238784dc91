#!/usr/bin/env bash
# Run the speed benchmarks (benchmarks/), save their JSON report and log it to MLflow (experiment 'benchmarks').
#
#   ci/bench.sh [--quick|--full] [--save-baseline] [extra pytest args...]
#
#   --quick          few repeats: the regression signal CI runs (~2.5 minutes on 2 idle cores; ~75 s more when the
#                    first process pairs are over the overhead line and the benchmark takes 5 more)
#   --full           the default: more repeats, tighter spreads (several minutes)
#   --save-baseline  also store this run as this machine's baseline for ci/compare-bench.sh
#                    (refresh it this way after an intended speed change or new hardware/software)
#
# Exits 1 when the process-level harness-overhead ratio (harness train in its own process over a plain PyTorch
# loop in its own, ci/overhead_ratio.py) is over OVERHEAD_MAX (default 1.10: the goal is 1.05, the rest is room
# for a shared machine's noise) at 95% (a lower bound of the median pair ratio, not the median of 3 pairs), after
# the report is saved and logged.
#
# Environment: BENCH_DIR (default .benchmarks) where reports and baselines live;
# MLFLOW_TRACKING_URI (default sqlite:///mlruns/mlflow.db) where the results are logged;
# BENCH_NO_MLFLOW=1 to skip the MLflow step; OVERHEAD_MAX (default 1.10) the gate.
set -euo pipefail
cd "$(dirname "$0")/.."
. ci/bench-common.sh

mode=full save=0 extra=()
for arg in "$@"; do
  case "$arg" in
    --quick) mode=quick ;;
    --full) mode=full ;;
    --save-baseline) save=1 ;;
    *) extra+=("$arg") ;;
  esac
done

mkdir -p "$BENCH_DIR"
report="$BENCH_DIR/bench-$mode-$(date -u +%Y%m%dT%H%M%SZ).json"
quick_flag=()
[ "$mode" = quick ] && quick_flag=(--bench-quick)
# --dist no: the project's addopts name xdist's --dist loadgroup, and pytest-benchmark disables itself (one round,
# no timing) wherever xdist's distribution is on.
python -m pytest benchmarks -m benchmark_suite -q -p no:randomly --dist no ${quick_flag[@]+"${quick_flag[@]}"} \
  --benchmark-json="$report" --benchmark-columns=median,iqr,min,rounds,iterations --benchmark-sort=name \
  ${extra[@]+"${extra[@]}"}
cp "$report" "$BENCH_DIR/latest-$mode.json"
gate=0
python ci/overhead_ratio.py "$report" || gate=$?
if [ "${BENCH_NO_MLFLOW:-0}" != 1 ]; then
  python -m harness.tools.benchlog "$report"
fi
if [ "$save" = 1 ]; then
  baseline="$(baseline_path "$mode")"
  cp "$report" "$baseline"
  echo "saved baseline $baseline"
fi
echo "report: $report"
exit "$gate"
