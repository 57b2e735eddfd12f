"""The policy-comparison report: tables, plain-words comparisons, figures, Markdown and HTML.

:func:`write_report` turns the runs table (one row per run) and the timeseries table of
``experiments.compare_policies`` into ``report.md`` and ``report.html`` (same content) and,
optionally, three PNG figures. Statistics come from :mod:`experiments.stats`; every file is
written atomically.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.stats import mean_ci, pairwise_comparisons, rank
from sim.results import atomic_write, write_text

LEVEL = 0.95
ALPHA = 0.05

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


@dataclass(frozen=True)
class Metric:
    """A run-level figure compared across policies."""

    name: str
    label: str
    higher_is_better: bool = True
    note: str = ""


METRICS: tuple[Metric, ...] = (
    Metric("seller_profit", "seller profit", note="sum over sellers of (price - cost) x units"),
    Metric(
        "consumer_surplus",
        "consumer surplus",
        note="sum of (willingness to pay - price paid) x units, minus coordination costs",
    ),
    Metric("welfare", "welfare", note="consumer surplus + seller profit"),
    Metric("buyers_served_share", "share of customers served", note="customers who bought"),
    Metric(
        "mean_price",
        "mean price paid",
        higher_is_better=False,
        note="quantity-weighted mean unit price over all purchases (coalition and solo), "
        "from the run's deal log; lower is better for customers",
    ),
    Metric(
        "mean_price_coalition",
        "mean price paid by coalition members",
        higher_is_better=False,
        note="quantity-weighted mean unit price of coalition purchases (runs without any "
        "coalition purchase are left out)",
    ),
    Metric(
        "coalition_buyers_share",
        "coalition share of purchases",
        note="share of purchases made by coalition members",
    ),
    Metric(
        "mean_coalition_size",
        "mean size of buying coalitions",
        note="members served per coalition that bought (runs without any are left out)",
    ),
    Metric(
        "coalition_time_to_buy",
        "steps from founding to purchase",
        higher_is_better=False,
        note="mean steps between a coalition's founding and its purchase (how fast groups "
        "form; runs without any are left out)",
    ),
    Metric(
        "coalition_success_rate",
        "coalition success rate",
        note="coalitions (pledge campaigns, threshold deals) that bought, out of those closed "
        "(runs where no coalition closed are left out)",
    ),
)
"""Metrics of the report, in order. Higher is better except price."""

FIGURES = ("metrics_by_policy.png", "price_over_time.png", "profit_vs_surplus.png")

CRN_NOTE = (
    "Common random numbers: every policy runs on the same seeds, and the model draws the "
    "customers (valuations, demand, patience, arrival times, tactics), the products, the "
    "sellers' costs and the social graph "
    "from seed-derived random streams that do not depend on the pricing policy. For a given "
    "seed every policy therefore faces the same customers on the same graph, which is why "
    "policies are compared seed by seed (paired tests)."
)


# --------------------------------------------------------------------------- numbers


def _decimals(scale: float) -> int:
    if not math.isfinite(scale) or scale >= 100:
        return 0
    return 2 if scale >= 1 else 3


def number_format(values: Sequence[float]) -> Callable[[float], str]:
    """A formatter with precision suited to the magnitude of ``values`` (n/a for NaN)."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    digits = _decimals(float(np.median(finite)) if finite else math.nan)

    def fmt(x: float, signed: bool = False) -> str:
        if x is None or not math.isfinite(x):
            return "n/a"
        x = round(x, digits) + 0.0  # no "-0.000"
        return f"{x:+,.{digits}f}" if signed else f"{x:,.{digits}f}"

    return fmt


def p_text(p: float) -> str:
    """A p-value as ``p<0.001`` or ``p=0.042``."""
    if not math.isfinite(p):
        return "p n/a"
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


# --------------------------------------------------------------------------- tables


def _groups(
    runs: pd.DataFrame, vary_key: str | None, vary_values: Sequence[Any] | None
) -> list[tuple[Any, pd.DataFrame]]:
    """The runs split by vary value (a single group ``None`` without vary)."""
    if not vary_key:
        return [(None, runs)]
    return [(v, runs[runs[vary_key] == v]) for v in (vary_values or [])]


def _samples(
    group: pd.DataFrame, metric: str, policies: Sequence[str], seeds: int
) -> dict[str, np.ndarray]:
    """Per policy, the metric on seeds ``0..seeds-1`` (NaN where missing), aligned by seed."""
    out = {}
    for p in policies:
        rows = group[group["policy"] == p].set_index("seed")[metric]
        out[p] = rows.reindex(range(seeds)).to_numpy(dtype=float)
    return out


