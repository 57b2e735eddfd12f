"""Byte-identity check: prove that a refactor changed no results.

Runs the same small configs (``experiments.byte_identity_configs``) with
``python -m sim.run`` on two source trees, a *base* commit and a *head* (by default the
checkout containing this script, uncommitted changes included), and compares each run's
output files byte for byte (sha256): ``deals.parquet``, ``timeseries.parquet``,
``coalitions.parquet``, ``sellers.parquet``, ``cascades.parquet`` and ``summary.json``.
If every file of every config is identical, the two trees compute the same results on
every pricing policy, coalition algorithm, division rule, learning rule, community
response, network family and negotiation tactic covered here.

    python -m experiments.byte_identity --base 2f99d2a
    python -m experiments.byte_identity --base main~1 --head 2f99d2a --only default,network_file
    python -m experiments.byte_identity --list

A commit is materialised with ``git worktree add --detach`` in a temporary directory and
removed at the end (also on error or Ctrl-C). Each run is a subprocess with
``cwd=PYTHONPATH=<tree root>``, so each side imports its own ``sim`` and ``agents``
packages (checked once per side by printing ``sim.__file__``). On a mismatch the script
prints which parquet columns (and the first row) or which JSON keys differ. Exit code 0
only if every file of every config matched.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from experiments.byte_identity_configs import (
    CONFIGS,
    NETWORK_FILE_NAME,
    hydra_quote,
    resolve_overrides,
    write_network_file,
)
from experiments.file_diff import diagnose, sha256
from experiments.source_trees import describe_tree, repo_root, sanity_check, source_tree, tree_env
from sim.cli.entry import OneLineParser, fail, integer_at_least

COMPARED_FILES = (
    "deals.parquet",
    "timeseries.parquet",
    "coalitions.parquet",
    "sellers.parquet",
    "cascades.parquet",
    "summary.json",
)
RUN_TIMEOUT_S = 600.0
STDERR_TAIL_LINES = 15


@dataclass(frozen=True)
class RunTask:
    """One ``sim.run`` invocation: a config on one side."""

    side: str
    name: str
    root: str
    out_dir: str
    overrides: tuple[str, ...]


@dataclass
class RunResult:
    """Outcome of a :class:`RunTask`."""

    side: str
    name: str
    ok: bool
    seconds: float
    error: str = ""


@dataclass
class ConfigVerdict:
    """Comparison of one config's files across the two sides."""

    name: str
    matched: int
    failed_runs: list[str] = field(default_factory=list)
    diagnostics: list[str] = field(default_factory=list)
    deals: int | None = None

    @property
    def identical(self) -> bool:
        """True if both runs succeeded and every compared file matched."""
        return not self.failed_runs and self.matched == len(COMPARED_FILES)


# --------------------------------------------------------------------------- running


def stderr_tail(text: str, lines: int = STDERR_TAIL_LINES) -> str:
    """The last ``lines`` lines of a process's stderr."""
    return "\n".join(text.strip().splitlines()[-lines:])


def run_one(task: RunTask) -> RunResult:
    """Run one config on one side as ``python -m sim.run`` and report how it went."""
    out = Path(task.out_dir)
    shutil.rmtree(out, ignore_errors=True)  # never compare stale files of an earlier run
    cmd = [
        sys.executable,
        "-m",
        "sim.run",
        *task.overrides,
        f"hydra.run.dir={hydra_quote(str(out))}",
        "output.figures=false",
        "output.quiet=true",
    ]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd,
            cwd=task.root,
            env=tree_env(Path(task.root)),
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        raw = exc.stderr if isinstance(exc.stderr, bytes) else b""
        tail = stderr_tail(raw.decode(errors="replace"))
        return RunResult(task.side, task.name, False, time.perf_counter() - t0, f"timeout\n{tail}")
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        error = f"exit code {proc.returncode}\n{stderr_tail(proc.stderr)}"
        return RunResult(task.side, task.name, False, seconds, error)
    return RunResult(task.side, task.name, True, seconds)


def run_all(tasks: list[RunTask], jobs: int) -> list[RunResult]:
    """Run every task, ``jobs`` at a time, printing progress.

    Each task is a subprocess, so threads are enough to wait on them; forking worker
    processes from a multi-threaded caller (a test run, say) risks deadlocks.
    """
    results: list[RunResult] = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        try:
            for i, res in enumerate(pool.map(run_one, tasks), start=1):
                status = "ok" if res.ok else "FAILED"
                print(
                    f"  [{i:>3}/{len(tasks)}] {res.side:<4} {res.name:<32} "
                    f"{res.seconds:6.1f}s {status}",
                    flush=True,
                )
                results.append(res)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return results


# --------------------------------------------------------------------------- comparing


