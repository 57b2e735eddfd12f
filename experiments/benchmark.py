"""Scale benchmark: build and run the full model on a scale-free graph at several sizes.

    python -m experiments.benchmark --sizes 1000,10000,100000,1000000 --steps 20 --json out.json

Each size runs in a fresh process so that its peak memory (max RSS) is its own. Prints one
line per size and optionally writes a JSON list of
``{"n", "steps", "build_s", "run_s", "customer_steps_per_s", "peak_rss_mb"}``.
This is a measurement, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from sim import MarketModel
from sim.results.io import write_text


def measure(
    n: int, steps: int, seed: int, network: str, avg_degree: float, community: bool = False
) -> dict:
    """Build and run one model in this process; returns its figures."""
    t0 = time.perf_counter()
    model = MarketModel(
        seed=seed,
        steps=steps,
        customers={"n": n},
        network={"kind": network, "avg_degree": avg_degree},
        community={"enabled": community},
    )
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    model.run()
    run = time.perf_counter() - t1
    deals = len(model.deals_frame())
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "n": n,
        "steps": steps,
        "network": network,
        "build_s": round(build, 3),
        "run_s": round(run, 3),
        "customer_steps_per_s": round(n * steps / run, 1),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "deals": deals,
        "community": community,
    }


def main(argv: list[str] | None = None) -> list[dict]:
    """Parse arguments, measure each size in a subprocess, print and save the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000", help="comma-separated populations")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--network", default="scale_free")
    ap.add_argument("--avg-degree", type=float, default=8.0)
    ap.add_argument("--community", action="store_true", help="switch community dynamics on")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    ap.add_argument("--single", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.single is not None:
        print(
            json.dumps(
                measure(
                    args.single,
                    args.steps,
                    args.seed,
                    args.network,
                    args.avg_degree,
                    args.community,
                )
            )
        )
        return []
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s]
    except ValueError:
        ap.error(f"--sizes={args.sizes!r} is invalid; allowed: comma-separated integers")
    if not sizes or min(sizes) < 1:
        ap.error("--sizes must list positive integers")
    results = []
    print(f"{'n':>9} {'build_s':>8} {'run_s':>8} {'cust-steps/s':>13} {'peak_MB':>8}")
    for n in sizes:
        cmd = [
            sys.executable,
            "-m",
            "experiments.benchmark",
            "--single",
            str(n),
            "--steps",
            str(args.steps),
            "--seed",
            str(args.seed),
            "--network",
            args.network,
            "--avg-degree",
            str(args.avg_degree),
        ]
        if args.community:
            cmd.append("--community")
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            print(
                f"error: size {n} failed: {proc.stderr.strip().splitlines()[-1]}", file=sys.stderr
            )
            sys.exit(1)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(r)
        print(
            f"{r['n']:>9} {r['build_s']:>8.2f} {r['run_s']:>8.2f} "
            f"{r['customer_steps_per_s']:>13,.0f} {r['peak_rss_mb']:>8.0f}",
            flush=True,
        )
    if args.json:
        write_text(args.json, json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