def metric_table(
    runs: pd.DataFrame,
    metric: Metric,
    policies: Sequence[str],
    seeds: int,
    vary_key: str | None = None,
    vary_values: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Per policy (and vary value): mean, CI bounds, n and rank, best first within a value.

    Returns:
        Columns ``[vary_key,] rank, policy, mean, ci_low, ci_high, n``.
    """
    rows = []
    for value, group in _groups(runs, vary_key, vary_values):
        samples = _samples(group, metric.name, policies, seeds)
        cis = {p: mean_ci(x, LEVEL) for p, x in samples.items()}
        ranks = rank([cis[p].mean for p in policies], metric.higher_is_better)
        block = []
        for p, r in zip(policies, ranks, strict=True):
            row: dict[str, Any] = {vary_key: value} if vary_key else {}
            ci = cis[p]
            row.update(rank=r, policy=p, mean=ci.mean, ci_low=ci.low, ci_high=ci.high, n=ci.n)
            block.append(row)
        rows.extend(sorted(block, key=lambda b: (b["rank"], policies.index(b["policy"]))))
    columns = [*([vary_key] if vary_key else []), "rank", "policy", "mean", "ci_low", "ci_high"]
    return pd.DataFrame(rows, columns=[*columns, "n"])


def comparison_text(
    group: pd.DataFrame,
    metric: Metric,
    policies: Sequence[str],
    seeds: int,
    fmt: Callable[..., str] | None = None,
) -> str:
    """Plain words on which policy differences are statistically clear for one metric.

    Paired t-tests on the same seeds, Holm-corrected across all pairs; a difference is clear
    when its adjusted p-value is below 0.05. Each clear pair is written better policy first.
    ``fmt`` formats the numbers (default: suited to the sample's magnitude).
    """
    if len(policies) < 2:
        return "Only one policy: nothing to compare."
    if seeds < 2:
        return "Paired tests need at least two seeds (seeds=K with K >= 2)."
    samples = _samples(group, metric.name, policies, seeds)
    fmt = fmt or number_format([v for x in samples.values() for v in x])
    clear, unclear = [], []
    for r in pairwise_comparisons(samples, LEVEL, ALPHA):
        a, b, diff, low, high = r.a, r.b, r.diff, r.low, r.high
        if r.clear and (diff < 0) == metric.higher_is_better:
            a, b, diff, low, high = b, a, -diff, -high, -low
        numbers = (
            f"{fmt(diff, signed=True)}, {LEVEL:.0%} CI [{fmt(low)}, {fmt(high)}], "
            f"{p_text(r.p_adjusted)}"
        )
        if r.clear:
            word = "higher" if diff > 0 else "lower"
            clear.append(f"{a} gives clearly {word} {metric.label} than {b} ({numbers})")
        else:
            unclear.append(f"{a} and {b} are not clearly different ({numbers})")
    return "; ".join(clear + unclear) + "."


# --------------------------------------------------------------------------- figures


def _pyplot() -> Any:
    """``matplotlib.pyplot`` on the non-interactive Agg backend (imported on first use)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _colour(i: int, n: int = 10) -> Any:
    """Colour of the ``i``-th of ``n`` policies (tab10, tab20 beyond ten policies)."""
    plt = _pyplot()
    return plt.get_cmap("tab10")(i % 10) if n <= 10 else plt.get_cmap("tab20")(i % 20)


def _save(fig: Any, path: Path) -> None:
    atomic_write(path, lambda p: fig.savefig(p, format="png", dpi=110))
    _pyplot().close(fig)


def _x_positions(values: Sequence[Any]) -> tuple[np.ndarray, bool]:
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    return (np.asarray(values, dtype=float) if numeric else np.arange(len(values))), numeric


def metrics_figure(
    tables: dict[str, pd.DataFrame],
    policies: Sequence[str],
    path: Path,
    vary_key: str | None = None,
    vary_values: Sequence[Any] | None = None,
) -> None:
    """One panel per metric: mean and 95% CI per policy (vs the varied value with CI bands)."""
    plt = _pyplot()
    metrics = [m for m in METRICS if m.name in tables]
    cols = 3
    rows = max(1, math.ceil(len(metrics) / cols))
    width = max(4.6, 0.5 * len(policies)) if not vary_key else 4.6
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, 3.8 * rows), squeeze=False)
    for ax in axes.flat[len(metrics) :]:
        ax.set_visible(False)
    for ax, m in zip(axes.flat, metrics, strict=False):
        t = tables[m.name]
        if vary_key:
            x, numeric = _x_positions(list(vary_values or []))
            for i, p in enumerate(policies):
                sub = t[t["policy"] == p].set_index(vary_key).reindex(list(vary_values or []))
                c = _colour(i, len(policies))
                ax.plot(x, sub["mean"], marker="o", color=c, label=p)
                ax.fill_between(x, sub["ci_low"], sub["ci_high"], color=c, alpha=0.2, lw=0)
            ax.set_xlabel(vary_key)
            if not numeric:
                ax.set_xticks(x, [str(v) for v in vary_values or []])
        else:
            sub = t.set_index("policy").reindex(list(policies))
            x = np.arange(len(policies))
            err = np.vstack([sub["mean"] - sub["ci_low"], sub["ci_high"] - sub["mean"]])
            for i in range(len(policies)):
                ax.errorbar(
                    x[i],
                    sub["mean"].iloc[i],
                    yerr=np.nan_to_num(err[:, i : i + 1]),
                    fmt="o",
                    capsize=5,
                    color=_colour(i, len(policies)),
                )
            ax.set_xticks(x, list(policies), rotation=20 if len(policies) <= 4 else 40, ha="right")
            ax.set_xlim(-0.6, len(policies) - 0.4)
        ax.set_title(m.label + (" (lower is better)" if not m.higher_is_better else ""))
        ax.grid(alpha=0.3)
    if vary_key and metrics:
        axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"Mean and {LEVEL:.0%} confidence interval over seeds")
    fig.tight_layout()
    _save(fig, path)


