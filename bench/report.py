#!/usr/bin/env python3
"""Turns bench/run's results.tsv into the tables of docs/benchmarks.md (Markdown on stdout)."""

import argparse
import statistics
from collections import defaultdict

STEPS = ["plan", "apply", "noop-plan", "change-plan", "change-apply", "destroy"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--depth", type=int, required=True)
    parser.add_argument("--op-seconds", type=float, required=True)
    args = parser.parse_args()

    seconds = defaultdict(list)
    rss = defaultdict(list)
    for line in open(args.results):
        tool, n, step, _run, secs, kib = line.rstrip("\n").split("\t")
        seconds[tool, int(n), step].append(float(secs))
        rss[tool, int(n), step].append(int(kib))
    med = {key: statistics.median(values) for key, values in seconds.items()}
    peak = {key: max(values) / 1024 for key, values in rss.items()}
    runs = {key: len(values) for key, values in seconds.items()}

    sizes = sorted({n for tool, n, _ in med if tool == "plinth"})
    print("| N | step | plinth (median s) | ms/resource | peak RSS (MB) | terraform (median s) "
          "| terraform peak RSS (MB) | plinth/terraform | speed-up |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        for step in STEPS:
            key = ("plinth", n, step)
            if key not in med:
                continue
            row = [str(n), step, f"{med[key]:.3f}", f"{1000 * med[key] / n:.3f}", f"{peak[key]:.1f}"]
            tf = ("terraform", n, step)
            if tf in med:
                row += [f"{med[tf]:.3f}", f"{peak[tf]:.1f}", f"{med[key] / med[tf]:.4f}",
                        f"{med[tf] / med[key]:.1f}x"]
            else:
                row += ["", "", "", ""]
            print("| " + " | ".join(row) + " |")
    print()
    print(f"Medians of {max(runs.values())} runs; peak RSS is the largest of the runs.")
    print()

    if 1000 in sizes and 10000 in sizes:
        print("Scaling (time per resource, N = 10000 over N = 1000; 1.0 is linear):")
        print()
        for step in STEPS:
            a, b = med.get(("plinth", 1000, step)), med.get(("plinth", 10000, step))
            if a and b:
                print(f"- {step}: {1000 * a / 1000:.3f} ms vs {1000 * b / 10000:.3f} ms per resource "
                      f"(ratio {(b / 10000) / (a / 1000):.2f})")
        print()

    limit = [(n, step) for tool, n, step in med if tool == "plinth" and step.startswith("limit")]
    if limit:
        ideal = args.depth * args.op_seconds
        print(f"The limit: D = {args.depth} operations on the longest chain, T = {args.op_seconds:g} s, "
              f"D x T = {ideal:g} s:")
        print()
        for n, step in sorted(limit):
            value = med["plinth", n, step]
            print(f"- {step} (N = {n}): {value:.3f} s, {value / ideal:.3f} x D x T "
                  f"(runs: {', '.join(f'{v:.2f}' for v in seconds['plinth', n, step])})")


if __name__ == "__main__":
    main()
