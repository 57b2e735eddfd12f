"""The README's scenario paragraphs, written from each scenario's comparison folder.

Each scenario of ``configs/scenario/`` is run as
``python -m experiments.compare_policies +scenario=NAME jobs=2`` (see
:mod:`experiments.readme.__main__`); its folder holds ``runs.parquet`` (one row per policy,
varied value and seed) and, for markets of mixed sellers, ``sellers.parquet``. A template
here turns those tables into the paragraph: every number is a mean over seeds computed
here, and every qualitative claim ("nothing changes", "peaks at", "coincide exactly",
"below the posted price", "within noise") is decided from the same numbers, with a phrasing
for each outcome. Templates return one unwrapped paragraph.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from experiments.readme.numbers import (
    change,
    count,
    from_to,
    means,
    money,
    monotone,
    one_decimal,
    percent,
    percent1,
    plateau_start,
    price,
    ratio,
    seconds,
    signed,
    significant,
    value,
)
from experiments.report_metrics import ALPHA, LEVEL
from experiments.stats import paired_test
from sim.config import CONFIG_DIR

OUTCOME_COLUMNS = (
    "deals",
    "units_sold",
    "buyers_served",
    "consumer_surplus",
    "seller_profit",
    "welfare",
    "mean_price",
    "coalitions_formed",
)
"""Summary columns compared when checking that two policies gave identical runs."""

LARGE_COST = 0.10
"""A loss of consumer surplus above this share is called large (privacy)."""

PRICED_OUT_SHARE = 0.25
"""A seller policy selling less than this share of units is called priced out (archetypes)."""

MODEST_EFFECT = 0.25
"""A relative change of profit below this is called modest (archetypes)."""

BARELY = 0.02
"""A relative spread of profit below this is called barely affected (backlash)."""


@dataclass
class ScenarioData:
    """A scenario's results as the templates read them.

    Attributes:
        name: The scenario (``configs/scenario/NAME.yaml``).
        runs: Its ``runs.parquet``.
        vary_key: The varied key (a column of ``runs``).
        values: The varied values, in the scenario's order.
        wall_s: Measured wall time of the command (s).
        jobs: Processes the command used.
        sellers: Its ``sellers.parquet`` (per run, step and seller), if written.
    """

    name: str
    runs: pd.DataFrame
    vary_key: str
    values: list[Any]
    wall_s: float = math.nan
    jobs: int = 2
    sellers: pd.DataFrame | None = None

    @property
    def seeds(self) -> int:
        """Seeds per policy and value."""
        return int(self.runs["seed"].nunique())

    @property
    def steps(self) -> int:
        """Steps per run."""
        return int(self.runs["steps"].iloc[0])

    def mean(self, metric: str, policy: str | Sequence[str]) -> pd.Series:
        """Mean over seeds of ``metric`` per varied value, for one policy or several pooled."""
        return means(self.runs, metric, vary_key=self.vary_key, values=self.values, policy=policy)

    def setup(self) -> str:
        """``5 seeds; about 30 s with `jobs=2``` (the command's measured wall time)."""
        seeds = f"{self.seeds} seed" + ("" if self.seeds == 1 else "s")
        return f"{seeds}; about {seconds(self.wall_s)} with `jobs={self.jobs}`"

    def command(self) -> str:
        """The scenario's command, as the README shows it."""
        return f"`python -m experiments.compare_policies +scenario={self.name}`"

    def first(self) -> str:
        """The first varied value, as written."""
        return value(self.values[0])

    def last(self) -> str:
        """The last varied value, as written."""
        return value(self.values[-1])


def scenario_spec(name: str) -> dict[str, Any]:
    """The scenario file ``configs/scenario/NAME.yaml`` as plain data."""
    path = Path(CONFIG_DIR) / "scenario" / f"{name}.yaml"
    return OmegaConf.to_container(OmegaConf.load(path), resolve=True)


def load(folder: Path, name: str, wall_s: float = math.nan, jobs: int = 2) -> ScenarioData:
    """Read a scenario's comparison folder (``runs.parquet``; ``sellers.parquet`` if any)."""
    vary = scenario_spec(name)["vary"]
    sellers_path = folder / "sellers.parquet"
    return ScenarioData(
        name=name,
        runs=pd.read_parquet(folder / "runs.parquet"),
        vary_key=vary["key"],
        values=list(vary["values"]),
        wall_s=wall_s,
        jobs=jobs,
        sellers=pd.read_parquet(sellers_path) if sellers_path.is_file() else None,
    )


def identical(runs: pd.DataFrame, key: str, at: Any, a: str, b: str) -> bool:
    """Whether policies ``a`` and ``b`` gave the same outcomes on every seed at ``key=at``."""
    part = runs[runs[key] == at]
    cols = [c for c in OUTCOME_COLUMNS if c in part]
    left = part[part["policy"] == a].set_index("seed")[cols].sort_index()
    right = part[part["policy"] == b].set_index("seed")[cols].sort_index()
    return len(left) > 0 and left.equals(right)


def _between(x: pd.Series, a: pd.Series, b: pd.Series) -> str:
    """Where ``x`` lies against ``a`` and ``b`` at every value: in between, below, above."""
    low = np.minimum(a.to_numpy(), b.to_numpy())
    high = np.maximum(a.to_numpy(), b.to_numpy())
    v = x.to_numpy()
    if ((v >= low) & (v <= high)).all():
        return "sit in between"
    if (v < low).all():
        return "give consumers less than either"
    if (v > high).all():
        return "give consumers more than either"
    return "cross the other two"


def top_range(d: ScenarioData, metric: str, policy: str) -> tuple[int, int, int]:
    """Where ``metric`` is highest: ``(first, best, last)`` indices of the varied values.

    ``best`` has the highest mean over seeds; the range extends over the neighbouring
    values, on either side, whose runs are not clearly below it (paired t-test on the same
    seeds, p >= :data:`~experiments.report_metrics.ALPHA`), so a peak within noise is
    reported as a range. With fewer than two seeds the range is the best value alone.
    """
    m = d.mean(metric, policy)
    best = int(np.nanargmax(m.to_numpy()))
    rows = d.runs[d.runs["policy"] == policy]
    by_value = {
        i: rows[rows[d.vary_key] == v].set_index("seed")[metric] for i, v in enumerate(d.values)
    }

    def tied(i: int) -> bool:
        if d.seeds < 2:
            return False
        x, y = by_value[best].align(by_value[i], join="inner")
        test = paired_test(x.to_numpy(float), y.to_numpy(float), LEVEL)
        return not (math.isfinite(test.p) and test.p < ALPHA)

    lo = best
    while lo > 0 and tied(lo - 1):
        lo -= 1
    hi = best
    while hi < len(d.values) - 1 and tied(hi + 1):
        hi += 1
    return lo, best, hi


# --------------------------------------------------------------------------- the templates


def one_to_many_vs_crowd(d: ScenarioData) -> str:
    """Posted price vs volume discounts vs negotiated group deals as coalitions may grow."""
    posted_share = d.mean("coalition_buyers_share", "posted")
    posted_cs = d.mean("consumer_surplus", "posted")
    posted_profit = d.mean("seller_profit", "posted")
    groups = (
        "no group forms"
        if (posted_share == 0).all()
        else f"{percent(posted_share.mean())} of purchases are made in groups"
    )
    if posted_cs.map(money).nunique() == 1 and posted_profit.map(money).nunique() == 1:
        posted = f"under a posted price {groups} and nothing changes"
    else:
        cs_move = from_to(posted_cs.iloc[0], posted_cs.iloc[-1], money)
        posted = f"under a posted price {groups} and consumer surplus {cs_move}"
    vd_cs = d.mean("consumer_surplus", "volume_discount")
    vd_profit = d.mean("seller_profit", "volume_discount")
    verb, a, b = change(vd_cs.iloc[0], vd_cs.iloc[-1], money)
    if a == b:
        vd = f"with volume discounts consumer surplus stays at {a} whatever the limit"
    else:
        top = plateau_start(list(vd_cs), money)
        label = (
            f"{value(d.values[top])}+"
            if top < len(d.values) - 1
            else f"groups of at most {d.last()}"
        )
        vd = (
            f"with volume discounts consumer surplus {verb} from {a} (groups of at most "
            f"{d.first()}) to {b} ({label})"
        )
    profit = from_to(vd_profit.iloc[0], vd_profit.iloc[-1], money)
    neg_cs = d.mean("consumer_surplus", "negotiated")
    where = _between(neg_cs, posted_cs, vd_cs)
    neg = (
        f"negotiated group deals {where} (surplus {money(neg_cs.iloc[0])} → "
        f"{money(neg_cs.iloc[-1])})"
    )
    return (
        f"{d.command()} compares `posted`, `volume_discount` and `negotiated` while the "
        f"largest allowed coalition grows from {d.first()} to {d.last()} members ({d.setup()}). "
        f"Measured (means over seeds): {posted}; {vd} while seller profit {profit}; {neg}."
    )


def personalisation_and_privacy(d: ScenarioData) -> str:
    """How much of personalisation's margin survives as customers hide their data."""
    pp = d.mean("seller_profit", "personalised")
    po = d.mean("seller_profit", "posted")
    sp = d.mean("buyers_served_share", "personalised")
    so = d.mean("buyers_served_share", "posted")
    cp = d.mean("consumer_surplus", "personalised")
    co = d.mean("consumer_surplus", "posted")
    verb, _, _ = change(po.iloc[0], pp.iloc[0], money, up="earn", down="earn only", same="earn")
    more, _, _ = change(so.iloc[0], sp.iloc[0], percent, up="more", down="fewer", same="as many")
    loss = (co.iloc[0] - cp.iloc[0]) / abs(co.iloc[0]) if co.iloc[0] else 0.0
    if loss > LARGE_COST:
        cost = "at a large cost in consumer surplus"
    elif loss > 0:
        cost = "at a small cost in consumer surplus"
    else:
        cost = "and consumers lose nothing"
    cost += f" ({money(cp.iloc[0])} against {money(co.iloc[0])})"
    margin = pp - po
    shrink = f"{money(margin.iloc[0])} → {money(margin.iloc[-1])}"
    if monotone(list(margin), -1, money):
        steps = "every step of privacy takes part of the margin away"
    elif margin.iloc[-1] < margin.iloc[0]:
        steps = f"privacy takes the margin away, though not at every step ({shrink})"
    else:
        steps = f"privacy does not take the margin away ({shrink})"
    if identical(d.runs, d.vary_key, d.values[-1], "personalised", "posted"):
        tail = (
            f"until at a privacy share of {d.last()} the two policies coincide exactly "
            "(common random numbers make them identical)"
        )
    else:
        tail = (
            f"and at a privacy share of {d.last()} the two policies still differ (profit "
            f"{money(pp.iloc[-1])} against {money(po.iloc[-1])})"
        )
    return (
        f"{d.command()} compares `personalised` with `posted` as the share of customers "
        f"hiding their data rises from {d.first()} to {d.last()} ({d.setup()}). With "
        f"everyone readable, personalised prices {verb} {money(pp.iloc[0])} against "
        f"{money(po.iloc[0])} for the posted price, and serve {more} customers "
        f"({percent(sp.iloc[0])} vs {percent(so.iloc[0])}), {cost}; {steps}, {tail}."
    )


def threshold_deals(d: ScenarioData) -> str:
    """Threshold deals: campaign success rate and surplus as the minimum quantity rises."""
    vals = d.values
    rate = d.mean("coalition_success_rate", "threshold")
    cs = d.mean("consumer_surplus", "threshold")
    verb, a, b = change(rate.iloc[0], rate.iloc[-1], ratio)
    if a == b:
        rate_text = f"The campaign success rate stays at {a} from {d.first()} to {d.last()} units"
    else:
        mid = len(vals) // 2
        m = rate.iloc[mid]
        between = 0 < mid < len(vals) - 1 and min(rate.iloc[0], rate.iloc[-1]) <= m
        between = between and m <= max(rate.iloc[0], rate.iloc[-1])
        if between:
            rate_text = (
                f"The campaign success rate {verb} from {a} ({d.first()} units) to "
                f"{ratio(m)} ({value(vals[mid])}) and {b} ({d.last()})"
            )
        elif 0 < mid < len(vals) - 1:
            rate_text = (
                f"The campaign success rate is {a} at {d.first()} units, {ratio(m)} at "
                f"{value(vals[mid])} and {b} at {d.last()}"
            )
        else:
            rate_text = f"The campaign success rate {verb} from {a} ({d.first()} units) to {b}"
    lo, best, hi = top_range(d, "consumer_surplus", "threshold")
    others = [f"{money(cs.iloc[0])} at {d.first()}"] if lo > 0 else []
    if hi < len(vals) - 1:
        others.append(f"{money(cs.iloc[-1])} at {d.last()}")
    against = f", against {' and '.join(others)}" if others else ""
    if lo < hi:
        plateau = cs.iloc[lo : hi + 1]
        peak = (
            f"consumer surplus is highest, within noise, for minimums of {value(vals[lo])} "
            f"to {value(vals[hi])} units ({money(plateau.min())}–{money(plateau.max())}"
            f"{against})"
        )
    elif best == 0:
        peak = f"consumer surplus is highest at the lowest minimum, {d.first()} units"
    elif best == len(vals) - 1:
        peak = f"consumer surplus is highest at the highest minimum, {d.last()} units"
    else:
        peak = f"consumer surplus peaks at a minimum of {value(vals[best])} units"
    if lo == hi:
        peak += f" ({money(cs.iloc[best])}{against})"
    return (
        f"{d.command()} sweeps the minimum quantity of threshold deals from {d.first()} to "
        f"{d.last()} units (pledge campaigns, {d.setup()}). {rate_text}; {peak}."
    )


def auctions(d: ScenarioData) -> str:
    """First- vs second-price reverse auctions as more sellers compete."""
    second, first = "reverse_auction", "reverse_auction_first"
    paid = d.mean("mean_price_coalition", [second, first])
    verb, a, b = change(paid.iloc[0], paid.iloc[-1], price)
    move = (
        f"stays at {a} from {d.first()} to {d.last()} sellers"
        if a == b
        else f"{verb} from {a} ({d.first()} sellers) to {b} ({d.last()})"
    )
    diffs, clear, pooled = [], [], []
    for v in d.values:
        part = d.runs[d.runs[d.vary_key] == v]
        x = part[part["policy"] == first].set_index("seed")["mean_price_coalition"]
        y = part[part["policy"] == second].set_index("seed")["mean_price_coalition"]
        x, y = x.align(y, join="inner")
        test = paired_test(x.to_numpy(float), y.to_numpy(float), LEVEL)
        diffs.append(test.diff)
        gaps = (x - y).to_numpy(float)
        pooled.extend(gaps[np.isfinite(gaps)].tolist())
        if math.isfinite(test.p) and test.p < ALPHA:
            clear.append(value(v))
    sd = float(np.std(pooled, ddof=1)) if len(pooled) > 1 else math.nan
    span = (
        f"mean paired difference between {signed(min(diffs))} and {signed(max(diffs))}, "
        f"standard deviation about {significant(sd)}"
    )
    if d.seeds < 2:
        verdict = f"one seed cannot tell the two formats apart ({span})"
    elif not clear:
        verdict = (
            "the two formats give the same price within noise at every size "
            f"({span}), as revenue equivalence predicts"
        )
    else:
        verdict = (
            f"the two formats' prices differ clearly (paired t-test, p < {ALPHA}) with "
            f"{', '.join(clear)} sellers ({span}), which revenue equivalence does not predict"
        )
    return (
        f"{d.command()} runs coalitions' tenders under both formats with {d.first()} to "
        f"{d.last()} competing sellers (each selling every product; {d.setup()}). The price "
        f"coalitions pay {move}; {verdict}."
    )


def unit_shares(sellers: pd.DataFrame, key: str, lo: int, hi: int) -> pd.DataFrame:
    """Each seller policy's share of units sold in steps ``[lo, hi)``, per run.

    Returns:
        Columns ``key, seed, policy, share`` (one row per varied value, seed and policy).
    """
    window = sellers[(sellers["step"] >= lo) & (sellers["step"] < hi)]
    units = window.groupby([key, "seed", "policy"])["units_sold"].sum()
    total = units.groupby(level=[0, 1]).transform("sum")
    return (units / total).rename("share").reset_index()


def _share_of(shares: pd.DataFrame, policy: str, key: str | None = None, at: Any = None) -> float:
    rows = shares[shares["policy"] == policy]
    if key is not None:
        rows = rows[rows[key] == at]
    return float(rows["share"].mean())


def archetypes(d: ScenarioData) -> str:
    """Customer-first vs short-term sellers over a long horizon, with and without reviews."""
    if d.sellers is None or not len(d.sellers):
        raise ValueError("archetypes: sellers.parquet is missing or empty")
    key, steps, sellers = d.vary_key, d.steps, d.sellers
    good, bad = "customer_first", "short_term"
    third = steps // 3
    early = unit_shares(sellers, key, 0, third)
    late = unit_shares(sellers, key, steps - third, steps + 1)
    whole = unit_shares(sellers, key, 0, steps + 1)
    verb, a, b = change(_share_of(early, good), _share_of(late, good), percent)
    share_text = (
        f"stays at ~{a} from the first {third} steps to the last"
        if a == b
        else f"{verb} from ~{a} (first {third} steps) to ~{b} (after step {steps - third})"
    )
    profit = sellers.groupby([key, "seed", "policy"])["profit"].sum().reset_index()
    p_good = float(profit[profit["policy"] == good]["profit"].mean())
    p_bad = float(profit[profit["policy"] == bad]["profit"].mean())
    times = p_good / p_bad if p_bad > 0 else math.inf
    if math.isfinite(times) and times >= 1.5:
        earn = f"they earn ~{round(times):,}× the short-term sellers' cumulative profit"
    else:
        earn = f"they earn {money(p_good)} against the short-term sellers' {money(p_bad)}"
    off, on = d.values[0], d.values[-1]
    bad_profit = profit[profit["policy"] == bad].groupby(key)["profit"].mean()
    ls_on, ls_off = _share_of(late, bad, key, on), _share_of(late, bad, key, off)
    pr_on, pr_off = float(bad_profit.get(on, math.nan)), float(bad_profit.get(off, math.nan))
    less_share, less_profit = ls_on < ls_off, pr_on < pr_off
    if less_share == less_profit:
        keeps = "keeps less" if less_share else "keeps more"
    else:
        keeps = (
            f"keeps a {'smaller' if less_share else 'larger'} late share but "
            f"{'less' if less_profit else 'more'} profit"
        )
    reviews = (
        f"with reviews spreading the short-term seller {keeps} ({percent1(ls_on)} late share "
        f"and {money(pr_on)} profit, against {percent1(ls_off)} and {money(pr_off)} without "
        "reviews)"
    )
    own = _share_of(whole, bad, key, off)
    effect = (pr_on - pr_off) / pr_off if pr_off else math.nan
    effect_text = signed(100 * effect, 0) + "%"
    if own < PRICED_OUT_SHARE and abs(effect) < MODEST_EFFECT:
        close = (
            "In this market the short-term seller is already priced out by its own margin "
            f"({percent(own)} of units without reviews), so the effect of reviews is modest "
            f"({effect_text} profit)."
        )
    elif own < PRICED_OUT_SHARE:
        close = (
            "The short-term seller is priced out by its own margin "
            f"({percent(own)} of units without reviews), and reviews still change its "
            f"profit by {effect_text}."
        )
    else:
        close = (
            f"The short-term seller sells {percent(own)} of units without reviews; reviews "
            f"change its profit by {effect_text}."
        )
    settings = " vs ".join(value(v) for v in d.values)
    return (
        f"{d.command()} runs both archetypes in one market for {steps} steps with repeat "
        f"demand, with and without reviews (`{key}` {settings}; {d.setup()}). The "
        f"customer-first sellers' share of units {share_text} and {earn}; {reviews}. {close}"
    )


def personalisation_backlash(d: ScenarioData) -> str:
    """Personalised pricing as price visibility rises: when outrage erases the margin."""
    vals = d.values
    pp = d.mean("seller_profit", "personalised")
    po = d.mean("seller_profit", "posted")
    cascades = d.mean("outrage_cascades", "personalised")
    earns, _, _ = change(po.iloc[0], pp.iloc[0], money, up="earns", down="earns only", same="earns")
    below = [i for i in range(1, len(vals)) if pp.iloc[i] < po.iloc[i]]
    i = below[0] if below else 1
    why = (
        f"(customers who see neighbours pay less: lower warmth, bad reviews, outrage — "
        f"{count(cascades.iloc[i])} cascades instead of {count(cascades.iloc[0])} — and "
        "boycotts)"
    )
    if below:
        already = "already " if i == 1 else ""
        backlash = (
            f"{already}at a visibility of {value(vals[i])} the backlash {why} brings it down "
            f"to {money(pp.iloc[i])}, below the posted price"
        )
    else:
        backlash = (
            f"at a visibility of {value(vals[i])} the backlash {why} brings it to "
            f"{money(pp.iloc[i])}, still above the posted price ({money(po.iloc[i])})"
        )
    if i < len(vals) - 1:
        backlash += f", and to {money(pp.iloc[-1])} at full visibility"
    spread = (po.max() - po.min()) / abs(po.mean()) if po.mean() else math.inf
    if po.map(money).nunique() == 1:
        posted = "while the posted seller is unaffected (everyone pays the same)"
    elif spread < BARELY:
        posted = (
            "while the posted seller is barely affected (everyone pays the same; its profit "
            f"stays between {money(po.min())} and {money(po.max())})"
        )
    else:
        posted = f"while the posted seller's profit {from_to(po.iloc[0], po.iloc[-1], money)}"
    return (
        f"{d.command()} compares `personalised` and `posted` as `{d.vary_key}` rises from "
        f"{d.first()} to {d.last()} ({d.steps} steps, repeat demand; {d.setup()}). Without "
        f"visibility personalised pricing {earns} {money(pp.iloc[0])} against "
        f"{money(po.iloc[0])} for the posted price; {backlash}, {posted}."
    )


def viral_coalitions(d: ScenarioData) -> str:
    """Word of mouth: forwarding probability vs coalition size, speed and group share."""
    size = d.mean("mean_coalition_size", "volume_discount")
    speed = d.mean("coalition_time_to_buy", "volume_discount")
    share = d.mean("coalition_buyers_share", "volume_discount")
    grow = from_to(
        size.iloc[0], size.iloc[-1], one_decimal, up="grow", down="shrink", same="stay at"
    )
    verb, a, b = change(speed.iloc[0], speed.iloc[-1], one_decimal)
    fast = {"falls": "form faster", "rises": "form more slowly", "stays at": "form as fast"}[verb]
    return (
        f"{d.command()} (add `network=scale_free` or `network=communities` to compare graph "
        f"families) sweeps the forwarding probability from {d.first()} to {d.last()} "
        f"({d.setup()}). Buying coalitions {grow} members on average, {fast} ({a} → {b} "
        f"steps from founding to purchase), and the share of purchases made in groups "
        f"{from_to(share.iloc[0], share.iloc[-1], percent)}."
    )


TEMPLATES: dict[str, Callable[[ScenarioData], str]] = {
    "one_to_many_vs_crowd": one_to_many_vs_crowd,
    "personalisation_and_privacy": personalisation_and_privacy,
    "threshold_deals": threshold_deals,
    "auctions": auctions,
    "archetypes": archetypes,
    "personalisation_backlash": personalisation_backlash,
    "viral_coalitions": viral_coalitions,
}
"""Scenario name -> its paragraph's template, in README order."""

FIGURES: dict[str, str] = {
    "one_to_many_vs_crowd": "differences.png",
    "personalisation_and_privacy": "differences.png",
    "threshold_deals": "mechanism_threshold_minimum.png",
    "auctions": "mechanism_auction_pair.png",
    "archetypes": "seller_trajectories.png",
    "personalisation_backlash": "mechanism_backlash.png",
    "viral_coalitions": "trend_coalition_forward_p.png",
}
"""Scenario name -> the report figure the README shows as ``docs/img/scenario_NAME.png``: its
mechanism figure, else the differences from the baseline, else the trend over the varied key."""
