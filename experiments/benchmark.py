"""Scale benchmark: build and run the full model on a social graph at several sizes.

    python -m experiments.benchmark --sizes 1000,100000,1000000 --steps 20 --vs-mesa --phases
    python -m experiments.benchmark --sizes 100000 --community both --phases --json out.json

Every measurement runs in a fresh process, so its peak memory is its own; each row is the
median of ``--repeat`` such processes (3 by default; the repeats are interleaved, so a busy
machine slows every row alike). Per row: ``build_s`` (building the model), ``run_s`` (its
steps), customer-steps per second, and peak resident memory: ``build_MB`` (the process's
max RSS when the build ends, imports included), ``run_MB`` (the highest RSS while the steps
run; Linux only, the kernel's high-water mark reset when they start) and ``peak_MB`` (the
process's max RSS, ``ru_maxrss``). No tracemalloc: nothing slows the code it measures.

- ``--vs-mesa`` also measures the per-agent Mesa yardstick
  (:mod:`experiments.mesa_yardstick`: one ``mesa.Agent`` per customer on the same graph,
  "scan neighbours, join the best group", ``shuffle_do``) and prints ``× Mesa``, the
  model's customer-steps per second over the yardstick's. ``--mesa-steps`` runs it for
  fewer steps (its build is not timed in its rate). Give both sides the same steps for a
  ``× Mesa`` to quote: a process's first steps run slower (at 1,000 agents, 20 steps of the
  yardstick took about 1.4 times as long per step as 100 did), so fewer yardstick steps
  flatter the model. ``--mesa-style`` picks the yardstick's style: ``tuned`` (the default,
  the fastest per-agent Python we could write: the headline ``× Mesa``), ``idiomatic``
  (the same step as Mesa code usually reads, about 2.4 times slower at 1,000 agents) or
  ``both``; the idiomatic row is ``mesa-idiomatic`` and its ratio the ``× idiom.`` column.
- ``--phases`` times each of ``model.phases`` (wrapped here; the model is unchanged) and
  prints each phase's share of run time; ``(outside phases)`` is the rest of a step (the
  step record, run totals, the DataCollector, Mesa's event loop).
- ``--community both`` measures every size with the community off and on.

``--json FILE`` writes one record per row with the medians and every process's own figures.
This is a measurement, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from experiments.mesa_yardstick import STYLES, market_graph
from mechanisms.jit import MODE, warm_up
from sim import MarketModel
from sim.cli.entry import OneLineParser
from sim.config import resolve
from sim.results.io import write_text
from sim.state import MarketState

ROOT = Path(__file__).resolve().parent.parent

#: Label of the time of a step spent outside the phases.
OUTSIDE = "(outside phases)"

#: ``impl`` of the rows: our model and the per-agent Mesa yardstick (tuned, idiomatic).
MODEL, MESA, MESA_IDIOMATIC = "crowdbargain", "mesa", "mesa-idiomatic"
#: The yardstick row of each ``--mesa-style``.
YARDSTICKS = {"tuned": MESA, "idiomatic": MESA_IDIOMATIC}


# ---------------------------------------------------------------------------- memory


def max_rss_mb() -> float:
    """The process's peak resident memory so far (``ru_maxrss``; KiB on Linux), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_high_water() -> bool:
    """Reset the kernel's RSS high-water mark (``VmHWM``); False where that is impossible.

    Writing ``5`` to ``/proc/self/clear_refs`` (Linux >= 4.0) sets the mark to the current
    RSS, so :func:`high_water_mb` then gives the peak of what runs after the reset.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def high_water_mb() -> float | None:
    """The RSS high-water mark (``VmHWM`` of ``/proc/self/status``) in MB, or None."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


# ---------------------------------------------------------------------------- phases


