"""The policy-comparison report: ``report.md``, one self-contained ``report.html`` and figures.

:func:`write_report` turns the runs table (one row per run) and the timeseries table of a
comparison into the report. What it concludes comes from :mod:`experiments.report_analysis`
(statistics in :mod:`experiments.stats`), the sections from
:mod:`experiments.report_sections`, the rendering from :mod:`experiments.report_text`, the
figures from :mod:`experiments.report_figures` and :mod:`experiments.report_mechanism`.
Every file is written atomically; the PNGs sit beside ``report.md`` and are embedded in
``report.html``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.report_analysis import (
    baseline_differences,
    decision_rows,
    not_applicable,
    vary_response,
)
from experiments.report_figures import (
    differences_figure,
    price_figure,
    scatter_figure,
    seeds_figure,
    seller_trajectories_figure,
    trend_figure,
)
from experiments.report_mechanism import CAPTIONS, MECHANISMS, Inputs
from experiments.report_metrics import DECISION_METRICS, grid_points, present
from experiments.report_sections import (
    DEFAULT_QUESTION,
    appendix_blocks,
    decision_blocks,
    differences_blocks,
    formats,
    market_blocks,
    vary_blocks,
)
from experiments.report_text import Block, to_html, to_markdown
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


def default_baseline(policies: Sequence[str]) -> str:
    """``posted`` when compared, else the first policy."""
    return "posted" if "posted" in policies else policies[0]


def write_report(
    out_dir: Path | str,
    runs: pd.DataFrame,
    timeseries: pd.DataFrame,
    *,
    title: str,
    policies: Sequence[str],
    seeds: Sequence[int],
    vary: Mapping[str, Sequence[Any]] | None = None,
    baseline: str | None = None,
    question: str = "",
    mechanism: str | None = None,
    market_config: dict[str, Any],
    market_overrides: Sequence[str] = (),
    command: str = "python -m experiments.compare_policies",
    figures: bool = True,
    sellers: pd.DataFrame | None = None,
) -> list[Path]:
    """Write ``report.md``, ``report.html`` and (with ``figures``) the PNG figures.

    Args:
        out_dir: The report folder.
        runs: One row per run: ``policy``, ``seed``, one column per varied key, ``command``,
            config values and the summary metrics.
        timeseries: One row per run and step: ``policy``, ``seed``, the varied columns,
            ``step`` and the model's timeseries columns.
        title: Report title.
        policies: Policy names in display order.
        seeds: The seeds every policy ran on (at every grid point).
        vary: Varied key -> values in display order (none, one or several keys: a grid).
        baseline: Policy the paired differences are taken against (default
            :func:`default_baseline`).
        question: The scenario's question in one sentence (empty: the default comparison's).
        mechanism: A key of :data:`experiments.report_mechanism.MECHANISMS`, or None.
        market_config: The resolved config of one run (describes the market).
        market_overrides: The market overrides given on the command line.
        command: The command line that reproduces the comparison.
        figures: Whether to draw and embed the figures.
        sellers: Optional per run, step and seller table; when sellers of several policies
            share a market, adds their market share and cumulative profit over time.

    Returns:
        The paths written.

    Raises:
        ValueError: if ``mechanism`` is not a known kind or ``baseline`` not a policy.
    """
    out = Path(out_dir)
    policies, seeds, vary = list(policies), list(seeds), dict(vary or {})
    baseline = baseline or default_baseline(policies)
    if baseline not in policies:
        raise ValueError(f"baseline {baseline!r} is not one of the policies {policies}")
    if mechanism is not None and mechanism not in MECHANISMS:
        raise ValueError(f"unknown mechanism {mechanism!r}; known: {', '.join(MECHANISMS)}")
    points = grid_points(runs, vary)
    decision = present(runs, DECISION_METRICS)
    metrics = present(runs)
    fmts = formats(runs, metrics)
    rows = decision_rows(runs, decision, policies, seeds, points)
    diffs = baseline_differences(runs, decision, policies, seeds, points, baseline)
    responses = {
        key: [r for m in metrics if (r := vary_response(runs, key, values, m, policies, seeds))]
        for key, values in vary.items()
    }
    missing = not_applicable(runs, metrics, policies)
    images: dict[str, bytes] = {}
    first_key = next(iter(vary), None)
    first_values = list(vary.get(first_key, [])) if first_key else []

    def figure(path: Path | None, alt: str) -> list[Block]:
        if path is None:
            return []
        images[path.name] = path.read_bytes()
        return [("img", (path.name, alt))]

    blocks: list[Block] = [("h1", title), ("p", question or DEFAULT_QUESTION)]
    blocks += decision_blocks(
        runs,
        rows,
        decision,
        diffs,
        next(iter(responses.values()), []),
        missing,
        policies=policies,
        seeds=seeds,
        points=points,
        baseline=baseline,
        fmts=fmts,
    )
    if mechanism is not None and figures:
        data = Inputs(runs, timeseries, policies, seeds, vary)
        drawn = figure(
            MECHANISMS[mechanism](data, out / f"mechanism_{mechanism}.png"), CAPTIONS[mechanism]
        )
        if drawn:
            blocks += [("h2", "Mechanism"), ("p", CAPTIONS[mechanism]), *drawn]
    if len(policies) > 1:
        blocks.append(("h2", f"Differences from {baseline}"))
        if figures:
            blocks += figure(
                differences_figure(diffs, decision, points, baseline, out / "differences.png"),
                f"each policy minus {baseline} with its interval",
            )
        blocks += differences_blocks(diffs, decision, points, baseline, fmts)
    for key, found in responses.items():
        blocks.append(("h2", f"Response to `{key}`"))
        if figures:
            safe = key.replace(".", "_")
            blocks += figure(
                trend_figure(found, out / f"trend_{safe}.png"), f"metrics against {key}"
            )
        blocks += vary_blocks(key, found, [k for k in vary if k != key], fmts)
    if figures:
        secondary = [
            *figure(
                seeds_figure(runs, decision, policies, points, out / "metrics_by_policy.png"),
                "every run and the mean per policy",
            ),
            *figure(
                price_figure(
                    timeseries, policies, out / "price_over_time.png", first_key, first_values
                ),
                "unit price paid per step, smoothed",
            ),
            *figure(
                scatter_figure(
                    runs, policies, out / "profit_vs_surplus.png", first_key, first_values
                ),
                "seller profit against consumer surplus per run",
            ),
        ]
        if sellers is not None and len(sellers) and _mixed_markets(sellers):
            path = seller_trajectories_figure(
                sellers, out / "seller_trajectories.png", first_key, first_values
            )
            secondary += figure(path, "market share and cumulative profit by seller policy")
        if secondary:
            blocks += [("h2", "More figures"), *secondary]
    mixes = (
        runs.drop_duplicates("policy").set_index("policy")["pricing.mix"].to_dict()
        if "pricing.mix" in runs
        else {}
    )
    blocks += [("h2", "Market and reproduction")]
    blocks += market_blocks(
        market_config,
        policies=policies,
        seeds=seeds,
        vary=vary,
        overrides=market_overrides,
        command=command,
        mixes=mixes,
    )
    blocks += appendix_blocks(runs, metrics, policies, seeds, points, fmts)
    written = [out / name for name in images]
    written.append(write_text(out / "report.md", to_markdown(blocks)))
    written.append(write_text(out / "report.html", to_html(blocks, title, images)))
    return written