def price_figure(
    timeseries: pd.DataFrame,
    policies: Sequence[str],
    path: Path,
    vary_key: str | None = None,
    vary_values: Sequence[Any] | None = None,
) -> None:
    """Mean unit price paid per step and policy (mean over seeds): coalition and solo lines."""
    plt = _pyplot()
    from matplotlib.lines import Line2D

    values = list(vary_values or []) if vary_key else [None]
    cols = min(len(values), 3)
    rows = math.ceil(len(values) / cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(6 * cols + 2, 3.8 * rows),
        squeeze=False,
        sharey=True,
        layout="constrained",
    )
    for ax in axes.flat[len(values) :]:
        ax.set_visible(False)
    for ax, value in zip(axes.flat, values, strict=False):
        ts = timeseries if value is None else timeseries[timeseries[vary_key] == value]
        for i, p in enumerate(policies):
            by_step = (
                ts[ts["policy"] == p]
                .groupby("step")[["mean_price_coalition", "mean_price_solo"]]
                .mean()
            )
            c = _colour(i, len(policies))
            ax.plot(by_step.index, by_step["mean_price_coalition"], color=c)
            ax.plot(by_step.index, by_step["mean_price_solo"], color=c, ls="--")
        ax.set_xlabel("step")
        ax.set_ylabel("mean unit price paid")
        if value is not None:
            ax.set_title(f"{vary_key} = {value}")
        ax.grid(alpha=0.3)
    handles = [Line2D([], [], color=_colour(i, len(policies))) for i in range(len(policies))]
    handles += [Line2D([], [], color="grey"), Line2D([], [], color="grey", ls="--")]
    fig.legend(
        handles,
        [*policies, "coalition members", "solo buyers"],
        loc="outside right upper",
        fontsize=8,
    )
    fig.suptitle("Unit price paid per step (mean over seeds)")
    _save(fig, path)


def scatter_figure(
    runs: pd.DataFrame,
    policies: Sequence[str],
    path: Path,
    vary_key: str | None = None,
    vary_values: Sequence[Any] | None = None,
) -> None:
    """Seller profit against consumer surplus, one point per run, coloured by policy."""
    plt = _pyplot()
    markers = "osD^v<>Pph*X"
    fig, ax = plt.subplots(figsize=(9, 5.5), layout="constrained")
    values = list(vary_values or []) if vary_key else [None]
    for i, p in enumerate(policies):
        for j, value in enumerate(values):
            sub = runs[runs["policy"] == p]
            if value is not None:
                sub = sub[sub[vary_key] == value]
            label = p if value is None else f"{p}, {vary_key}={value}"
            ax.scatter(
                sub["consumer_surplus"],
                sub["seller_profit"],
                color=_colour(i, len(policies)),
                marker=markers[j % len(markers)],
                alpha=0.75,
                label=label,
            )
    ax.set_xlabel("consumer surplus")
    ax.set_ylabel("seller profit")
    ax.set_title("One point per run")
    ax.grid(alpha=0.3)
    fig.legend(loc="outside right upper", fontsize=7)
    _save(fig, path)


