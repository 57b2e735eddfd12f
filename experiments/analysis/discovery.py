"""Scenario discovery: where in parameter space one arm beats the other (e.g. group deals).

A campaign with an arm of two values (``arms: {pricing: [posted, volume_discount]}``) runs
both at every design point on the same seeds. :func:`paired_differences` takes, per point,
the differences treatment - baseline seed by seed (common random numbers: the seed's
market, graph and customers are the same on both sides) and their Student-t interval;
:func:`discovery_figure` maps them over two parameters with the zero contour as the
boundary between the regions where each side wins. With more than two varied parameters
the map is a projection: the others vary from point to point too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import CenteredNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.tri import Triangulation

from experiments.analysis import AnalysisError, metric_columns, read_runs, read_spec
from experiments.stats import mean_ci
from sim.results.io import atomic_write, write_parquet

TREATMENT_BETTER = "treatment better"
BASELINE_BETTER = "baseline better"
NO_CLEAR_DIFFERENCE = "no clear difference"

#: Files :func:`campaign_discovery` writes into the campaign folder.
DISCOVERY_TABLE = "discovery.parquet"
DISCOVERY_FIGURE = "discovery.png"

#: Columns :func:`paired_differences` adds after the point and its parameter values.
DIFFERENCE_COLUMNS = (
    "baseline_mean",
    "treatment_mean",
    "mean_diff",
    "ci_low",
    "ci_high",
    "n",
    "verdict",
)

#: Fewest points with a difference for a zero contour (a triangulation needs a few).
MIN_CONTOUR_POINTS = 4


def verdict(low: float, high: float, higher_is_better: bool = True) -> str:
    """Which side the interval ``low..high`` of treatment - baseline favours, if any."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return NO_CLEAR_DIFFERENCE
    if low > 0:
        return TREATMENT_BETTER if higher_is_better else BASELINE_BETTER
    if high < 0:
        return BASELINE_BETTER if higher_is_better else TREATMENT_BETTER
    return NO_CLEAR_DIFFERENCE


def varied_columns(runs: pd.DataFrame, arm: str) -> list[str]:
    """The columns between ``point`` and ``seed`` of ``runs.parquet``, minus ``arm``."""
    cols = list(runs.columns)
    if "point" not in cols or "seed" not in cols:
        raise AnalysisError("runs has no point or seed column; allowed: a campaign's runs")
    return [c for c in cols[cols.index("point") + 1 : cols.index("seed")] if c != arm]