class TimedPhase:
    """A phase of ``model.phases`` that adds its wall time to ``seconds`` when called."""

    def __init__(self, phase: Callable[[MarketState], None], name: str) -> None:
        self.phase = phase
        self.name = name
        self.seconds = 0.0

    def __call__(self, state: MarketState) -> None:
        """Run the phase on ``state`` and add its time."""
        t0 = time.perf_counter()
        self.phase(state)
        self.seconds += time.perf_counter() - t0


def phase_name(phase: Any) -> str:
    """A phase's name: its ``__name__`` (functions, methods), else its type's name."""
    return getattr(phase, "__name__", None) or type(phase).__name__


def time_phases(model: MarketModel) -> list[TimedPhase]:
    """Replace ``model.phases`` by timed wrappers of the same phases, in the same order."""
    timed: list[TimedPhase] = []
    for phase in model.phases:
        name = base = phase_name(phase)
        k = 2
        while any(t.name == name for t in timed):
            name, k = f"{base}#{k}", k + 1
        timed.append(TimedPhase(phase, name))
    model.phases = list(timed)
    return timed


# ---------------------------------------------------------------------------- one process


def _memory(build_peak: float, reset: bool) -> dict:
    run_peak = high_water_mb() if reset else None
    return {
        "build_peak_mb": round(build_peak, 1),
        "run_peak_mb": None if run_peak is None else round(run_peak, 1),
        "peak_rss_mb": round(max_rss_mb(), 1),
    }


def measure(
    n: int,
    steps: int,
    seed: int,
    network: str,
    avg_degree: float,
    community: bool = False,
    phases: bool = False,
    warm: bool = False,
) -> dict:
    """Build and run one model in this process; returns its figures.

    Args:
        n: Customers.
        steps: Steps to run.
        seed: The model's seed.
        network: ``network.kind``.
        avg_degree: ``network.avg_degree``.
        community: Switch the community on.
        phases: Time every phase (``phase_s``: seconds by phase name, in step order).
        warm: Load the compiled kernels before building (``warm_s``), as a campaign worker
            does, so that the run uses them at any size and excludes numba's start-up.
    """
    load = os.getloadavg()[0]
    tw = time.perf_counter()
    if warm:
        warm_up()
    warm_s = time.perf_counter() - tw
    t0 = time.perf_counter()
    model = MarketModel(
        seed=seed,
        steps=steps,
        customers={"n": n},
        network={"kind": network, "avg_degree": avg_degree},
        community={"enabled": community},
    )
    build = time.perf_counter() - t0
    build_peak = max_rss_mb()
    timed = time_phases(model) if phases else []
    reset = reset_high_water()
    t1 = time.perf_counter()
    model.run()
    run = time.perf_counter() - t1
    record = {
        "impl": MODEL,
        "n": n,
        "steps": steps,
        "network": network,
        "avg_degree": avg_degree,
        "community": community,
        "jit": MODE,
        "warm_s": round(warm_s, 4) if warm else None,
        "build_s": round(build, 4),
        "run_s": round(run, 4),
        "customer_steps_per_s": round(n * steps / run, 1),
        **_memory(build_peak, reset),
        "load_1m": round(load, 2),
        "deals": len(model.deals_frame()),
    }
    if phases:
        phase_s = {t.name: t.seconds for t in timed}
        phase_s[OUTSIDE] = max(run - sum(phase_s.values()), 0.0)
        record["phase_s"] = {k: round(v, 5) for k, v in phase_s.items()}
    return record


