"""The comparison report's text: numbers in words, the content blocks, Markdown and HTML.

:func:`build_blocks` lays the report out as a list of blocks (headings, paragraphs, tables
and images); :func:`to_markdown` and :func:`to_html` render the same blocks as
``report.md`` and ``report.html``.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from experiments.report_metrics import (
    ALPHA,
    LEVEL,
    METRICS,
    Metric,
    metric_table,
    paired_samples,
    runs_by_value,
)
from experiments.stats import pairwise_comparisons

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
    samples = paired_samples(group, metric.name, policies, seeds)
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
        for value, group in runs_by_value(runs, vary_key, vary_values):
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