def paired_differences(
    runs: pd.DataFrame,
    arm: str,
    baseline: Any,
    treatment: Any,
    metric: str = "consumer_surplus",
    *,
    parameters: Sequence[str] | None = None,
    level: float = 0.95,
    higher_is_better: bool = True,
) -> pd.DataFrame:
    """Per design point, treatment - baseline of ``metric`` paired on seed, with its interval.

    Only seeds where both runs are ok and have a value are paired; a point without such a
    seed keeps its row with ``n = 0`` and NaN statistics.

    Args:
        runs: ``runs.parquet`` of a campaign (``point``, varied values, ``seed``,
            ``status``, metrics).
        arm: The arm column (e.g. ``pricing``).
        baseline: The arm's value compared against (e.g. ``posted``).
        treatment: The other value (e.g. ``volume_discount``).
        metric: The metric column.
        parameters: Columns that identify a point besides ``point`` (default: every
            column between ``point`` and ``seed`` except ``arm``).
        level: Confidence level of the t-interval of the mean difference.
        higher_is_better: Whether a larger ``metric`` is better (verdict's direction).

    Returns:
        One row per point in plan order: ``point``, the parameters, then
        :data:`DIFFERENCE_COLUMNS` (the means are over the paired seeds).

    Raises:
        AnalysisError: naming a missing column or arm value.
    """
    params = varied_columns(runs, arm) if parameters is None else list(parameters)
    keys = ["point", *params]
    missing = [c for c in [arm, metric, *keys, "seed"] if c not in runs.columns]
    if missing:
        raise AnalysisError(f"runs has no column {missing[0]!r}")
    if not pd.api.types.is_numeric_dtype(runs[metric]):
        raise AnalysisError(f"metric {metric!r} is not numeric; allowed: a metric column")
    present = list(dict.fromkeys(runs[arm]))
    for value in (baseline, treatment):
        if value not in present:
            raise AnalysisError(
                f"{arm}={value!r} has no runs; allowed: {' | '.join(map(str, present))}"
            )
    ok = runs if "status" not in runs.columns else runs[runs["status"] == "ok"]
    ok = ok[np.isfinite(ok[metric].astype(float))]
    sides = []
    for name, value in (("baseline", baseline), ("treatment", treatment)):
        side = ok.loc[ok[arm] == value, [*keys, "seed", metric]]
        if side.duplicated([*keys, "seed"]).any():
            raise AnalysisError(
                f"{arm}={value!r} has two runs of one point and seed; pass parameters= "
                "naming every column that tells runs apart"
            )
        sides.append(side.rename(columns={metric: name}))
    # Pair on the seed itself (not on row order): a seed failed on either side drops out.
    pairs = sides[0].merge(sides[1], on=[*keys, "seed"], how="inner")
    pairs["diff"] = pairs["treatment"] - pairs["baseline"]
    rows = []
    for key, group in pairs.groupby(keys, sort=False, dropna=False):
        ci = mean_ci(group["diff"].to_numpy(), level)
        rows.append(
            (
                *(key if isinstance(key, tuple) else (key,)),
                float(group["baseline"].mean()),
                float(group["treatment"].mean()),
                ci.mean,
                ci.low,
                ci.high,
                ci.n,
                verdict(ci.low, ci.high, higher_is_better),
            )
        )
    stats = pd.DataFrame(rows, columns=[*keys, *DIFFERENCE_COLUMNS])
    points = runs[keys].drop_duplicates(ignore_index=True)
    frame = points.merge(stats, on=keys, how="left")
    frame["n"] = frame["n"].fillna(0).astype("int64")
    frame["verdict"] = frame["verdict"].fillna(NO_CLEAR_DIFFERENCE)
    return frame


# --------------------------------------------------------------------------- figure


def _zero_contour(ax: Any, xs: np.ndarray, ys: np.ndarray, d: np.ndarray) -> bool:
    """Draw the contour ``d = 0`` when the points allow one; whether it was drawn."""
    ok = np.isfinite(xs) & np.isfinite(ys) & np.isfinite(d)
    xs, ys, d = xs[ok], ys[ok], d[ok]
    enough = (
        len(d) >= MIN_CONTOUR_POINTS
        and len(np.unique(xs)) > 1
        and len(np.unique(ys)) > 1
        and d.min() < 0 < d.max()
    )
    if not enough:
        return False
    try:
        tri = Triangulation(xs, ys)
    except RuntimeError:  # qhull: the points lie on one line, no triangle to contour
        return False
    cs = ax.tricontour(tri, d, levels=[0.0], colors="black", linewidths=1.6)
    ax.clabel(cs, fmt={cs.levels[0]: "boundary"}, fontsize=8)
    return True


def _padded(values: np.ndarray, log: bool, pad: float = 0.05) -> tuple[float, float]:
    """Axis limits around ``values`` with ``pad`` of their span each side (log: in log)."""
    v = values[np.isfinite(values) & (values > 0)] if log else values[np.isfinite(values)]
    if not len(v):
        return (1.0, 10.0) if log else (0.0, 1.0)
    lo, hi = (np.log10(v.min()), np.log10(v.max())) if log else (v.min(), v.max())
    span = hi - lo if hi > lo else max(abs(lo), 1.0)
    lo, hi = lo - pad * span, hi + pad * span
    return (10.0**lo, 10.0**hi) if log else (float(lo), float(hi))


