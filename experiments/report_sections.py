"""The comparison report's sections as blocks (text and tables; the figures are drawn apart).

Order: the decision table and its plain answer first, then the differences from the
baseline, the response to each varied key, the market and how to reproduce it, and the
full pairwise detail in a collapsible appendix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from experiments.report_analysis import (
    Cell,
    DecisionRow,
    Difference,
    Response,
)
from experiments.report_metrics import (
    ALPHA,
    LEVEL,
    Metric,
    Point,
    applicable,
    at_point,
    paired_samples,
    point_label,
)
from experiments.report_text import (
    MISSING,
    Block,
    difference_text,
    interval_text,
    metric_format,
    p_text,
)
from experiments.stats import MeanCI, mean_ci, paired_test, pairwise_comparisons, rank

DEFAULT_QUESTION = "Which pricing policy should a seller pick, and what does it cost customers?"

CRN_NOTE = (
    "Common random numbers: every policy runs on the same seeds, and the model draws the "
    "customers (valuations, demand, patience, arrival times, tactics), the products, the "
    "sellers' costs and the social graph from seed-derived random streams that do not depend "
    "on the pricing policy. For a given seed every policy therefore faces the same customers "
    "on the same graph, which is why policies are compared seed by seed (paired tests)."
)

BEST, EQUAL = "★", "≈"


def _column_name(m: Metric) -> str:
    unit = "" if m.unit in ("", "%") else f" ({m.unit})"
    return f"{m.label}{unit}" + ("" if m.higher_is_better else " ↓")


def _cell_text(cell: Cell | None, fmt: Any, bounds: tuple[float, float] | None = None) -> str:
    if cell is None:
        return MISSING
    mark = f" {BEST}" if cell.best else f" {EQUAL}" if cell.equal_to_best else ""
    ci = cell.ci
    if bounds is not None and math.isfinite(ci.low):
        # A t interval of a bounded quantity may overshoot its range: show the feasible part.
        ci = MeanCI(ci.mean, max(ci.low, bounds[0]), min(ci.high, bounds[1]), ci.n)
    return interval_text(ci, fmt) + mark


def formats(runs: pd.DataFrame, metrics: Sequence[Metric]) -> dict[str, Any]:
    """Metric name -> its number formatter (precision from all its values)."""
    return {m.name: metric_format(m, runs[m.name].to_numpy(dtype=float)) for m in metrics}


def decision_table(
    rows: Sequence[DecisionRow], metrics: Sequence[Metric], fmts: Mapping[str, Any]
) -> pd.DataFrame:
    """The decision table for display: the varied values, policy, one column per metric."""
    data = []
    for r in rows:
        line: dict[str, Any] = {f"`{k}`": v for k, v in r.point.items()}
        line["policy"] = r.policy
        for m in metrics:
            line[_column_name(m)] = _cell_text(r.cells.get(m.name), fmts[m.name], m.range)
        data.append(line)
    return pd.DataFrame(data)


def _table_notes(
    rows: Sequence[DecisionRow],
    metrics: Sequence[Metric],
    missing: Mapping[str, list[str]],
    seeds: Sequence[int],
    several: bool,
) -> list[Block]:
    text = (
        f"Mean over {len(seeds)} seeds with its {LEVEL:.0%} interval (Student t); ↓ lower is "
        "better."
    )
    if several:
        text += (
            f" {BEST} best in the column; {EQUAL} not significantly different from the best "
            f"(paired t-test on the same seeds, Holm-corrected across the comparisons with the "
            f"best, alpha {ALPHA})."
        )
    blocks: list[Block] = [("note", text)]
    # Every metric of the report, not only the table's: the vary answers and the appendix
    # leave the same policies out.
    # One note per set of policies, so a footnote does not repeat itself metric by metric.
    by_policies: dict[tuple[str, ...], list[str]] = {}
    for name, left_out in missing.items():
        by_policies.setdefault(tuple(left_out), []).append(f"`{name}`")
    for left_out, names in by_policies.items():
        verb = "does" if len(names) == 1 else "do"
        text = f"{', '.join(names)} {verb} not apply to {', '.join(left_out)} (no value in any "
        blocks.append(("note", text + "run): left out of their comparison."))
    partial = [
        m.name
        for m in metrics
        if m.name not in missing and any(m.name not in r.cells for r in rows)
    ]
    if partial:
        blocks.append(
            (
                "note",
                f"{MISSING}: no value at that grid point ("
                + ", ".join(f"`{n}`" for n in partial)
                + ").",
            )
        )
    return blocks


def _find(rows: Sequence[DecisionRow], policy: str, metric: str) -> Cell | None:
    return next((r.cells.get(metric) for r in rows if r.policy == policy), None)


def _value(rows: Sequence[DecisionRow], policy: str, metric: str, fmt: Any) -> str:
    cell = _find(rows, policy, metric)
    return MISSING if cell is None else interval_text(cell.ci, fmt)


def _best(rows: Sequence[DecisionRow], metric: str) -> str | None:
    return next((r.policy for r in rows if metric in r.cells and r.cells[metric].best), None)


def _answer(
    runs: pd.DataFrame,
    rows: Sequence[DecisionRow],
    diffs: Sequence[Difference],
    baseline: str,
    seeds: Sequence[int],
    fmts: Mapping[str, Any],
) -> list[str]:
    """Plain sentences for one grid point: the profit pick and what it costs customers."""
    winner = _best(rows, "seller_profit")
    if winner is None:
        return []
    fp, fc = fmts["seller_profit"], fmts.get("consumer_surplus")
    ties = [
        r.policy
        for r in rows
        if "seller_profit" in r.cells and r.cells["seller_profit"].equal_to_best
    ]
    out = [
        f"For seller profit, pick **{winner}**: {_value(rows, winner, 'seller_profit', fp)} "
        "price units per run"
        + (f" ({', '.join(ties)} not clearly worse)." if ties else ", clearly ahead of the rest.")
    ]
    if fc is None:
        return out
    cs = next((d for d in diffs if d.metric == "consumer_surplus" and d.policy == winner), None)
    carer = _best(rows, "consumer_surplus")
    if winner != baseline and cs is not None:
        r = cs.result
        verdict = "a clear difference" if r.clear else "not a clear difference"
        out.append(
            f"Against {baseline}, {winner} changes consumer surplus by "
            f"{difference_text(r.diff, r.low, r.high, fc)} per run ({verdict}, Holm)."
        )
    elif carer is not None and carer != winner:
        group = at_point(runs, rows[0].point)
        s = paired_samples(group, "consumer_surplus", [carer, winner], seeds)
        r = paired_test(s[carer], s[winner], LEVEL)
        out.append(
            f"{carer}, the best policy for customers, would give them "
            f"{difference_text(r.diff, r.low, r.high, fc)} more consumer surplus per run than "
            f"{winner} ({p_text(r.p)})."
        )
    if carer is not None:
        text = f"Best for customers: {carer} ({_value(rows, carer, 'consumer_surplus', fc)})"
        fair = _best(rows, "welfare")
        if fair is not None:
            fw = fmts["welfare"]
            text += (
                f"; best for welfare: {fair} ({interval_text(_find(rows, fair, 'welfare').ci, fw)})"
            )
        out.append(text + ".")
    return out


def _single_policy_answer(responses: Sequence[Response], fmts: Mapping[str, Any]) -> list[str]:
    out = []
    for r in responses:
        if r.metric.name not in ("seller_profit", "consumer_surplus"):
            continue
        t = r.trends[0]
        means = [c.mean for c in t.cis]
        i = rank(means, r.metric.higher_is_better).index(1)
        out.append(
            f"For {t.policy}, {r.metric.label} is {t.direction} in `{r.key}` and highest at "
            f"{r.key}={r.values[i]}: {interval_text(t.cis[i], fmts[r.metric.name])} per run."
        )
    return out


def decision_blocks(
    runs: pd.DataFrame,
    rows: Sequence[DecisionRow],
    metrics: Sequence[Metric],
    diffs: Sequence[Difference],
    responses: Sequence[Response],
    missing: Mapping[str, list[str]],
    *,
    policies: Sequence[str],
    seeds: Sequence[int],
    points: Sequence[Point],
    baseline: str,
    fmts: Mapping[str, Any],
) -> list[Block]:
    """The decision table, its notes and the plain answer under it."""
    blocks: list[Block] = [("table", (decision_table(rows, metrics, fmts), "decision-table"))]
    blocks += _table_notes(rows, metrics, missing, seeds, len(policies) > 1)
    sentences = []
    if len(policies) > 1:
        for pt in points:
            here = [r for r in rows if r.point == pt]
            at = [d for d in diffs if d.point == pt]
            said = _answer(runs, here, at, baseline, seeds, fmts)
            prefix = f"At {point_label(pt)}: " if pt else ""
            if said:
                sentences.append(prefix + " ".join(said))
    else:
        sentences = _single_policy_answer(responses, fmts)
    blocks += [("p", s) for s in sentences]
    return blocks


def differences_blocks(
    diffs: Sequence[Difference],
    metrics: Sequence[Metric],
    points: Sequence[Point],
    baseline: str,
    fmts: Mapping[str, Any],
) -> list[Block]:
    """The table of differences from the baseline (the figure is added by the caller)."""
    data = []
    for pt in points:
        for p in dict.fromkeys(d.policy for d in diffs if d.point == pt):
            line: dict[str, Any] = {f"`{k}`": v for k, v in pt.items()}
            line["policy"] = p
            for m in metrics:
                d = next(
                    (d for d in diffs if (d.point, d.metric, d.policy) == (pt, m.name, p)), None
                )
                r = d.result if d else None
                line[_column_name(m)] = (
                    MISSING
                    if r is None
                    else difference_text(r.diff, r.low, r.high, fmts[m.name])
                    + (" ✓" if r.clear else "")
                )
            data.append(line)
    return [
        (
            "p",
            f"Each policy minus {baseline} on the same seeds: mean difference with its "
            f"{LEVEL:.0%} interval; ✓ marks a clear difference (paired t-test, Holm across the "
            f"policies, alpha {ALPHA}).",
        ),
        ("table", pd.DataFrame(data)),
    ]


def _steps_text(r: Response, noisy: Sequence[int]) -> str:
    if not noisy:
        return ""
    if len(noisy) == len(r.values) - 1:
        return "; every step within noise"
    steps = ", ".join(f"{r.values[i]}→{r.values[i + 1]}" for i in noisy)
    return f"; within noise: {steps}"


def vary_blocks(
    key: str,
    responses: Sequence[Response],
    other_keys: Sequence[str],
    fmts: Mapping[str, Any],
) -> list[Block]:
    """How each metric responds to one varied key: table of trends and the flip sentences."""
    blocks: list[Block] = []
    if other_keys:
        blocks.append(
            (
                "note",
                "Averaged over "
                + ", ".join(f"`{k}`" for k in other_keys)
                + " within each seed (marginal).",
            )
        )
    data = []
    flips = []
    for r in responses:
        fmt = fmts[r.metric.name]
        for t in r.trends:
            line = {"metric": r.metric.label, "policy": t.policy}
            for v, ci in zip(r.values, t.cis, strict=True):
                line[f"{key}={v}"] = interval_text(ci, fmt)
            line["shape"] = t.direction + _steps_text(r, t.noisy_steps)
            data.append(line)
        if len(r.trends) > 1:
            if r.flip is not None:
                old = next(b for b in reversed(r.best[: r.flip]) if b is not None)
                verdict = "a clear change" if r.flip_clear else "not clear: within noise there"
                flips.append(
                    f"{r.metric.label}: the best policy changes from {old} to "
                    f"{r.best[r.flip]} at {key}={r.values[r.flip]} ({verdict})."
                )
            else:
                top = next((b for b in r.best if b is not None), None)
                flips.append(f"{r.metric.label}: {top} is best at every value.")
    blocks.append(
        (
            "note",
            f"Mean over seeds with its {LEVEL:.0%} interval at each value. Shape from the "
            "means; a step is within noise when the paired t-test between adjacent values "
            f"(same seeds, Holm across the steps) has p ≥ {ALPHA}.",
        )
    )
    blocks.append(("table", pd.DataFrame(data)))
    if flips:
        blocks.append(
            (
                "p",
                "Where the ranking flips (first value where the best policy by "
                "mean changes): " + " ".join(flips),
            )
        )
    return blocks


def appendix_blocks(
    runs: pd.DataFrame,
    metrics: Sequence[Metric],
    policies: Sequence[str],
    seeds: Sequence[int],
    points: Sequence[Point],
    fmts: Mapping[str, Any],
) -> list[Block]:
    """Every metric's table and every pairwise comparison (inside the collapsible appendix)."""
    blocks: list[Block] = [("details", "every metric and every pairwise comparison")]
    for m in metrics:
        blocks += [
            ("h3", f"{m.label[0].upper()}{m.label[1:]} (`{m.name}`)"),
            ("note", m.note[0].upper() + m.note[1:] + "."),
        ]
        data, words = [], []
        for pt in points:
            group = at_point(runs, pt)
            names = applicable(group, m.name, policies)
            samples = paired_samples(group, m.name, names, seeds)
            cis = {p: mean_ci(samples[p], LEVEL) for p in names}
            ranks = dict(
                zip(names, rank([cis[p].mean for p in names], m.higher_is_better), strict=True)
            )
            for p in sorted(names, key=ranks.__getitem__):
                line: dict[str, Any] = {f"`{k}`": v for k, v in pt.items()}
                line.update(
                    rank=ranks[p], policy=p, mean=interval_text(cis[p], fmts[m.name]), n=cis[p].n
                )
                data.append(line)
            if len(names) > 1 and len(seeds) > 1:
                words.append(_pairwise_text(samples, m, fmts[m.name], pt))
        blocks.append(("table", pd.DataFrame(data)))
        blocks += [("p", w) for w in words]
    blocks.append(("end_details", None))
    return blocks


