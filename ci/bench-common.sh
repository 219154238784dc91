# Shared by ci/bench.sh and ci/compare-bench.sh (sourced, not run).
BENCH_DIR="${BENCH_DIR:-.benchmarks}"

# A baseline is only meaningful on the machine that made it: the file name carries the CPU model,
# core count, Python and torch versions, so another machine (or a torch upgrade) finds no baseline
# and must record its own instead of failing against someone else's numbers.
machine_key() {
  python - <<'PY'
import os, platform, re
import torch
from harness.core.environment import cpu_model
key = f"{cpu_model()}-{os.cpu_count()}cores-py{platform.python_version()}-torch{torch.__version__}"
print(re.sub(r"[^A-Za-z0-9.+-]+", "_", key))
PY
}

baseline_path() {  # $1 = quick|full
  echo "$BENCH_DIR/baseline-$(machine_key)-$1.json"
}