def measure_mesa(
    n: int, steps: int, seed: int, network: str, avg_degree: float, style: str = "tuned"
) -> dict:
    """Build and step the per-agent Mesa yardstick on the model's graph; returns its figures.

    ``build_s`` counts the graph (the same arrays the model would build with this seed),
    the agents and their neighbour lists; ``run_s`` counts the steps only. ``style`` is a
    key of :data:`experiments.mesa_yardstick.STYLES`.
    """
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    net = {"kind": network, "avg_degree": avg_degree}
    cfg = resolve(seed, steps, customers={"n": n}, network=net)
    graph = market_graph(cfg.network, n, seed)
    model = STYLES[style](graph, rng=seed)
    build = time.perf_counter() - t0
    build_peak = max_rss_mb()
    reset = reset_high_water()
    t1 = time.perf_counter()
    for _ in range(steps):
        model.step()
    run = time.perf_counter() - t1
    return {
        "impl": YARDSTICKS[style],
        "n": n,
        "steps": steps,
        "network": network,
        "avg_degree": avg_degree,
        "community": None,
        "build_s": round(build, 4),
        "run_s": round(run, 4),
        "customer_steps_per_s": round(n * steps / run, 1),
        **_memory(build_peak, reset),
        "load_1m": round(load, 2),
        "groups_left": sum(1 for s in model.sizes if s),
    }


# ---------------------------------------------------------------------------- aggregation


def summarise(runs: Sequence[dict]) -> dict:
    """One row from the repeats of a measurement: the median of every figure.

    ``customer_steps_per_s`` is recomputed from the median ``run_s``. Phase seconds are
    medians per phase; ``phase_share`` divides them by their sum (so the shares add to 1).
    """
    first = runs[0]
    keys = ("impl", "n", "steps", "network", "avg_degree", "community", "jit")
    row = {k: first[k] for k in keys if k in first}
    row["repeat"] = len(runs)
    for key in ("build_s", "run_s", "build_peak_mb", "run_peak_mb", "peak_rss_mb"):
        values = [r[key] for r in runs if r.get(key) is not None]
        row[key] = round(statistics.median(values), 4) if values else None
    row["customer_steps_per_s"] = round(row["n"] * row["steps"] / row["run_s"], 1)
    for key in ("deals", "groups_left"):
        if key in first:
            row[key] = statistics.median(r[key] for r in runs)
    if "phase_s" in first:
        phase_s = {k: statistics.median(r["phase_s"][k] for r in runs) for k in first["phase_s"]}
        total = sum(phase_s.values()) or 1.0
        row["phase_s"] = {k: round(v, 5) for k, v in phase_s.items()}
        row["phase_share"] = {k: round(v / total, 4) for k, v in phase_s.items()}
    row["runs"] = list(runs)
    return row


# ---------------------------------------------------------------------------- printing

HEADER = (
    f"{'n':>9}  {'community':<9}  {'impl':<14} {'steps':>5} {'build_s':>8} {'run_s':>8} "
    f"{'cust-steps/s':>13} {'build_MB':>8} {'run_MB':>7} {'peak_MB':>7} {'× Mesa':>7}"
)
#: The column added when the idiomatic yardstick runs too (``--mesa-style``).
IDIOMATIC_HEADER = f" {'× idiom.':>8}"


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _ratio(value: float | None, width: int) -> str:
    return f"{'-' if value is None else f'{value:.3g}':>{width}}"


def format_row(row: dict, idiomatic: bool = False) -> str:
    """One line of the table (with the ``× idiom.`` column if ``idiomatic``)."""
    community = "-" if row["community"] is None else ("on" if row["community"] else "off")
    line = (
        f"{row['n']:>9}  {community:<9}  {row['impl']:<14} {row['steps']:>5} "
        f"{row['build_s']:>8.3f} {row['run_s']:>8.3f} {row['customer_steps_per_s']:>13,.0f} "
        f"{_mb(row['build_peak_mb']):>8} {_mb(row['run_peak_mb']):>7} "
        f"{_mb(row['peak_rss_mb']):>7} {_ratio(row.get('x_mesa'), 7)}"
    )
    return line + (f" {_ratio(row.get('x_mesa_idiomatic'), 8)}" if idiomatic else "")


