"""Print the harness-overhead ratios from a pytest-benchmark report; with --max, fail when the process-level median
exceeds it.

    python ci/overhead_ratio.py REPORT.json [--max 1.10]

Two figures (benchmarks/test_bench_overhead.py): the process-level ratio (`harness train` in its own process over a
plain loop in its own, pairs back to back), which the gate reads because it is what a user's process sees, and the
in-process twin's ratio, printed beside it: the twin shares the harness's process, so the gap between the two is
what the process itself (its libraries, its allocator's state) costs.
"""
from __future__ import annotations

import argparse
import json
import sys

PROCESS = "test_process_overhead_ratio"
TWIN = "test_harness_overhead_ratio"


def describe(b: dict) -> str:
    e = b["extra_info"]
    setup = f"{e['device']}, {e['model']} MLP, batch {e['batch_size']}, {e['threads']} thread"
    if b["name"].startswith(PROCESS):
        return (f"process-level overhead ratio ({setup}): median {e['process_ratio_median']:.3f}, quartiles "
                f"[{e['process_ratio_q1']:.3f}, {e['process_ratio_q3']:.3f}], range [{e['process_ratio_min']:.3f}, "
                f"{e['process_ratio_max']:.3f}] over {e['pairs']} pairs; on the CPU clock median "
                f"{e['process_cpu_ratio_median']:.3f} [{e['process_cpu_ratio_min']:.3f}, {e['process_cpu_ratio_max']:.3f}] "
                f"(harness epoch "
                f"{e['process_harness_epoch_s_median'] * 1e3:.1f} ms, plain {e['process_plain_epoch_s_median'] * 1e3:.1f} ms, "
                f"load {e['load_median']:.1f})")
    return (f"in-process twin ratio ({setup}): median {e['ratio_median']:.3f}, quartiles [{e['ratio_q1']:.3f}, "
            f"{e['ratio_q3']:.3f}], range [{e['ratio_min']:.3f}, {e['ratio_max']:.3f}] over {e['rounds']} rounds "
            f"(harness epoch {e['harness_epoch_s_median'] * 1e3:.1f} ms, plain {e['plain_epoch_s_median'] * 1e3:.1f} ms)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report")
    parser.add_argument("--max", type=float, default=None, help="fail when the process-level median ratio exceeds this")
    args = parser.parse_args(argv)
    with open(args.report) as f:
        benches = json.load(f)["benchmarks"]
    gated = [b for b in benches if b["name"].startswith(PROCESS)]
    if not gated:
        print(f"overhead_ratio: no process-level overhead benchmark ({PROCESS}) in {args.report}", file=sys.stderr)
        return 2
    for b in [*gated, *(b for b in benches if b["name"].startswith(TWIN))]:
        print(describe(b))
    worst = max(b["extra_info"]["process_ratio_median"] for b in gated)
    if args.max is not None and worst > args.max:
        print(f"overhead_ratio: process-level median ratio {worst:.3f} exceeds {args.max}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
