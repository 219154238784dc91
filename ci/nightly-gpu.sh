#!/usr/bin/env bash
# Nightly GPU run: every suite at --scale nightly on CUDA, fresh runs (--force), the hardware and
# library versions recorded, verdicts and timings compared with the last good night (the baseline).
# The suites that judge wall-clock time (those with an arm field) also run as an A/A invocation (--null: every
# arm a copy of its baseline, recorded apart); its count of supported/refuted rows, each a false finding, is
# printed and kept in the summary, not judged as a regression.
# Exit status: 0 = no regression; 1 = a regression (rules in harness/tools/nightly.py: a verdict flipped
# between supported and refuted, or went missing; a median epoch time grew more than the threshold
# on the same GPU); 2 = a suite (or its A/A invocation) failed to run.
#
# Settings (environment variables):
#   HARNESS_NIGHTLY_DIR        where results go (default: nightly/); one folder per night
#   HARNESS_NIGHTLY_BASELINE   the last good night's summary (default: $HARNESS_NIGHTLY_DIR/baseline.json)
#   HARNESS_NIGHTLY_THRESHOLD  allowed growth of a median epoch time (default 0.25 = 25%)
#   HARNESS_NIGHTLY_DEVICE     cuda (default), or cpu for a dry run of the pipeline
#   HARNESS_NIGHTLY_SCALE      nightly (default); a suite without that scale runs at default, noted
#   HARNESS_NIGHTLY_SUITES     space-separated suites (default: every suite `harness list` shows)
#   HARNESS_FASHION_MNIST      folder with Fashion-MNIST IDX files; suites use it when present
#   MLFLOW_TRACKING_URI        store (default: sqlite:///$HARNESS_NIGHTLY_DIR/mlflow.db)
set -euo pipefail

OUT="${HARNESS_NIGHTLY_DIR:-nightly}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
BASELINE="${HARNESS_NIGHTLY_BASELINE:-$OUT/baseline.json}"
THRESHOLD="${HARNESS_NIGHTLY_THRESHOLD:-0.25}"
DEVICE="${HARNESS_NIGHTLY_DEVICE:-cuda}"
SCALE="${HARNESS_NIGHTLY_SCALE:-nightly}"
URI="${MLFLOW_TRACKING_URI:-sqlite:///$OUT/mlflow.db}"
NIGHT="$OUT/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$NIGHT"

python -m harness.tools.nightly environment --device "$DEVICE" > "$NIGHT/environment.json"
echo "== environment"; cat "$NIGHT/environment.json"

python -m harness.tools.nightly plan --scale "$SCALE" > "$NIGHT/plan.txt"
if [ -n "${HARNESS_NIGHTLY_SUITES:-}" ]; then
  awk 'NR == FNR { want[$1] = 1; next } want[$1]' <(printf '%s\n' $HARNESS_NIGHTLY_SUITES) "$NIGHT/plan.txt" \
    > "$NIGHT/plan.sel"
  mv "$NIGHT/plan.sel" "$NIGHT/plan.txt"
fi

failed=()
ran=()
while read -r suite scale null; do
  [ "$scale" = "$SCALE" ] || echo "note: suite $suite has no '$SCALE' scale; running it at '$scale'"
  echo "== $suite (scale $scale, device $DEVICE)"
  if harness run "$suite" --scale "$scale" --device "$DEVICE" --force --no-progress --tracking-uri "$URI" \
       > "$NIGHT/$suite.txt" 2> "$NIGHT/$suite.err"; then
    cat "$NIGHT/$suite.txt"
    ran+=("$suite")
  else
    echo "suite $suite FAILED (exit $?): $(tail -n 1 "$NIGHT/$suite.err")"
    failed+=("$suite")
  fi
  if [ "$null" = null ]; then
    echo "== $suite A/A (--null, scale $scale, device $DEVICE)"
    if harness run "$suite" --null --scale "$scale" --device "$DEVICE" --force --no-progress --tracking-uri "$URI" \
         > "$NIGHT/$suite.null.txt" 2> "$NIGHT/$suite.null.err"; then
      tail -n 1 "$NIGHT/$suite.null.txt"
    else
      echo "A/A of $suite FAILED (exit $?): $(tail -n 1 "$NIGHT/$suite.null.err")"
      failed+=("$suite --null")
    fi
  fi
done < "$NIGHT/plan.txt"

python -m harness.tools.nightly summarize --tracking-uri "$URI" --suites "${ran[*]:-}" \
  --environment "$NIGHT/environment.json" --out "$NIGHT/summary.json"

rc=0
if [ -f "$BASELINE" ]; then
  echo "== compared with $BASELINE (time threshold $THRESHOLD)"
  python -m harness.tools.nightly compare "$BASELINE" "$NIGHT/summary.json" --time-threshold "$THRESHOLD" \
    | tee "$NIGHT/compare.txt" || rc=1
else
  echo "== no baseline at $BASELINE: tonight's summary becomes it"
fi
if [ "${#failed[@]}" -gt 0 ]; then
  echo "suites that failed to run: ${failed[*]}"
  exit 2
fi
if [ "$rc" -eq 0 ]; then
  cp "$NIGHT/summary.json" "$BASELINE"  # the baseline is the last night without a regression
fi
exit "$rc"
