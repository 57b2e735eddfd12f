"""Campaign overhead benchmark: ``python -m experiments.campaign.benchmark [options]``.

Runs a campaign of ``--runs`` runs of the default market (1,000 customers, 100 steps unless
``--customers``/``--steps`` say otherwise) through one executor into a fresh temporary
folder, and prints where the time went: planning, running (wall), simulation (summed over
workers), summarising and writing, and the overhead per run beyond the simulation itself:
``(planning + writing + running - simulation / workers) / runs``. Nothing is drawn.
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path

from experiments.campaign.engine import check_options, run_campaign
from experiments.campaign.plan import compose_market, make_plan
from experiments.campaign.spec import register_campaign_configs
from sim.cli.entry import OneLineParser, fail, integer_at_least
from sim.config import CONFIG_DIR, ConfigError

#: The executors a campaign can use: the options of ``configs/executor/``.
EXECUTORS = sorted(p.stem for p in (Path(CONFIG_DIR) / "executor").glob("*.yaml"))


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its figures (bad input: one line, exit status 2)."""
    ap = OneLineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=integer_at_least(1), default=1000)
    ap.add_argument("--customers", type=integer_at_least(1), default=1000)
    ap.add_argument("--steps", type=integer_at_least(1), default=100)
    ap.add_argument("--executor", default="local", choices=EXECUTORS)
    ap.add_argument("--jobs", type=integer_at_least(1), default=2)
    ap.add_argument(
        "--plan-only", type=integer_at_least(0), default=0, help="also time planning N runs"
    )
    args = ap.parse_args(argv)
    register_campaign_configs()
    points = 6  # the example campaign's grid
    overrides = [
        "+campaign=example",
        f"customers.n={args.customers}",
        f"steps={args.steps}",
        f"campaign.seeds={math.ceil(args.runs / points)}",
        f"executor={args.executor}",
        f"jobs={args.jobs}",
    ]
    if args.plan_only:
        t0 = time.perf_counter()
        cfg = compose_market("run_campaign", overrides[:3])
        seeds = math.ceil(args.plan_only / points)
        cfg.campaign.seeds = seeds
        t1 = time.perf_counter()
        plan = make_plan(cfg, overrides=overrides[:3])
        t2 = time.perf_counter()
        print(
            f"planning {len(plan.tasks)} runs: compose {t1 - t0:.2f} s + plan {t2 - t1:.2f} s "
            f"({1e3 * (t2 - t1) / len(plan.tasks):.2f} ms per run)"
        )
    cfg = compose_market("run_campaign", overrides)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        try:
            check_options(cfg)  # e.g. executor=slurm without Slurm
            out = run_campaign(cfg, Path(tmp) / "bench", overrides=overrides)
        except ConfigError as exc:
            fail(str(exc))
        wall = time.perf_counter() - t0
    t = out.timings
    runs = int(t["runs"])
    workers = max(1, min(args.jobs, runs))
    idle = max(0.0, t["running_s"] - t["simulation_s"] / workers)
    overhead = t["planning_s"] + t["writing_s"] + idle
    print(
        f"{runs} runs of {args.customers} customers x {args.steps} steps, "
        f"executor={args.executor} jobs={args.jobs}: total {wall:.1f} s\n"
        f"  planning     {t['planning_s']:8.2f} s\n"
        f"  running      {t['running_s']:8.2f} s wall\n"
        f"  simulation   {t['simulation_s']:8.2f} s summed over {workers} workers "
        f"({1e3 * t['simulation_s'] / runs:.0f} ms per run)\n"
        f"  summarising  {t['summarising_s']:8.2f} s summed (metrics, tables; in workers)\n"
        f"  writing      {t['writing_s']:8.2f} s (shards and compaction, in the parent)\n"
        f"  overhead     {1e3 * overhead / runs:8.1f} ms per run beyond the simulation"
    )


if __name__ == "__main__":
    main()
