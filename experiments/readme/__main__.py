"""``python -m experiments.readme``: regenerate the README's simulated numbers and figures.

    python -m experiments.readme                      # demo, compare and every scenario
    python -m experiments.readme --only auctions,demo # some sections
    python -m experiments.readme --only scale         # the Scale table (minutes)
    python -m experiments.readme --no-run             # re-render from the results folders
    python -m experiments.readme --check              # exit 1 if the README is stale
    python -m experiments.readme --only auctions seeds=2 customers.n=200   # overrides

Each section (:mod:`experiments.readme.sections`) runs its commands from the repository
root, each into its own folder under ``results/readme/`` (emptied first), and records the
command's wall time there; then the README's regions between ``<!-- generated: NAME -->``
and ``<!-- /generated -->`` are rendered from those folders and the README is rewritten
atomically, every byte outside the regions unchanged; the sections' figures are copied to
``docs/img/``. ``KEY=VALUE`` overrides go to every comparison, and the market ones to the
demo too (not to the benchmark).

``--check`` runs nothing and writes nothing: it checks that every marker is present and
that every section whose results exist renders exactly what the README (and ``docs/img/``)
holds; it exits 1 on a difference, naming it. Bad input or a missing marker exits 2 with
one line; a failed command exits 1 naming it.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from experiments.readme.markers import MarkerError, region_body, replace_regions, require
from experiments.readme.sections import (
    GROUPS,
    RUN_FILE,
    SECTIONS,
    STDOUT_FILE,
    MissingResults,
    Section,
    all_markers,
)
from sim.cli.entry import OneLineParser, fail
from sim.results.io import atomic_write, write_json, write_text

ROOT = Path(__file__).resolve().parents[2]
"""The repository root: commands run here, so they import this tree's packages."""


class CommandFailed(RuntimeError):
    """A section's command exited non-zero; the message is one line naming it."""


def select(only: str | None) -> list[Section]:
    """The sections ``--only`` names (groups expanded), in README order.

    Raises:
        ValueError: naming an unknown section.
    """
    names: list[str] = []
    for item in (only or "default").split(","):
        item = item.strip()
        if not item:
            continue
        if item in GROUPS:
            names += GROUPS[item]
        elif item in SECTIONS:
            names.append(item)
        else:
            allowed = " | ".join([*GROUPS, *SECTIONS])
            raise ValueError(f"--only: {item!r} is not a section; allowed: {allowed}")
    return [s for name, s in SECTIONS.items() if name in names]


def run_commands(
    section: Section, results: Path, overrides: Sequence[str], cwd: Path = ROOT
) -> float:
    """Run a section's commands, each into its emptied folder; returns the total wall time.

    Each folder gets ``readme_stdout.txt`` (what the command printed) and
    ``readme_run.json`` (the command, its wall time, the CPU time of its processes and the
    load average before it: a wall time taken on a busy machine reads high).

    Raises:
        CommandFailed: naming the command and the last line it wrote on stderr.
    """
    total = 0.0
    for command in section.commands(results, overrides):
        folder = results / command.folder
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        argv = [sys.executable, "-m", *command.argv]
        load = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        shown = "python -m " + " ".join(command.argv)
        if proc.returncode != 0:
            lines = proc.stderr.strip().splitlines() or ["(nothing on stderr)"]
            raise CommandFailed(f"{shown} failed (exit {proc.returncode}): {lines[-1]}")
        write_text(folder / STDOUT_FILE, proc.stdout)
        write_json(
            folder / RUN_FILE,
            {
                "argv": ["python", "-m", *command.argv],
                "wall_s": round(wall, 3),
                "cpu_s": round(cpu, 3),
                "load_average_before": round(load, 2),
                "cpus": os.cpu_count(),
            },
        )
        busy = f" (load average {load:.1f} on {os.cpu_count()} cores)" if load > 1 else ""
        print(f"readme: {section.name}: {shown} took {wall:.1f} s{busy}", flush=True)
        total += wall
    return total


def render(sections: Sequence[Section], results: Path) -> tuple[dict[str, str], list[str]]:
    """Region bodies of the sections whose results exist, and the names of those without."""
    bodies: dict[str, str] = {}
    missing: list[str] = []
    for section in sections:
        try:
            bodies |= section.render(results)
        except MissingResults as exc:
            missing.append(f"{section.name} ({exc})")
    return bodies, missing


