"""Sensitivity indices of a campaign folder: ``python -m experiments.sensitivity FOLDER``.

Reads a Sobol or Morris campaign written by ``python -m experiments.campaign`` and writes
``sensitivity.parquet``, ``sensitivity.csv`` and ``sensitivity.png`` into it (atomically),
then prints the main indices. Options::

    --outputs a,b        metric columns to analyse (default: campaign.analysis.outputs)
    --conf-level 0.95    level of the bootstrap intervals (default: the campaign's)
    --resamples N        bootstrap resamples (default: the campaign's)

Bad input (no such folder, no ``runs.parquet``, an unknown output, a grid or lhs design)
fails in one line with exit code 2. :func:`analyse_folder` (from
:mod:`experiments.analysis.sensitivity`) does the work; the campaign command calls it too.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from agents.params import ConfigError
from experiments.analysis import AnalysisError

# analyse_folder is re-exported: the campaign command and scripts call it from here too.
from experiments.analysis.sensitivity import CSV_FILE, FIGURE, TABLE
from experiments.analysis.sensitivity import analyse_folder as analyse_folder
from sim.cli.entry import OneLineParser, fail

#: Indices the printed table shows (S2 and mu stay in the files).
_SHOWN = ("S1", "ST", "mu_star", "sigma")


def _cell(value: float, conf: float) -> str:
    if not math.isfinite(value):
        return "nan"
    return f"{value:.3g} +/- {conf:.2g}" if math.isfinite(conf) else f"{value:.3g}"


def format_table(table: pd.DataFrame) -> str:
    """The main indices per output (and arm) as text: one row per parameter."""
    shown = table[table["index"].isin(_SHOWN)]
    blocks = []
    for (output, arm), panel in shown.groupby(["output", "arm"], sort=False):
        wide = (
            panel.assign(
                cell=[_cell(v, c) for v, c in zip(panel["value"], panel["conf"], strict=True)]
            )
            .pivot(index="parameter", columns="index", values="cell")
            .reindex(
                index=list(dict.fromkeys(panel["parameter"])),
                columns=list(dict.fromkeys(panel["index"])),
            )
        )
        wide.index.name = None
        wide.columns.name = None
        header = f"{output} [{arm}]" if arm else str(output)
        blocks.append(f"{header}\n{wide.to_string()}")
    return "\n\n".join(blocks)


def _outputs(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise argparse.ArgumentTypeError("empty; allowed: metric names, comma-separated")
    return names


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line (errors in one line, exit code 2)."""
    ap = OneLineParser(
        prog="python -m experiments.sensitivity",
        description="Sobol or Morris sensitivity indices of a campaign folder.",
    )
    ap.add_argument("folder", type=Path, help="a campaign folder (results/campaigns/NAME)")
    ap.add_argument(
        "--outputs", type=_outputs, default=None, help="metrics, e.g. welfare,seller_profit"
    )
    ap.add_argument("--conf-level", type=float, default=None, help="interval level, e.g. 0.95")
    ap.add_argument("--resamples", type=int, default=None, help="bootstrap resamples")
    args = ap.parse_args(argv)
    if args.conf_level is not None and not 0 < args.conf_level < 1:
        ap.error(f"--conf-level={args.conf_level} is invalid; allowed: a number in (0, 1)")
    if args.resamples is not None and args.resamples < 2:
        ap.error(f"--resamples={args.resamples} is invalid; allowed: an integer >= 2")
    return args


def main(argv: Sequence[str] | None = None) -> pd.DataFrame:
    """Run the command; returns the table (for tests)."""
    args = parse_args(argv)
    try:
        table = analyse_folder(
            args.folder, args.outputs, conf_level=args.conf_level, resamples=args.resamples
        )
    except (AnalysisError, ConfigError) as exc:
        fail(str(exc))
    print(format_table(table))
    print(
        f"\nwrote {TABLE}, {CSV_FILE}"
        + (f", {FIGURE}" if (args.folder / FIGURE).exists() else "")
        + f" in {args.folder}"
    )
    return table


if __name__ == "__main__":
    main()