def format_phases(rows: Sequence[dict]) -> list[str]:
    """The phase-share table: one line per phase, one column per model row."""
    rows = [r for r in rows if "phase_share" in r]
    if not rows:
        return []
    names: list[str] = []
    for r in rows:
        names += [k for k in r["phase_share"] if k not in names and k != OUTSIDE]
    names.append(OUTSIDE)
    heads = [f"n={r['n']}/{'on' if r['community'] else 'off'}" for r in rows]
    width = max(14, *(len(h) + 1 for h in heads))
    lines = [
        "share of run time by phase (median seconds per phase over the repeats, normalised)",
        f"{'phase':<18}" + "".join(f"{h:>{width}}" for h in heads),
    ]
    for name in names:
        cells = [r["phase_share"].get(name) for r in rows]
        lines.append(
            f"{name:<18}"
            + "".join(f"{'-' if c is None else f'{100 * c:.1f}%':>{width}}" for c in cells)
        )
    lines.append(f"{'run_s':<18}" + "".join(f"{r['run_s']:>{width}.3f}" for r in rows))
    return lines


def uneven_steps(steps: int, mesa_steps: int) -> str | None:
    """A warning that ``× Mesa`` compares runs of different lengths, or None if they match.

    A process's first steps run slower, so a shorter yardstick run reads slower per step.
    """
    if steps == mesa_steps:
        return None
    flatters = "the model" if mesa_steps < steps else "the yardstick"
    return (
        f"note: × Mesa compares {steps} model steps with {mesa_steps} yardstick steps; the "
        f"shorter run reads slower per step, which flatters {flatters}"
    )


# ---------------------------------------------------------------------------- command line


class UsageError(Exception):
    """A bad command-line value (printed in one line; exit status 2)."""


def parse_sizes(text: str) -> list[int]:
    """``"1000,1e5"`` -> ``[1000, 100000]``.

    Raises:
        UsageError: unless every item is a positive whole number.
    """
    sizes = []
    for item in text.split(","):
        item = item.strip()
        try:
            value = int(item)
        except ValueError:
            try:
                f = float(item)
            except ValueError:
                f = math.nan
            value = int(f) if math.isfinite(f) and f.is_integer() else 0
        if value < 1:
            raise UsageError(
                f"--sizes={text!r} is invalid; allowed: comma-separated positive integers "
                "(e.g. 1000,100000 or 1e3,1e5)"
            )
        sizes.append(value)
    return sizes


