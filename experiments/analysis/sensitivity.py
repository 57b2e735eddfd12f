"""Global sensitivity indices of a campaign: Sobol (S1, ST, S2) and Morris (mu*, sigma).

Functions over arrays and frames, then :func:`analyse_folder`, which reads a campaign
folder and writes the table and figure into it. The indices come from SALib's ``analyze``
functions on the raw design matrix a campaign keeps in ``design.parquet`` (logarithms for
``log: true`` parameters, unrounded ``int`` values), so a log-scaled parameter's Morris
effects are per unit of its log-range. Every result is a tidy table: one row per
(parameter, index) with the estimate, the half-width ``conf`` of SALib's bootstrap
interval at ``conf_level`` and the interval ``low``..``high``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from SALib.analyze import morris, sobol

from experiments.analysis import (
    AnalysisError,
    campaign_folder,
    metric_columns,
    read_design,
    read_runs,
    read_spec,
)
from experiments.campaign.design import Design, resolve_parameter
from sim.results.io import atomic_write, write_parquet, write_text

#: Designs with sensitivity indices (``campaign.design``).
SENSITIVITY_DESIGNS = ("sobol", "morris")

#: Files :func:`analyse_folder` writes into the campaign folder.
TABLE = "sensitivity.parquet"
CSV_FILE = "sensitivity.csv"
FIGURE = "sensitivity.png"

#: Columns of every sensitivity table, in order (campaign tables add ``output``, ``arm``).
INDEX_COLUMNS = ("parameter", "index", "value", "conf", "low", "high")

#: The indices drawn per design, with their legend labels and colours.
_BARS = {
    "sobol": (("S1", "S1 (first order)", "#4c72b0"), ("ST", "ST (total)", "#dd8452")),
    "morris": (
        ("mu_star", "mu* (mean |effect|), with interval", "#4c72b0"),
        ("sigma", "sigma (spread of effects)", "#8c8c8c"),
    ),
}


def _check_arrays(
    problem: Mapping[str, Any], X: np.ndarray | None, Y: Sequence[float] | np.ndarray
) -> tuple[list[str], np.ndarray]:
    """The parameter names and ``Y`` as floats, checked against ``problem`` and ``X``."""
    names = list(problem["names"])
    y = np.asarray(Y, dtype=float)
    if y.ndim != 1:
        raise ValueError(f"Y must be 1-D (one value per design row); got shape {y.shape}")
    if X is not None:
        x = np.asarray(X, dtype=float)
        if x.shape != (len(y), len(names)):
            raise ValueError(
                f"X has shape {x.shape}; expected ({len(y)}, {len(names)}): one row per Y "
                "value, one column per parameter of the problem"
            )
    bad = int((~np.isfinite(y)).sum())
    if bad:
        raise ValueError(f"Y has {bad} non-finite values; every design row needs an output")
    return names, y


def _check_bootstrap(conf_level: float, resamples: int) -> None:
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level={conf_level} is invalid; allowed: a number in (0, 1)")
    if resamples < 2:
        raise ValueError(f"resamples={resamples} is invalid; allowed: an integer >= 2")


def _rows(records: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    """A tidy table from ``(parameter, index, value, conf)`` records."""
    frame = pd.DataFrame(records, columns=["parameter", "index", "value", "conf"])
    frame["value"] = frame["value"].astype(float)
    frame["conf"] = frame["conf"].astype(float)
    frame["low"] = frame["value"] - frame["conf"]
    frame["high"] = frame["value"] + frame["conf"]
    return frame[list(INDEX_COLUMNS)]


def sobol_indices(
    problem: Mapping[str, Any],
    X: np.ndarray | None,
    Y: Sequence[float] | np.ndarray,
    *,
    second_order: bool = False,
    conf_level: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Sobol first-order (S1), total (ST) and optionally second-order (S2) indices.

    ``X`` is only checked (Sobol's estimators read the rows' order, not their values): it
    must be the Saltelli/Sobol sample of ``problem`` that produced ``Y``. A constant ``Y``
    has no variance to share out: every index is then NaN.

    Args:
        problem: SALib problem (``names``, ``bounds``).
        X: The sample matrix (rows aligned with ``Y``), or None to skip the check.
        Y: One output per sample row.
        second_order: Whether the sample was drawn for second-order indices.
        conf_level: Level of the bootstrap intervals.
        resamples: Bootstrap resamples.
        seed: Seed of the bootstrap (the same seed gives the same intervals).

    Returns:
        Rows ``parameter, index, value, conf, low, high``: S1 and ST per parameter (in
        problem order), then S2 per pair as ``"a|b"``.

    Raises:
        ValueError: if the arrays do not fit the problem or the sample size.
    """
    names, y = _check_arrays(problem, X, Y)
    _check_bootstrap(conf_level, resamples)
    d = len(names)
    per_base = 2 * d + 2 if second_order else d + 2
    if len(y) == 0 or len(y) % per_base:
        raise ValueError(
            f"Y has {len(y)} values; a Sobol sample of {d} parameters "
            f"{'with' if second_order else 'without'} second order has N x {per_base}"
        )
    pairs = [(i, j) for i in range(d) for j in range(i + 1, d)] if second_order else []
    if np.ptp(y) == 0:
        nan = float("nan")
        records = [(n, ix, nan, nan) for n in names for ix in ("S1", "ST")]
        records += [(f"{names[i]}|{names[j]}", "S2", nan, nan) for i, j in pairs]
        return _rows(records)
    # SALib ignores a falsy seed (0) and then draws from numpy's global state; a Generator
    # is always used as given, so seed 0 is as reproducible as any other.
    si = sobol.analyze(
        dict(problem),
        y,
        calc_second_order=second_order,
        num_resamples=resamples,
        conf_level=conf_level,
        seed=np.random.default_rng(seed),
    )
    records = []
    for j, name in enumerate(names):
        records.append((name, "S1", si["S1"][j], si["S1_conf"][j]))
        records.append((name, "ST", si["ST"][j], si["ST_conf"][j]))
    for i, j in pairs:
        records.append((f"{names[i]}|{names[j]}", "S2", si["S2"][i, j], si["S2_conf"][i, j]))
    return _rows(records)