def _pairwise_text(samples: Mapping[str, Any], m: Metric, fmt: Any, pt: Point) -> str:
    clear, unclear = [], []
    for r in pairwise_comparisons(samples, LEVEL, ALPHA):
        a, b, diff, low, high = r.a, r.b, r.diff, r.low, r.high
        if (diff < 0) == m.higher_is_better:
            a, b, diff, low, high = b, a, -diff, -high, -low
        numbers = f"{difference_text(diff, low, high, fmt)}, {p_text(r.p_adjusted)}"
        if r.clear:
            clear.append(f"{a} clearly better than {b} ({numbers})")
        else:
            unclear.append(f"{a} vs {b} not clear ({numbers})")
    head = f"At {point_label(pt)}: " if pt else ""
    return head + "; ".join(clear + unclear) + "."


def market_blocks(
    cfg: Mapping[str, Any],
    *,
    policies: Sequence[str],
    seeds: Sequence[int],
    vary: Mapping[str, Sequence[Any]],
    overrides: Sequence[str],
    command: str,
    mixes: Mapping[str, Any],
) -> list[Block]:
    """The market, the policies' seller mixes and how to reproduce the comparison."""
    net, co = cfg["network"], cfg["coalition"]
    text = (
        f"{cfg['customers']['n']:,} customers, {cfg['sellers']['n']} sellers, "
        f"{cfg['products']['n']} products, {cfg['steps']} steps; network `{net['kind']}` "
        f"(average degree {net['avg_degree']:g}); coalitions `{co['algorithm']}` "
        f"(max size {co['max_size']}, division `{co['division']}`); negotiation "
        f"`{cfg['negotiation']['protocol']}`. Seeds {', '.join(map(str, seeds))} "
        f"({len(seeds)} per policy and grid point)."
    )
    text += (
        " Market overrides: " + ", ".join(f"`{o}`" for o in overrides) + "."
        if overrides
        else " Market: the defaults of `configs/config.yaml`."
    )
    blocks: list[Block] = [("p", text)]
    for key, values in vary.items():
        blocks.append(
            (
                "p",
                f"Varied: `{key}` over {', '.join(map(str, values))} (the "
                "description above shows the first value).",
            )
        )
    blocks.append(("p", CRN_NOTE))
    frame = pd.DataFrame(
        {"policy": list(policies), "seller mix (pricing.mix)": [mixes.get(p, "") for p in policies]}
    )
    blocks += [
        ("table", frame),
        ("p", f"Command: `{command}`"),
        (
            "p",
            "Every row of `runs.parquet` carries the exact command that reproduces that run "
            "in its column `command`.",
        ),
    ]
    return blocks