def parser() -> argparse.ArgumentParser:
    """The command line."""
    ap = OneLineParser(prog="python -m experiments.benchmark", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000", help="comma-separated populations")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--network", default="scale_free", help="network.kind")
    ap.add_argument("--avg-degree", type=float, default=8.0)
    ap.add_argument(
        "--community",
        nargs="?",
        const="on",
        default="off",
        choices=["off", "on", "both"],
        help="community dynamics: off (default), on (also plain --community) or both",
    )
    ap.add_argument("--phases", action="store_true", help="print each phase's share of run time")
    ap.add_argument(
        "--warm",
        action="store_true",
        help="load the compiled kernels before building (as a campaign worker does)",
    )
    ap.add_argument("--vs-mesa", action="store_true", help="also measure the Mesa yardstick")
    ap.add_argument(
        "--mesa-style",
        choices=[*STYLES, "both"],
        default="tuned",
        help="the yardstick's style: tuned (default), idiomatic or both",
    )
    ap.add_argument(
        "--mesa-steps",
        type=int,
        default=None,
        help="steps of the yardstick (default: --steps; fewer read slower per step)",
    )
    ap.add_argument("--repeat", type=int, default=3, help="fresh processes per row (median)")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    ap.add_argument("--single", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument(
        "--impl", choices=[MODEL, *YARDSTICKS.values()], default=MODEL, help=argparse.SUPPRESS
    )
    return ap


def child(args: argparse.Namespace, impl: str, n: int, steps: int, community: bool) -> dict:
    """Measure one row once in a fresh process; its figures (the child's last output line)."""
    cmd = [
        sys.executable,
        "-m",
        "experiments.benchmark",
        "--single",
        str(n),
        "--impl",
        impl,
        "--steps",
        str(steps),
        "--seed",
        str(args.seed),
        "--network",
        args.network,
        "--avg-degree",
        str(args.avg_degree),
        "--community",
        "on" if community else "off",
    ]
    if args.phases:
        cmd.append("--phases")
    if args.warm:
        cmd.append("--warm")
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"]
        print(f"error: {impl} at n={n} failed: {lines[-1]}", file=sys.stderr)
        sys.exit(1)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def check(args: argparse.Namespace) -> list[int]:
    """The sizes; every other value checked.

    Raises:
        UsageError: on a value out of range.
    """
    sizes = parse_sizes(args.sizes)
    for name in ("steps", "repeat", "mesa_steps"):
        value = getattr(args, name)
        if value is not None and value < 1:
            flag = "--" + name.replace("_", "-")
            raise UsageError(f"{flag}={value} is invalid; allowed: a positive integer")
    if not args.avg_degree >= 0:
        raise UsageError(f"--avg-degree={args.avg_degree} is invalid; allowed: >= 0")
    return sizes


def main(argv: list[str] | None = None) -> list[dict]:
    """Parse arguments, measure each size in fresh processes, print and save the figures."""
    args = parser().parse_args(argv)
    if args.single is not None:
        style = next((k for k, v in YARDSTICKS.items() if v == args.impl), None)
        if style is not None:
            record = measure_mesa(
                args.single, args.steps, args.seed, args.network, args.avg_degree, style
            )
        else:
            record = measure(
                args.single,
                args.steps,
                args.seed,
                args.network,
                args.avg_degree,
                args.community == "on",
                args.phases,
                args.warm,
            )
        print(json.dumps(record))
        return [record]
    try:
        sizes = check(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    communities = {"off": [False], "on": [True], "both": [False, True]}[args.community]
    mesa_steps = args.mesa_steps or args.steps
    styles = list(STYLES) if args.mesa_style == "both" else [args.mesa_style]
    yardsticks = [YARDSTICKS[s] for s in styles] if args.vs_mesa else []
    idiomatic = MESA_IDIOMATIC in yardsticks
    print(
        f"{args.network} graph (avg degree {args.avg_degree:g}), seed {args.seed}, "
        f"JIT {MODE}{' (warm)' if args.warm else ''}; each row is the median of {args.repeat} "
        "fresh processes"
    )
    note = uneven_steps(args.steps, mesa_steps) if args.vs_mesa else None
    if note:
        print(note)
    print(HEADER + (IDIOMATIC_HEADER if idiomatic else ""), flush=True)
    rows: list[dict] = []
    for n in sizes:
        runs: dict[tuple[str, bool | None], list[dict]] = {}
        for _ in range(args.repeat):
            for community in communities:
                runs.setdefault((MODEL, community), []).append(
                    child(args, MODEL, n, args.steps, community)
                )
            for impl in yardsticks:
                runs.setdefault((impl, None), []).append(child(args, impl, n, mesa_steps, False))
        size_rows = [summarise(r) for r in runs.values()]
        rates = {r["impl"]: r["customer_steps_per_s"] for r in size_rows if r["impl"] != MODEL}
        for row in size_rows:
            for key, impl in (("x_mesa", MESA), ("x_mesa_idiomatic", MESA_IDIOMATIC)):
                if impl in rates and row["impl"] == MODEL:
                    row[key] = float(f"{row['customer_steps_per_s'] / rates[impl]:.4g}")
            print(format_row(row, idiomatic), flush=True)
        rows += size_rows
    loads = [r["load_1m"] for row in rows for r in row["runs"]]
    print(f"1-minute load average at the start of the processes: {min(loads)}–{max(loads)}")
    if args.phases:
        print()
        print("\n".join(format_phases(rows)))
    if args.json:
        write_text(args.json, json.dumps(rows, indent=2) + "\n")
    return rows


if __name__ == "__main__":
    main()
