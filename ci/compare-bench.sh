#!/usr/bin/env bash
# Gate: run the benchmarks and fail if they got slower than this machine's stored baseline.
#
#   ci/compare-bench.sh [--quick|--full] [--threshold PCT] [--baseline FILE] [extra pytest args...]
#
# Fails (non-zero exit) when
#   - any benchmark's median time is more than PCT% above the baseline's (pytest-benchmark's own
#     --benchmark-compare / --benchmark-compare-fail=median:PCT%); default PCT: 15 with --quick
#     (3-15 rounds: medians move ~5% between runs on an idle machine), 10 with --full.
#     BENCH_FAIL_STAT=min compares minima instead: sturdier where other jobs cause bursts of load
#     (a 3-round median absorbs no burst: on our shared 2-core machine it moved up to +70%);
#   - the process-level harness-overhead ratio (harness train process / plain PyTorch process, ci/overhead_ratio.py)
#     is over OVERHEAD_MAX (default 1.10; the goal is 1.05, the rest is room for noise) at 95%.
# The baseline is the one ci/bench.sh --save-baseline stored for this machine (CPU model, cores,
# Python, torch: see ci/bench-common.sh). No baseline: exits 3 saying how to record one.
# Refresh the baseline after an intended change (or new hardware / torch):
#   ci/bench.sh --quick --save-baseline     (and/or --full --save-baseline)
# Only compare runs from the same, otherwise idle machine: a busy or shared machine fails the gate
# for reasons that are not the code's.
set -euo pipefail
cd "$(dirname "$0")/.."
. ci/bench-common.sh

mode=full threshold="" baseline="" extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) mode=quick ;;
    --full) mode=full ;;
    --threshold) threshold="$2"; shift ;;
    --baseline) baseline="$2"; shift ;;
    *) extra+=("$1") ;;
  esac
  shift
done
[ -n "$threshold" ] || { [ "$mode" = quick ] && threshold=15 || threshold=10; }
[ -n "$baseline" ] || baseline="$(baseline_path "$mode")"
if [ ! -f "$baseline" ]; then
  echo "compare-bench: no baseline $baseline for this machine; record one with: ci/bench.sh --$mode --save-baseline" >&2
  exit 3
fi

mkdir -p "$BENCH_DIR"
report="$BENCH_DIR/compare-$mode-$(date -u +%Y%m%dT%H%M%SZ).json"
quick_flag=()
[ "$mode" = quick ] && quick_flag=(--bench-quick)
stat="${BENCH_FAIL_STAT:-median}"
echo "compare-bench: $mode run vs $baseline, failing beyond $stat +$threshold% or overhead ratio > ${OVERHEAD_MAX:-1.10}"
set +e
python -m pytest benchmarks -m benchmark_suite -q -p no:randomly ${quick_flag[@]+"${quick_flag[@]}"} \
  --benchmark-json="$report" --benchmark-compare="$baseline" --benchmark-compare-fail="${stat}:${threshold}%" \
  --benchmark-columns=median,iqr,min,rounds --benchmark-sort=name ${extra[@]+"${extra[@]}"}
rc=$?
set -e
python ci/overhead_ratio.py "$report" || rc=1
if [ "$rc" -ne 0 ]; then
  echo "compare-bench: FAILED (slower than the baseline beyond the threshold, or a benchmark failed); report: $report" >&2
else
  echo "compare-bench: ok; report: $report"
fi
exit "$rc"