def morris_indices(
    problem: Mapping[str, Any],
    X: np.ndarray,
    Y: Sequence[float] | np.ndarray,
    *,
    levels: int = 4,
    conf_level: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Morris elementary-effect statistics: mu* (with its interval), sigma and mu.

    Effects are in output units per parameter range (SALib's unscaled effects): for
    ``y = 5 a`` with ``a`` in [0, 2], every effect of ``a`` is 10.

    Args:
        problem: SALib problem (``names``, ``bounds``).
        X: The Morris sample matrix (trajectories of ``D + 1`` rows), aligned with ``Y``.
        Y: One output per sample row.
        levels: The grid levels the sample was drawn with.
        conf_level: Level of the bootstrap interval of mu*.
        resamples: Bootstrap resamples.
        seed: Seed of the bootstrap.

    Returns:
        Rows ``parameter, index, value, conf, low, high`` with index ``mu_star``,
        ``sigma`` and ``mu`` per parameter (only mu* has an interval; the others' are NaN).

    Raises:
        ValueError: if the arrays do not fit the problem or the trajectory length.
    """
    if X is None:
        raise ValueError("Morris needs X: the elementary effects are read from its steps")
    names, y = _check_arrays(problem, X, Y)
    _check_bootstrap(conf_level, resamples)
    if len(y) == 0 or len(y) % (len(names) + 1):
        raise ValueError(
            f"Y has {len(y)} values; Morris trajectories of {len(names)} parameters have "
            f"{len(names) + 1} rows each"
        )
    # SALib adds a ``groups`` entry to the problem it is given: hand it a copy.
    si = morris.analyze(
        dict(problem),
        np.asarray(X, dtype=float),
        y,
        num_resamples=resamples,
        conf_level=conf_level,
        num_levels=levels,
        seed=seed,
    )
    nan = float("nan")
    records = []
    for j, name in enumerate(names):
        records.append((name, "mu_star", si["mu_star"][j], si["mu_star_conf"][j]))
        records.append((name, "sigma", si["sigma"][j], nan))
        records.append((name, "mu", si["mu"][j], nan))
    return _rows(records)


# --------------------------------------------------------------------------- campaigns


def campaign_problem(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The SALib problem of a campaign node (what ``make_design`` sampled).

    Raises:
        AnalysisError: if a parameter has a list of values instead of bounds.
    """
    params = []
    for key, pspec in (spec.get("parameters") or {}).items():
        # The default type only matters for bounds checks; the problem is the same for int.
        p = resolve_parameter(key, dict(pspec), float)
        if p.values is not None:
            raise AnalysisError(
                f"campaign.parameters.{key} has values {list(p.values)}; allowed: bounds "
                "{low, high} in a sobol or morris campaign"
            )
        params.append(p)
    if not params:
        raise AnalysisError("campaign.parameters is empty; allowed: at least one parameter")
    return Design(str(spec.get("design")), tuple(params), ()).problem


def design_matrix(design: pd.DataFrame, problem: Mapping[str, Any]) -> np.ndarray:
    """The raw sample matrix of ``design.parquet``: rows by ``point``, columns in problem order.

    Raises:
        AnalysisError: if a parameter column is missing or points are not 0..P-1.
    """
    names = list(problem["names"])
    missing = [c for c in ["point", *names] if c not in design.columns]
    if missing:
        raise AnalysisError(
            f"design.parquet has no column {missing[0]!r}; allowed: point and one column "
            f"per parameter ({', '.join(names)})"
        )
    ordered = design.sort_values("point", kind="stable")
    points = ordered["point"].to_numpy()
    if not np.array_equal(points, np.arange(len(points))):
        raise AnalysisError("design.parquet points are not 0..P-1, each once")
    return ordered[names].to_numpy(dtype=float)


def arm_label(keys: Sequence[str], values: Sequence[Any]) -> str:
    """``pricing=posted`` (``, ``-joined for several arm keys; ``""`` without arms)."""
    return ", ".join(f"{k}={v}" for k, v in zip(keys, values, strict=True))


def arm_groups(runs: pd.DataFrame, keys: Sequence[str]) -> list[tuple[str, pd.DataFrame]]:
    """The runs of each arm combination, labelled, in plan order (first appearance)."""
    if not keys:
        return [("", runs)]
    groups = runs.groupby(list(keys), sort=False, dropna=False)
    return [
        (arm_label(keys, combo if isinstance(combo, tuple) else (combo,)), sub)
        for combo, sub in groups
    ]


def point_means(runs: pd.DataFrame, output: str, n_points: int, arm: str = "") -> np.ndarray:
    """Per design point, the mean of ``output`` over its ok runs (one arm's runs).

    Raises:
        AnalysisError: naming the first point without an ok run that has a value.
    """
    ok = runs[runs["status"] == "ok"]
    valued = ok[np.isfinite(ok[output].astype(float))]
    means = valued.groupby("point")[output].mean().reindex(range(n_points))
    empty = np.flatnonzero(means.isna().to_numpy())
    if len(empty):
        first = int(empty[0])
        more = f" (and {len(empty) - 1} more)" if len(empty) > 1 else ""
        where = f" in arm {arm}" if arm else ""
        # Say why: failed runs can be retried; an undefined metric (NaN) cannot.
        why = (
            "its ok runs left it undefined (NaN); choose another output"
            if (ok["point"] == first).any()
            else "no run there is ok; retry the failed runs (retry_failed=true)"
        )
        raise AnalysisError(f"output {output!r} has no value at point {first}{more}{where}: {why}")
    return means.to_numpy(dtype=float)


def check_outputs(
    runs: pd.DataFrame, outputs: Sequence[str], varied: Sequence[str] = ()
) -> list[str]:
    """``outputs`` checked to be metric columns of ``runs``.

    Raises:
        AnalysisError: naming the first unknown output and the allowed ones.
    """
    allowed = metric_columns(runs, tuple(varied))
    if not outputs:
        raise AnalysisError(f"no outputs to analyse; allowed: {', '.join(allowed)}")
    for name in outputs:
        if name not in allowed:
            raise AnalysisError(
                f"output {name!r} is not a metric column of runs.parquet; allowed: "
                f"{', '.join(allowed)}"
            )
    return list(outputs)


def check_design(spec: Mapping[str, Any]) -> str:
    """``campaign.design``, checked to have sensitivity indices (sobol or morris).

    Raises:
        AnalysisError: for a grid or lhs design.
    """
    kind = spec.get("design", "grid")
    if kind not in SENSITIVITY_DESIGNS:
        raise AnalysisError(
            f"campaign.design={kind!r} has no sensitivity indices; allowed: "
            f"{' | '.join(SENSITIVITY_DESIGNS)}"
        )
    return str(kind)


def campaign_sensitivity(
    runs: pd.DataFrame,
    design: pd.DataFrame,
    spec: Mapping[str, Any],
    outputs: Sequence[str] | None = None,
    *,
    conf_level: float | None = None,
    resamples: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Sensitivity indices of a Sobol or Morris campaign, per output and arm combination.

    The output of a design point is the mean over the seeds whose run is ok (common random
    numbers: the seeds are the same at every point and arm).

    Args:
        runs: ``runs.parquet`` of the campaign.
        design: ``design.parquet`` (``point`` and the raw sample per parameter).
        spec: The resolved ``campaign`` node (``campaign.yaml``).
        outputs: Metric columns to analyse (default ``spec.analysis.outputs``).
        conf_level: Level of the intervals (default ``spec.analysis.conf_level``).
        resamples: Bootstrap resamples (default ``spec.analysis.resamples``).
        seed: Seed of the bootstrap.

    Returns:
        Rows ``output, arm, parameter, index, value, conf, low, high`` (``arm`` is ``""``
        without arms, else ``key=value``).

    Raises:
        AnalysisError: for a design without indices, an unknown output, or a design point
            with no ok run.
    """
    kind = check_design(spec)
    analysis = spec.get("analysis") or {}
    conf_level = float(analysis.get("conf_level", 0.95) if conf_level is None else conf_level)
    resamples = int(analysis.get("resamples", 1000) if resamples is None else resamples)
    problem = campaign_problem(spec)
    X = design_matrix(design, problem)
    d = len(problem["names"])
    second_order = bool(spec.get("second_order", False))
    rows = (2 * d + 2 if second_order else d + 2) if kind == "sobol" else d + 1
    if len(X) % rows:
        raise AnalysisError(
            f"design.parquet has {len(X)} points; a {kind} design of {d} parameters "
            f"(second_order={second_order}) has a multiple of {rows}"
        )
    arm_keys = tuple((spec.get("arms") or {}).keys())
    needed = ["point", "status", *arm_keys]
    missing = [c for c in needed if c not in runs.columns]
    if missing:
        raise AnalysisError(f"runs.parquet has no column {missing[0]!r}; allowed: a campaign's")
    chosen = list(analysis.get("outputs") or []) if outputs is None else list(outputs)
    chosen = check_outputs(runs, chosen, (*problem["names"], *arm_keys))
    tables = []
    for output in chosen:
        for label, sub in arm_groups(runs, arm_keys):
            y = point_means(sub, output, len(X), label)
            if kind == "sobol":
                table = sobol_indices(
                    problem,
                    X,
                    y,
                    second_order=second_order,
                    conf_level=conf_level,
                    resamples=resamples,
                    seed=seed,
                )
            else:
                table = morris_indices(
                    problem,
                    X,
                    y,
                    levels=int(spec.get("levels", 4)),
                    conf_level=conf_level,
                    resamples=resamples,
                    seed=seed,
                )
            table.insert(0, "arm", label)
            table.insert(0, "output", output)
            tables.append(table)
    return pd.concat(tables, ignore_index=True)


# --------------------------------------------------------------------------- figure


def _panel_kind(panel: pd.DataFrame) -> str:
    return "sobol" if panel["index"].isin(["S1", "ST"]).any() else "morris"


def _draw_panel(ax: Any, panel: pd.DataFrame, kind: str) -> None:
    """Horizontal bars per parameter (two indices side by side), intervals as error bars."""
    bars = _BARS[kind]
    params = list(dict.fromkeys(panel.loc[panel["index"] == bars[0][0], "parameter"]))
    y = np.arange(len(params))
    height = 0.38
    for k, (index, label, colour) in enumerate(bars):
        rows = panel[panel["index"] == index].set_index("parameter").reindex(params)
        conf = rows["conf"].to_numpy(dtype=float)
        ax.barh(
            y + (k - 0.5) * height,
            rows["value"].to_numpy(dtype=float),
            height=height,
            color=colour,
            label=label,
            # NaN half-widths (sigma, or a constant output) draw no error bar.
            xerr=np.where(np.isfinite(conf), conf, 0.0) if np.isfinite(conf).any() else None,
            error_kw={"ecolor": "black", "capsize": 3, "lw": 1},
        )
    ax.set_yticks(y, params)
    ax.invert_yaxis()
    ax.axvline(0.0, color="black", lw=0.8)
    ax.grid(axis="x", alpha=0.3)


def sensitivity_figure(table: pd.DataFrame, path: Path | str, *, dpi: int = 110) -> Path:
    """Bar chart of a sensitivity table: one panel per output (and arm), written as PNG.

    Sobol panels show S1 and ST side by side, Morris panels mu* with its interval and
    sigma; second-order indices are left to the table. Drawn on a figure of its own with
    the Agg canvas (no pyplot state), so the file depends on the table alone.

    Args:
        table: Rows of :func:`campaign_sensitivity` (``output`` and ``arm`` optional).
        path: The PNG to write (atomically).
        dpi: Resolution.

    Returns:
        ``path``.
    """
    table = table.copy()
    for col in ("output", "arm"):
        if col not in table.columns:
            table[col] = ""
    outputs = list(dict.fromkeys(table["output"]))
    arms = list(dict.fromkeys(table["arm"]))
    n_params = max(1, table.loc[table["index"] != "S2", "parameter"].nunique())
    fig = Figure(
        figsize=(5.2 * len(outputs), (1.4 + 0.55 * n_params) * len(arms) + 0.6),
        layout="constrained",
    )
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(arms), len(outputs), squeeze=False)
    kinds = set()
    for r, arm in enumerate(arms):
        for c, output in enumerate(outputs):
            ax = axes[r][c]
            panel = table[(table["output"] == output) & (table["arm"] == arm)]
            if panel.empty:
                ax.set_visible(False)
                continue
            kind = _panel_kind(panel)
            kinds.add(kind)
            _draw_panel(ax, panel, kind)
            ax.set_title(f"{output}\n{arm}" if arm else str(output), fontsize=10)
            ax.set_xlabel(
                "share of the output's variance"
                if kind == "sobol"
                else f"effect on {output or 'the output'} across a parameter's range"
            )
            if panel["value"].isna().all():
                ax.text(
                    0.5,
                    0.5,
                    "no index: the output did not vary",
                    ha="center",
                    va="center",
                    transform=ax.transAxes,
                    fontsize=9,
                    color="0.3",
                )
    # One legend for the figure, below the panels, so it never hides a bar.
    handles = {}
    for ax in axes.flat:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, h)
    fig.legend(
        handles.values(),
        handles.keys(),
        loc="outside lower center",
        ncols=len(handles),
        fontsize=9,
        frameon=False,
    )
    names = {"sobol": "Sobol indices", "morris": "Morris screening"}
    name = " and ".join(sorted(names[k] for k in kinds))
    fig.suptitle(f"{name} (error bars: bootstrap interval)", fontsize=11)
    return atomic_write(path, lambda p: fig.savefig(p, format="png", dpi=dpi))


# --------------------------------------------------------------------------- folders


def analyse_folder(
    folder: Path | str,
    outputs: Sequence[str] | None = None,
    *,
    conf_level: float | None = None,
    resamples: int | None = None,
    figures: bool | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Compute a campaign folder's sensitivity indices and write them into the folder.

    Writes ``sensitivity.parquet``, ``sensitivity.csv`` and ``sensitivity.png``, each
    atomically.

    Args:
        folder: A campaign folder with ``campaign.yaml``, ``runs.parquet`` and
            ``design.parquet``.
        outputs: Metric columns (default ``campaign.analysis.outputs``).
        conf_level: Interval level (default ``campaign.analysis.conf_level``).
        resamples: Bootstrap resamples (default ``campaign.analysis.resamples``).
        figures: Whether to draw ``sensitivity.png`` (default
            ``campaign.analysis.figures``); without it a stale figure is removed.
        seed: Seed of the bootstrap.

    Returns:
        The table written (see :func:`campaign_sensitivity`).

    Raises:
        AnalysisError: for a folder, design or output that cannot be analysed.
        ConfigError: for a parameter spec in ``campaign.yaml`` that is not valid.
    """
    root = campaign_folder(folder)
    spec = read_spec(root)
    check_design(spec)  # before reading design.parquet, which a grid has not
    table = campaign_sensitivity(
        read_runs(root),
        read_design(root),
        spec,
        outputs,
        conf_level=conf_level,
        resamples=resamples,
        seed=seed,
    )
    write_parquet(root / TABLE, table)
    write_text(root / CSV_FILE, table.to_csv(index=False))
    analysis = spec.get("analysis") or {}
    if bool(analysis.get("figures", True)) if figures is None else figures:
        sensitivity_figure(table, root / FIGURE)
    else:
        (root / FIGURE).unlink(missing_ok=True)
    return table