def base_deals(summary: Path) -> int | None:
    """Number of purchases in a run's summary.json, or None if unreadable."""
    try:
        return int(json.loads(summary.read_text(encoding="utf-8"))["deals"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def compare_config(
    name: str, out: Path, results: dict[tuple[str, str], RunResult]
) -> ConfigVerdict:
    """Compare the compared files of one config across the two sides."""
    verdict = ConfigVerdict(name, 0)
    for side in ("base", "head"):
        res = results[(side, name)]
        if not res.ok:
            verdict.failed_runs.append(side)
            error = res.error.replace("\n", "\n      ")
            verdict.diagnostics.append(f"{side} run failed: {error}")
    base_dir, head_dir = out / "base" / name, out / "head" / name
    verdict.deals = base_deals(base_dir / "summary.json")
    for fname in COMPARED_FILES:
        a, b = base_dir / fname, head_dir / fname
        missing = [side for side, p in (("base", a), ("head", b)) if not p.is_file()]
        if missing:
            verdict.diagnostics.append(f"{fname}: missing on {' and '.join(missing)}")
        elif sha256(a) == sha256(b):
            verdict.matched += 1
        else:
            notes = diagnose(fname, a, b)
            verdict.diagnostics.append(f"{fname}: differs")
            verdict.diagnostics.extend(f"    {line}" for line in notes)
    return verdict


def print_table(verdicts: list[ConfigVerdict]) -> None:
    """Print one line per config (name | files matched | verdict | deals) and diagnostics."""
    width = max(len("config"), *(len(v.name) for v in verdicts))
    print(f"\n{'config':<{width}} | files | verdict   | deals")
    print(f"{'-' * width}-+-------+-----------+------")
    for v in verdicts:
        word = "FAILED" if v.failed_runs else "identical" if v.identical else "MISMATCH"
        deals = "?" if v.deals is None else str(v.deals)
        warn = "  (no deals: proves little)" if v.deals == 0 else ""
        print(
            f"{v.name:<{width}} | {v.matched}/{len(COMPARED_FILES)}   | {word:<9} | {deals}{warn}"
        )
    for v in verdicts:
        if v.diagnostics:
            print(f"\n{v.name}:")
            for line in v.diagnostics:
                print(f"  {line}")


# --------------------------------------------------------------------------- command line


def select_configs(only: str | None) -> list[str]:
    """Config names to run, in :data:`CONFIGS` order.

    Raises:
        SystemExit: exit code 2, with one line naming the allowed configs, if ``only``
            names an unknown config.
    """
    if not only:
        return list(CONFIGS)
    wanted = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in CONFIGS]
    if unknown:
        fail(f"argument --only: unknown config {', '.join(unknown)}; allowed: {', '.join(CONFIGS)}")
    return [n for n in CONFIGS if n in wanted]


def list_configs() -> None:
    """Print every config name with its overrides."""
    width = max(len(n) for n in CONFIGS)
    for name, overrides in CONFIGS.items():
        print(f"{name:<{width}}  {' '.join(overrides)}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    ap = OneLineParser(
        prog="python -m experiments.byte_identity", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--base", help="git revision to compare against (required unless --list)")
    ap.add_argument(
        "--head",
        default=None,
        help="git revision or directory to check (default: this checkout, uncommitted "
        "changes included)",
    )
    ap.add_argument("--only", default=None, help="comma-separated config names")
    ap.add_argument("--jobs", type=integer_at_least(1), default=2, help="parallel runs (default 2)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the run outputs in this dir")
    ap.add_argument("--list", action="store_true", help="print the configs and exit")
    args = ap.parse_args(argv)
    if not args.list and not args.base:
        ap.error("argument --base: required unless --list")
    return args


@contextlib.contextmanager
def output_dir(keep: Path | None) -> Iterator[Path]:
    """Yield the output directory: ``keep`` (created, kept) or a temp dir (deleted)."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep.resolve()
        return
    tmp = Path(tempfile.mkdtemp(prefix="byte_identity_out_"))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def compare_trees(args: argparse.Namespace, names: list[str]) -> list[ConfigVerdict]:
    """Materialise both trees, run every config on each and compare the outputs."""
    repo = repo_root()
    with (
        output_dir(args.keep) as out,
        source_tree(args.base, repo, "base") as base,
        source_tree(args.head, repo, "head") as head,
    ):
        roots = {"base": base, "head": head}
        print("source trees:")
        for side, root in roots.items():
            print(f"  {side}: {root} ({describe_tree(root)})")
        print("sanity check (modules each side imports):")
        for side, root in roots.items():
            sanity_check(side, root)
        network_file = out / NETWORK_FILE_NAME
        write_network_file(network_file)
        print(f"outputs in {out}; running {len(names)} configs x 2 sides, {args.jobs} jobs")
        tasks = [
            RunTask(
                side,
                name,
                str(roots[side]),
                str(out / side / name),
                resolve_overrides(CONFIGS[name], network_file),
            )
            for name in names
            for side in roots
        ]
        results = {(r.side, r.name): r for r in run_all(tasks, args.jobs)}
        return [compare_config(name, out, results) for name in names]


def main(argv: list[str] | None = None) -> int:
    """Run the check; returns the exit code (0 only if every file of every config matched)."""
    args = parse_args(argv)
    if args.list:
        list_configs()
        return 0
    names = select_configs(args.only)
    t0 = time.perf_counter()
    try:
        verdicts = compare_trees(args, names)
    except RuntimeError as exc:  # git or the import sanity check failed
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print_table(verdicts)
    bad = [v for v in verdicts if not v.identical]
    print(f"\nwall time {time.perf_counter() - t0:.1f}s")
    if bad:
        print(f"MISMATCH in {len(bad)} configs")
        return 1
    print(f"ALL IDENTICAL: {len(verdicts)} configs x {len(COMPARED_FILES)} files")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted (temporary worktrees removed)", file=sys.stderr)
        sys.exit(130)