def discovery_figure(
    frame: pd.DataFrame,
    x: str,
    y: str,
    path: Path | str,
    *,
    title: str | None = None,
    value: str = "mean_diff",
    colorbar_label: str = "mean difference (treatment - baseline)",
    logx: bool = False,
    logy: bool = False,
    dpi: int = 110,
) -> Path:
    """Scatter of the points in (``x``, ``y``) coloured by the difference; PNG at ``path``.

    The colormap diverges around 0 (blue: treatment higher, red: baseline higher).
    Filled markers have an interval (``ci_low``..``ci_high``) that excludes 0, hollow
    ones do not; grey crosses had no paired seed. The zero contour of the differences
    (linear interpolation over a Delaunay triangulation) is drawn as the boundary when
    there are enough points and the differences change sign.

    Args:
        frame: Rows of :func:`paired_differences`.
        x: Parameter column on the horizontal axis.
        y: Parameter column on the vertical axis.
        path: The PNG to write (atomically).
        title: The figure's title (what is compared).
        value: The column that colours the points.
        colorbar_label: Label of the colour bar.
        logx: Log-scaled horizontal axis.
        logy: Log-scaled vertical axis.
        dpi: Resolution.

    Returns:
        ``path``.
    """
    for col in (x, y, value, "ci_low", "ci_high"):
        if col not in frame.columns:
            raise AnalysisError(f"frame has no column {col!r}")
    xs = frame[x].to_numpy(dtype=float)
    ys = frame[y].to_numpy(dtype=float)
    d = frame[value].to_numpy(dtype=float)
    low = frame["ci_low"].to_numpy(dtype=float)
    high = frame["ci_high"].to_numpy(dtype=float)
    known = np.isfinite(d)
    clear = known & ((low > 0) | (high < 0))
    vague = known & ~clear
    half = float(np.abs(d[known]).max()) if known.any() else 0.0
    norm = CenteredNorm(vcenter=0.0, halfrange=half if half > 0 else 1.0)
    cmap = "RdBu"

    fig = Figure(figsize=(7.2, 5.6), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    mappable = ax.scatter(
        xs[clear],
        ys[clear],
        c=d[clear],
        cmap=cmap,
        norm=norm,
        s=70,
        edgecolors="0.35",
        linewidths=0.6,
        zorder=3,
    )
    # Hollow rings: the colour is the edge; a thin grey outline keeps rings near 0 (almost
    # white in a diverging map) visible.
    ax.scatter(
        xs[vague],
        ys[vague],
        s=70,
        facecolors="none",
        edgecolors="0.35",
        linewidths=0.6,
        zorder=3,
    )
    ax.scatter(
        xs[vague],
        ys[vague],
        s=40,
        facecolors="none",
        edgecolors=mappable.cmap(norm(d[vague])),
        linewidths=1.8,
        zorder=3,
    )
    if (~known).any():
        ax.scatter(xs[~known], ys[~known], marker="x", color="0.5", s=40, zorder=3)
    drawn = _zero_contour(ax, xs, ys, d)
    colorbar = fig.colorbar(mappable, ax=ax)
    colorbar.set_label(colorbar_label)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    # The contour pins the limits to the data; pad them so edge markers show whole.
    ax.set_xlim(*_padded(xs, logx))
    ax.set_ylim(*_padded(ys, logy))
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(title or f"{value} over {x} and {y}", fontsize=10)
    handles = [
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            color="0.35",
            markerfacecolor="0.6",
            ms=8,
            label="interval excludes 0",
        ),
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            color="0.35",
            markerfacecolor="none",
            ms=8,
            label="interval includes 0",
        ),
    ]
    if drawn:
        handles.append(Line2D([], [], color="black", lw=1.6, label="boundary: difference = 0"))
    elif known.any() and (d[known] > 0).all() != (d[known] < 0).all():
        side = "above" if (d[known] > 0).all() else "below"
        handles.append(Line2D([], [], ls="", label=f"no boundary: every difference is {side} 0"))
    if (~known).any():
        handles.append(Line2D([], [], ls="", marker="x", color="0.5", label="no paired seed"))
    fig.legend(
        handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False
    )
    ax.grid(alpha=0.3)
    return atomic_write(path, lambda p: fig.savefig(p, format="png", dpi=dpi))


# --------------------------------------------------------------------------- campaigns


