"""Print the harness-overhead ratio from a pytest-benchmark report; with --max, fail when its median exceeds it.

    python ci/overhead_ratio.py REPORT.json [--max 1.10]
"""
from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report")
    parser.add_argument("--max", type=float, default=None, help="fail when the median ratio exceeds this")
    args = parser.parse_args(argv)
    with open(args.report) as f:
        benches = json.load(f)["benchmarks"]
    rows = [b for b in benches if b["name"].startswith("test_harness_overhead_ratio")]
    if not rows:
        print(f"overhead_ratio: no harness-overhead benchmark in {args.report}", file=sys.stderr)
        return 2
    worst = 0.0
    for b in rows:
        e = b["extra_info"]
        print(f"harness-overhead ratio ({e['device']}, {e['model']} MLP, batch {e['batch_size']}, {e['threads']} thread): "
              f"median {e['ratio_median']:.3f}, quartiles [{e['ratio_q1']:.3f}, {e['ratio_q3']:.3f}], "
              f"range [{e['ratio_min']:.3f}, {e['ratio_max']:.3f}] over {e['rounds']} rounds "
              f"(harness epoch {e['harness_epoch_s_median'] * 1e3:.1f} ms, plain {e['plain_epoch_s_median'] * 1e3:.1f} ms)")
        worst = max(worst, e["ratio_median"])
    if args.max is not None and worst > args.max:
        print(f"overhead_ratio: median ratio {worst:.3f} exceeds {args.max}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
