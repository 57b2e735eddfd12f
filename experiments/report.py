"""The policy-comparison report: ``report.md``, ``report.html`` and the figures of a folder.

:func:`write_report` turns the runs table (one row per run) and the timeseries table of
``experiments.compare_policies`` into ``report.md`` and ``report.html`` (same content) and,
optionally, the PNG figures. The metrics and their tables come from
:mod:`experiments.report_metrics` (statistics from :mod:`experiments.stats`), the text from
:mod:`experiments.report_text` and the figures from :mod:`experiments.report_figures`; every
file is written atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.report_figures import (
    FIGURES,
    SELLER_FIGURE,
    metrics_figure,
    price_figure,
    scatter_figure,
    seller_trajectories_figure,
)
from experiments.report_text import build_blocks, to_html, to_markdown
from sim.results.io import write_text

MAIN_CONFIG_KEYS: tuple[str, ...] = (
    "customers.n",
    "sellers.n",
    "products.n",
    "steps",
    "network.kind",
    "network.avg_degree",
    "coalition.algorithm",
    "coalition.max_size",
    "coalition.division",
    "negotiation.protocol",
    "pricing.mix",
)
"""Config values stored in every row of ``runs.parquet`` (besides policy, seed and summary)."""


def _mixed_markets(sellers: pd.DataFrame) -> bool:
    """Whether any run has sellers of more than one policy."""
    return bool((sellers.groupby(["policy_run", "seed"])["policy"].nunique() > 1).any())


def write_report(
    out_dir: Path | str,
    runs: pd.DataFrame,
    timeseries: pd.DataFrame,
    *,
    title: str,
    policies: Sequence[str],
    seeds: int,
    vary_key: str | None = None,
    vary_values: Sequence[Any] | None = None,
    market_config: dict[str, Any],
    market_overrides: Sequence[str] = (),
    command: str = "python -m experiments.compare_policies",
    figures: bool = True,
    sellers: pd.DataFrame | None = None,
) -> list[Path]:
    """Write ``report.md``, ``report.html`` and (with ``figures``) the three PNG figures.

    Args:
        out_dir: The report folder.
        runs: One row per run: ``policy``, ``seed``, the vary column, config values, summary.
        timeseries: One row per run and step: ``policy``, ``seed``, the vary column, ``step``
            and the model's timeseries columns.
        title: Report title.
        policies: Policy names in display order.
        seeds: Number of seeds per policy (seeds ``0..seeds-1``).
        vary_key: The varied config key (a column of both tables), or None.
        vary_values: The varied values in display order.
        market_config: The resolved config of one run (describes the market).
        market_overrides: The market overrides given on the command line.
        command: The command line that reproduces the comparison.
        figures: Whether to draw and embed the figures.
        sellers: Optional per run, step and seller table (``sellers.parquet`` of each run);
            when sellers of several policies share a market, adds ``seller_trajectories.png``
            (market share and cumulative profit over time by the sellers' own policy).

    Returns:
        The paths written.
    """
    out = Path(out_dir)
    blocks, tables = build_blocks(
        runs,
        title=title,
        policies=policies,
        seeds=seeds,
        vary_key=vary_key,
        vary_values=vary_values,
        market_config=market_config,
        market_overrides=market_overrides,
        command=command,
        figures=figures,
    )
    written = []
    if figures:
        metrics_figure(tables, policies, out / FIGURES[0], vary_key, vary_values)
        price_figure(timeseries, policies, out / FIGURES[1], vary_key, vary_values)
        scatter_figure(runs, policies, out / FIGURES[2], vary_key, vary_values)
        written += [out / f for f in FIGURES]
        if sellers is not None and len(sellers) and _mixed_markets(sellers):
            path = out / SELLER_FIGURE
            seller_trajectories_figure(sellers, path, vary_key, vary_values)
            written.append(path)
            blocks += [
                ("h2", "Sellers over time"),
                (
                    "p",
                    "Market share (5-step rolling mean) and cumulative profit of the sellers "
                    "of each policy within the same market, averaged over seeds.",
                ),
                ("img", (SELLER_FIGURE, "market share and cumulative profit by seller policy")),
            ]
    written.append(write_text(out / "report.md", to_markdown(blocks)))
    written.append(write_text(out / "report.html", to_html(blocks, title)))
    return written