def images(sections: Sequence[Section], results: Path) -> list[tuple[Path, str]]:
    """``(figure, name in docs/img)`` of the sections whose figures exist."""
    pairs = [p for s in sections if s.images for p in s.images(results)]
    return [(src, name) for src, name in pairs if src.is_file()]


def generate(
    readme: Path,
    results: Path,
    img_dir: Path,
    sections: Sequence[Section],
    overrides: Sequence[str] = (),
    run: bool = True,
) -> list[str]:
    """Run (optionally) and render ``sections``, rewrite the README, copy the figures.

    Returns:
        The regions whose text changed.

    Raises:
        MarkerError: if the README lacks a region the sections fill (before anything runs).
        CommandFailed: if a command fails (the README is then left as it was).
        MissingResults: with ``run=False``, if a section has no results.
    """
    text = readme.read_text(encoding="utf-8")
    require(text, [m for s in sections for m in s.markers], readme.name)
    if run:
        for section in sections:
            run_commands(section, results, overrides)
    bodies: dict[str, str] = {}
    for section in sections:
        bodies |= section.render(results)
    new = replace_regions(text, bodies, readme.name)
    changed = [m for m in bodies if region_body(text, m) != region_body(new, m)]
    if new != text:
        write_text(readme, new)
    for src, name in images(sections, results):
        atomic_write(img_dir / name, lambda p, src=src: shutil.copyfile(src, p))
    return changed


def check(readme: Path, results: Path, img_dir: Path, sections: Sequence[Section]) -> list[str]:
    """Differences between the README (and ``docs/img``) and what the results render.

    Every marker must be present (all sections); sections without results are skipped.

    Returns:
        One line per difference (empty: up to date), then notes on skipped sections
        prefixed ``skipped:``.

    Raises:
        MarkerError: naming a missing marker.
    """
    text = readme.read_text(encoding="utf-8")
    require(text, all_markers(), readme.name)
    bodies, missing = render(sections, results)
    out = [
        f"{readme.name}: region {name!r} differs from its results"
        for name, body in bodies.items()
        if region_body(text, name, readme.name) != body
    ]
    for src, name in images(sections, results):
        dst = img_dir / name
        if not dst.is_file() or dst.read_bytes() != src.read_bytes():
            out.append(f"{dst}: differs from {src}")
    return out + [f"skipped: {m}" for m in missing]


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit code."""
    ap = OneLineParser(
        prog="python -m experiments.readme",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument(
        "--only",
        help="comma-separated sections or groups: "
        + ", ".join([*GROUPS, *SECTIONS])
        + " (default: every section but scale)",
    )
    ap.add_argument("--check", action="store_true", help="compare only; exit 1 if stale")
    ap.add_argument("--no-run", action="store_true", help="render from existing results")
    ap.add_argument("--readme", type=Path, default=ROOT / "README.md")
    ap.add_argument("--results", type=Path, default=ROOT / "results" / "readme")
    ap.add_argument("--images", type=Path, default=ROOT / "docs" / "img")
    ap.add_argument("overrides", nargs="*", help="KEY=VALUE given to every comparison")
    args = ap.parse_args(argv)
    bad = [o for o in args.overrides if "=" not in o]
    if bad:
        fail(f"{bad[0]!r} is not an override; allowed: KEY=VALUE")
    try:
        sections = select(args.only if not (args.check and args.only is None) else "all")
    except ValueError as exc:
        fail(str(exc))
    readme, results = args.readme.resolve(), args.results.resolve()
    try:
        if args.check:
            problems = check(readme, results, args.images.resolve(), sections)
            for line in problems:
                print(line)
            stale = [p for p in problems if not p.startswith("skipped:")]
            print(f"readme: {'stale' if stale else 'up to date'} ({len(stale)} differences)")
            return 1 if stale else 0
        t0 = time.perf_counter()
        changed = generate(
            readme, results, args.images.resolve(), sections, args.overrides, not args.no_run
        )
    except MarkerError as exc:
        fail(str(exc))
    except MissingResults as exc:
        fail(str(exc))
    except CommandFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    what = ", ".join(changed) if changed else "nothing"
    print(f"readme: {len(sections)} sections in {time.perf_counter() - t0:.0f} s; changed: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
