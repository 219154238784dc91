"""Print the harness-overhead ratios from a pytest-benchmark report; fail when the process-level ratio exceeds the line.

    python ci/overhead_ratio.py REPORT.json [--max 1.10]

The line: --max, else OVERHEAD_MAX from the environment, else 1.10 (benchmarks/process_pairs.py's GATE_MAX). It
fails only when the pairs show, at 95% one-sided, that the median pair ratio is over the line: the k-th smallest
ratio (an exact, distribution-free bound; the smallest of 5-7 pairs, the 2nd of 8-10, the 3rd of 11) is over it.
Fewer than 5 pairs cannot show it; the benchmark takes more when its first pairs' median is over the line.

Two figures (benchmarks/test_bench_overhead.py): the process-level ratio (`harness train` in its own process over a
plain loop in its own, pairs back to back), which the gate reads because it is what a user's process sees, and the
in-process twin's ratio, printed beside it: the twin shares the harness's process, so the gap between the two is
what the process itself (its libraries, its allocator's state) costs.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for benchmarks.process_pairs
from benchmarks.process_pairs import GATE_LEVEL, exceeds, gate_max, lower_bound  # noqa: E402

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
    parser.add_argument("--max", type=float, default=None, help="the line (default: OVERHEAD_MAX, else 1.10)")
    args = parser.parse_args(argv)
    with open(args.report) as f:
        benches = json.load(f)["benchmarks"]
    gated = [b for b in benches if b["name"].startswith(PROCESS)]
    if not gated:
        print(f"overhead_ratio: no process-level overhead benchmark ({PROCESS}) in {args.report}", file=sys.stderr)
        return 2
    for b in [*gated, *(b for b in benches if b["name"].startswith(TWIN))]:
        print(describe(b))
    line = gate_max() if args.max is None else args.max
    failed = False
    for b in gated:
        ratios = b["extra_info"]["ratios"]
        bound, over = lower_bound(ratios), exceeds(ratios, line)
        shown = f" {bound:.3f}" if bound > -float("inf") else ": none"  # fewer than 5 pairs cannot bound it
        print(f"gate ({b['extra_info']['device']}): {GATE_LEVEL:.0%} lower bound of the median pair ratio{shown} "
              f"({len(ratios)} pairs, median {b['extra_info']['process_ratio_median']:.3f}): "
              f"{'over' if over else 'not over'} the line {line}")
        failed |= over
    if failed:
        print(f"overhead_ratio: the process-level ratio is over {line} at {GATE_LEVEL:.0%}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