def discovery_arm(spec: dict[str, Any], runs: pd.DataFrame, arm: str | None = None) -> str:
    """The campaign's arm with exactly two values (``arm`` if given, checked).

    Raises:
        AnalysisError: if there is no such arm, or other arms vary too.
    """
    arms = spec.get("arms") or {}
    two = [k for k, v in arms.items() if len(v) == 2]
    if arm is None:
        if not two:
            shown = {k: list(v) for k, v in arms.items()}
            raise AnalysisError(
                f"campaign.arms={shown} has no arm with exactly two values; allowed: e.g. "
                "arms: {pricing: [posted, volume_discount]}"
            )
        arm = two[0]
    elif arm not in two:
        raise AnalysisError(
            f"arm {arm!r} is not a campaign arm with two values; allowed: "
            f"{' | '.join(two) or 'none in this campaign'}"
        )
    others = [k for k, v in arms.items() if k != arm and len(v) > 1]
    if others:
        raise AnalysisError(
            f"campaign.arms varies {', '.join(others)} besides {arm}; allowed: one varied "
            "arm (the map compares its two values at each design point)"
        )
    if arm not in runs.columns:
        raise AnalysisError(f"runs.parquet has no column {arm!r} for campaign.arms.{arm}")
    return arm


def numeric_parameters(spec: dict[str, Any], runs: pd.DataFrame) -> list[str]:
    """The campaign's design parameters whose ``runs.parquet`` column is numeric."""
    return [
        k
        for k in (spec.get("parameters") or {})
        if k in runs.columns
        and pd.api.types.is_numeric_dtype(runs[k])
        and not pd.api.types.is_bool_dtype(runs[k])
    ]


def campaign_discovery(
    folder: Path | str,
    metric: str = "consumer_surplus",
    *,
    arm: str | None = None,
    level: float = 0.95,
    higher_is_better: bool = True,
) -> pd.DataFrame:
    """The discovery table and map of a campaign folder (``discovery.parquet``, ``.png``).

    The arm is the one with exactly two values (the first is the baseline); the map's axes
    are the first two numeric design parameters.

    Args:
        folder: A campaign folder (``campaign.yaml``, ``runs.parquet``).
        metric: The metric compared.
        arm: The arm to compare (default: the only arm with two values).
        level: Confidence level of the intervals.
        higher_is_better: Whether a larger ``metric`` is better.

    Returns:
        The table written to ``discovery.parquet``.

    Raises:
        AnalysisError: if the campaign has no two-valued arm or fewer than two numeric
            parameters, or the metric is unknown.
    """
    root = Path(folder)
    runs = read_runs(root)
    spec = read_spec(root)
    arm = discovery_arm(spec, runs, arm)
    allowed = metric_columns(runs, (*(spec.get("parameters") or {}), arm))
    if metric not in allowed:
        raise AnalysisError(
            f"metric {metric!r} is not a metric column of runs.parquet; allowed: "
            f"{', '.join(allowed)}"
        )
    params = numeric_parameters(spec, runs)
    if len(params) < 2:
        raise AnalysisError(
            f"campaign.parameters has {len(params)} numeric parameter(s) "
            f"({', '.join(params) or 'none'}); allowed: at least two for the map"
        )
    # The arm's values in plan order: the spec's first value is the baseline, typed as
    # the runs recorded it.
    values = list(dict.fromkeys(runs[arm]))
    if len(values) != 2:
        raise AnalysisError(f"runs.parquet has {len(values)} values of {arm}; expected 2")
    baseline, treatment = values
    frame = paired_differences(
        runs,
        arm,
        baseline,
        treatment,
        metric,
        parameters=list(spec.get("parameters") or {}),
        level=level,
        higher_is_better=higher_is_better,
    )
    write_parquet(root / DISCOVERY_TABLE, frame)
    x, y = params[:2]
    pspecs = spec.get("parameters") or {}
    seeds = int(frame["n"].max()) if len(frame) else 0
    discovery_figure(
        frame,
        x,
        y,
        root / DISCOVERY_FIGURE,
        title=(
            f"{metric}: {arm}={treatment} minus {arm}={baseline}\n"
            f"mean over up to {seeds} paired seeds per point, {level:.0%} t-intervals"
        ),
        colorbar_label=f"mean difference in {metric} ({treatment} - {baseline})",
        logx=bool((pspecs.get(x) or {}).get("log", False)),
        logy=bool((pspecs.get(y) or {}).get("log", False)),
    )
    return frame