# --------------------------------------------------------------------------- rendering

Block = tuple[str, Any]
"""A report block: ("h1"|"h2"|"h3"|"p", text), ("table", DataFrame) or ("img", (file, alt))."""


def _md_table(frame: pd.DataFrame) -> str:
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|")

    head = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join([head, rule, *body])


def to_markdown(blocks: Sequence[Block]) -> str:
    """Render blocks as Markdown."""
    out = []
    for kind, content in blocks:
        if kind in ("h1", "h2", "h3"):
            out.append("#" * int(kind[1]) + " " + content)
        elif kind == "p":
            out.append(content)
        elif kind == "table":
            out.append(_md_table(content))
        elif kind == "img":
            out.append(f"![{content[1]}]({content[0]})")
    return "\n\n".join(out) + "\n"


def _inline_html(text: str) -> str:
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))


HTML_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.45; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1rem; }}
th, td {{ border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: right; }}
th {{ background: #f3f3f3; }}
code {{ background: #f3f3f3; padding: 0 0.2rem; }}
img {{ max-width: 100%; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""


def to_html(blocks: Sequence[Block], title: str) -> str:
    """Render blocks as a standalone HTML page (tables via ``DataFrame.to_html``)."""
    out = []
    for kind, content in blocks:
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{_inline_html(content)}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{_inline_html(content)}</p>")
        elif kind == "table":
            out.append(content.to_html(index=False, border=0, escape=True))
        elif kind == "img":
            src, alt = (html.escape(c) for c in content)
            out.append(f'<p><img src="{src}" alt="{alt}"></p>')
    return HTML_TEMPLATE.format(title=html.escape(title), body="\n".join(out))


# --------------------------------------------------------------------------- the report


def _display_table(
    table: pd.DataFrame, vary_key: str | None, fmt: Callable[..., str]
) -> pd.DataFrame:
    out = pd.DataFrame({"rank": table["rank"], "policy": table["policy"]})
    if vary_key:
        out.insert(0, vary_key, table[vary_key])
    out["mean"] = [fmt(v) for v in table["mean"]]
    out[f"{LEVEL:.0%} CI"] = [
        f"[{fmt(lo)}, {fmt(hi)}]" if math.isfinite(lo) else "n/a"
        for lo, hi in zip(table["ci_low"], table["ci_high"], strict=True)
    ]
    out["n"] = table["n"]
    return out


def _market_text(cfg: dict[str, Any], seeds: int, overrides: Sequence[str]) -> str:
    net, co = cfg["network"], cfg["coalition"]
    text = (
        f"{cfg['customers']['n']:,} customers, {cfg['sellers']['n']} sellers, "
        f"{cfg['products']['n']} products, {cfg['steps']} steps; network `{net['kind']}` "
        f"(average degree {net['avg_degree']:g}); coalitions `{co['algorithm']}` "
        f"(max size {co['max_size']}, division `{co['division']}`); negotiation "
        f"`{cfg['negotiation']['protocol']}`. Seeds 0..{seeds - 1} ({seeds} per policy)."
    )
    if overrides:
        text += " Market overrides: " + ", ".join(f"`{o}`" for o in overrides) + "."
    else:
        text += " Market: the defaults of `configs/config.yaml`."
    return text


def build_blocks(
    runs: pd.DataFrame,
    *,
    title: str,
    policies: Sequence[str],
    seeds: int,
    vary_key: str | None,
    vary_values: Sequence[Any] | None,
    market_config: dict[str, Any],
    market_overrides: Sequence[str],
    command: str,
    figures: bool,
) -> tuple[list[Block], dict[str, pd.DataFrame]]:
    """The report's content, plus the raw per-metric tables (for the figures)."""
    blocks: list[Block] = [("h1", title), ("h2", "Market")]
    blocks.append(("p", _market_text(market_config, seeds, market_overrides)))
    if vary_key:
        values = ", ".join(str(v) for v in vary_values or [])
        blocks.append(
            (
                "p",
                f"Varied: `{vary_key}` over {values} (the description above shows the first "
                "value); every policy runs at every value on the same seeds.",
            )
        )
    blocks.append(("p", CRN_NOTE))
    mixes = runs.drop_duplicates("policy").set_index("policy")
    policy_rows = pd.DataFrame(
        {
            "policy": list(policies),
            "seller mix (pricing.mix)": [
                mixes.loc[p, "pricing.mix"] if "pricing.mix" in mixes else "" for p in policies
            ],
        }
    )
    varied = [f"{vary_key}=VALUE"] if vary_key else []
    rerun = " ".join([*market_overrides, "pricing=NAME", *varied, "seed=S"])
    blocks += [
        ("h2", "Policies"),
        ("table", policy_rows),
        ("p", f"Command: `{command}`"),
        ("p", f"Any single run can be reproduced with `python -m sim.run {rerun}`."),
    ]
    blocks.append(
        (
            "p",
            f"Each table gives per policy the mean over seeds, its {LEVEL:.0%} confidence "
            "interval (Student t), the number of runs n and the rank (1 = best; higher is "
            "better except price). Differences are tested pairwise on the same seeds (paired "
            f"t-test) with Holm's correction across the pairs; a difference is called clear "
            f"when its adjusted p-value is below {ALPHA}. Numbers in brackets are the mean "
            f"difference with its {LEVEL:.0%} CI and the adjusted p-value.",
        )
    )
    tables: dict[str, pd.DataFrame] = {}
    for m in METRICS:
        if m.name not in runs or runs[m.name].isna().all():
            continue
        table = metric_table(runs, m, policies, seeds, vary_key, vary_values)
        tables[m.name] = table
        heading = f"{m.label[0].upper()}{m.label[1:]} (`{m.name}`)"
        blocks += [("h2", heading), ("p", m.note[0].upper() + m.note[1:] + ".")]
        fmt = number_format(runs[m.name].tolist())
        blocks.append(("table", _display_table(table, vary_key, fmt)))
        for value, group in _groups(runs, vary_key, vary_values):
            text = comparison_text(group, m, policies, seeds, fmt)
            blocks.append(("p", f"At `{vary_key}={value}`: {text}" if vary_key else text))
    if figures:
        blocks += [
            ("h2", "Figures"),
            ("img", ("metrics_by_policy.png", "metrics by policy with 95% CI")),
            ("img", ("price_over_time.png", "mean unit price paid per step")),
            ("img", ("profit_vs_surplus.png", "seller profit vs consumer surplus per run")),
        ]
    return blocks, tables


SELLER_FIGURE = "seller_trajectories.png"


def _mixed_markets(sellers: pd.DataFrame) -> bool:
    """Whether any run has sellers of more than one policy."""
    return bool((sellers.groupby(["policy_run", "seed"])["policy"].nunique() > 1).any())


def seller_trajectories_figure(
    sellers: pd.DataFrame,
    path: Path,
    vary_key: str | None = None,
    vary_values: Sequence[Any] | None = None,
) -> Path:
    """Market share and cumulative profit over time, by the sellers' own policy.

    One column per varied value (or one column); lines per seller policy, averaged over
    seeds (shares summed over the sellers of a policy within a run first).
    """
    plt = _pyplot()
    values = list(vary_values) if vary_key and vary_values is not None else [None]
    fig, axes = plt.subplots(
        2, len(values), figsize=(5 * len(values), 7), squeeze=False, constrained_layout=True
    )
    keys = ["policy_run", "seed", "step", "policy"] + ([vary_key] if vary_key else [])
    per = sellers.groupby(keys, dropna=False)[["market_share", "profit"]].sum().reset_index()
    for j, value in enumerate(values):
        part = per if value is None else per[per[vary_key] == value]
        for name, grp in part.groupby("policy"):
            share = grp.groupby("step")["market_share"].mean().rolling(5, min_periods=1).mean()
            profit = grp.sort_values("step").groupby(["policy_run", "seed"])["profit"].cumsum()
            cum = profit.groupby(grp.sort_values("step")["step"]).mean()
            axes[0, j].plot(share.index, share.to_numpy(), label=str(name))
            axes[1, j].plot(cum.index, cum.to_numpy(), label=str(name))
        head = "" if value is None else f"{vary_key} = {value}"
        axes[0, j].set(title=head, ylabel="market share (units)", xlabel="step")
        axes[1, j].set(ylabel="cumulative profit", xlabel="step")
        for ax in axes[:, j]:
            ax.grid(alpha=0.3)
            ax.legend(frameon=False, fontsize=8)
    atomic_write(path, lambda p: fig.savefig(p, dpi=90, format="png"))
    plt.close(fig)
    return path


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
