"""The comparison report's rendering: numbers in words, and blocks as Markdown or HTML.

A report is a list of blocks (headings, paragraphs, notes, tables, images and a collapsible
appendix); :func:`to_markdown` and :func:`to_html` render the same blocks as ``report.md``
and ``report.html``. The HTML is self-contained: images are embedded as ``data:`` URIs and
the style sheet is inline, so the page loads nothing from anywhere.
"""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from experiments.report_metrics import LEVEL, Metric
from experiments.stats import MeanCI

MISSING = "–"
"""What a table cell shows where a metric has no value (explained by a footnote)."""

Block = tuple[str, Any]
"""A report block: ``("h1"|"h2"|"h3"|"p"|"note", text)``, ``("table", DataFrame)`` or
``("table", (DataFrame, html_id))``, ``("img", (file, alt))``, ``("details", summary)`` to
open the collapsible appendix and ``("end_details", None)`` to close it."""


# --------------------------------------------------------------------------- numbers


def _decimals(scale: float) -> int:
    if not math.isfinite(scale) or scale >= 100:
        return 0
    return 1 if scale >= 10 else 2 if scale >= 1 else 3


def number_format(values: Sequence[float] | np.ndarray) -> Callable[..., str]:
    """A formatter with precision suited to the magnitude of ``values``."""
    finite = [abs(v) for v in np.asarray(values, dtype=float) if math.isfinite(v)]
    scale = float(np.median(finite)) if finite else math.nan
    # Mostly zeros (no boycott in most runs): take the precision from the largest value.
    digits = _decimals(scale if scale > 0 or not finite else max(finite))

    def fmt(x: float, signed: bool = False) -> str:
        if x is None or not math.isfinite(x):
            return MISSING
        x = round(x, digits) + 0.0  # no "-0.000"
        return f"{x:+,.{digits}f}" if signed else f"{x:,.{digits}f}"

    return fmt


def metric_format(metric: Metric, values: Sequence[float] | np.ndarray) -> Callable[..., str]:
    """A formatter for one metric's values: shares in percent, others by magnitude."""
    k = 100.0 if metric.unit == "%" else 1.0
    base = number_format(k * np.asarray(values, dtype=float))
    suffix = "%" if metric.unit == "%" else ""

    def fmt(x: float, signed: bool = False) -> str:
        text = base(k * x, signed)
        return text if text == MISSING else text + suffix

    return fmt


def interval_text(ci: MeanCI, fmt: Callable[..., str]) -> str:
    """``mean [low, high]`` (the mean alone when one run gives no interval)."""
    if not math.isfinite(ci.low):
        return fmt(ci.mean)
    return f"{fmt(ci.mean)} [{fmt(ci.low)}, {fmt(ci.high)}]"


def difference_text(diff: float, low: float, high: float, fmt: Callable[..., str]) -> str:
    """``+d [low, high]`` with the confidence level spelled out once by the caller."""
    if not math.isfinite(low):
        return fmt(diff, signed=True)
    return f"{fmt(diff, signed=True)} [{fmt(low, signed=True)}, {fmt(high, signed=True)}]"


def p_text(p: float) -> str:
    """A p-value as ``p<0.001`` or ``p=0.042`` (empty when no test was possible)."""
    if not math.isfinite(p):
        return "too few seeds to test"
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


LEVEL_TEXT = f"{LEVEL:.0%}"


# --------------------------------------------------------------------------- rendering


def _md_table(frame: pd.DataFrame) -> str:
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|")

    head = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join([head, rule, *body])


def _table(content: Any) -> tuple[pd.DataFrame, str | None]:
    return content if isinstance(content, tuple) else (content, None)


def to_markdown(blocks: Sequence[Block]) -> str:
    """Render blocks as Markdown (the appendix becomes a plain section at the end)."""
    out = []
    for kind, content in blocks:
        if kind in ("h1", "h2", "h3"):
            out.append("#" * int(kind[1]) + " " + content)
        elif kind == "p":
            out.append(content)
        elif kind == "note":
            out.append(f"<sub>{content}</sub>")
        elif kind == "table":
            out.append(_md_table(_table(content)[0]))
        elif kind == "img":
            out.append(f"![{content[1]}]({content[0]})")
        elif kind == "details":
            out.append(f"## Appendix: {content}")
    return "\n\n".join(out) + "\n"


def _inline_html(text: str) -> str:
    escaped = html.escape(text, quote=False)
    escaped = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


HTML_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 84rem; margin: 1rem auto;
       padding: 0 1rem; line-height: 1.4; color: #222; }}
h1 {{ font-size: 1.5rem; margin: 0.3rem 0; }}
p.question {{ font-size: 1.1rem; margin: 0.2rem 0 0.6rem; }}
table {{ border-collapse: collapse; margin: 0.4rem 0 0.8rem; font-size: 0.74rem; }}
th, td {{ border: 1px solid #ccc; padding: 0.1rem 0.3rem; text-align: right; }}
td {{ white-space: nowrap; }}
th code {{ word-break: break-all; }}
th {{ background: #f3f3f3; }}
td:first-child, th:first-child {{ text-align: left; }}
code {{ background: #f3f3f3; padding: 0 0.2rem; }}
.note {{ font-size: 0.85rem; color: #555; }}
img {{ max-width: 100%; }}
details {{ margin-top: 2rem; }}
summary {{ font-weight: bold; cursor: pointer; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""


def _img_tag(name: str, alt: str, images: Mapping[str, bytes]) -> str:
    data = base64.b64encode(images[name]).decode("ascii")
    return f'<p><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}"></p>'


def to_html(blocks: Sequence[Block], title: str, images: Mapping[str, bytes]) -> str:
    """Render blocks as one self-contained HTML page.

    Args:
        blocks: The report.
        title: The page title.
        images: File name -> PNG bytes of every image block (embedded as ``data:`` URIs).
    """
    out = []
    first_p = True
    for kind, content in blocks:
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{_inline_html(content)}</{kind}>")
        elif kind == "p":
            cls = ' class="question"' if first_p else ""
            first_p = False
            out.append(f"<p{cls}>{_inline_html(content)}</p>")
        elif kind == "note":
            out.append(f'<p class="note">{_inline_html(content)}</p>')
        elif kind == "table":
            frame, table_id = _table(content)
            table = frame.to_html(index=False, border=0, escape=True, table_id=table_id)
            # pandas has escaped the cells; only the Markdown code spans are left to turn.
            out.append(re.sub(r"`([^`]+)`", r"<code>\1</code>", table))
        elif kind == "img":
            out.append(_img_tag(content[0], content[1], images))
        elif kind == "details":
            out.append(f"<details><summary>{_inline_html(content)}</summary>")
        elif kind == "end_details":
            out.append("</details>")
    return HTML_TEMPLATE.format(title=html.escape(title), body="\n".join(out))
