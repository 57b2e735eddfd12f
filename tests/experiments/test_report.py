"""The comparison report from synthetic tables: marks, footnotes, vary answers, HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pytest

from experiments.report import write_report
from experiments.stats import holm, paired_test
from tests.experiments.report_fixture import BASE, MARKET, synthetic

PROFIT = "seller profit"


def report(tmp_path, runs, ts, policies, seeds, **kw):
    kw.setdefault("figures", False)
    write_report(
        tmp_path,
        runs,
        ts,
        title="T",
        policies=policies,
        seeds=range(seeds),
        market_config=MARKET,
        **kw,
    )
    return (tmp_path / "report.md").read_text(), (tmp_path / "report.html").read_text()


def md_table(md: str, index: int = 0) -> tuple[list[str], list[list[str]]]:
    """The ``index``-th Markdown table of a report: header cells and body rows."""
    tables = re.findall(r"((?:^\|.*\|\n)+)", md, flags=re.M)
    lines = tables[index].strip().splitlines()
    cells = [[c.strip() for c in line.strip("|").split(" | ")] for line in lines]
    return cells[0], cells[2:]


def marks_from_stats(runs, metric, policies, higher_is_better):
    """Best and equal-to-best, computed here from the runs with stats.paired_test and holm."""
    wide = runs.pivot(index="seed", columns="policy", values=metric)
    names = [p for p in policies if wide[p].notna().any()]
    means = wide[names].mean()
    best = means.idxmax() if higher_is_better else means.idxmin()
    others = [p for p in names if p != best]
    p_adj = holm([paired_test(wide[p], wide[best]).p for p in others])
    return {
        best: "★",
        **{p: ("≈" if pa >= 0.05 else "") for p, pa in zip(others, p_adj, strict=True)},
    }


def marks_in_table(md, column):
    head, rows = md_table(md)
    j = next(i for i, h in enumerate(head) if column in h)
    policy = head.index("policy")
    return {r[policy]: (r[j][-1] if r[j][-1] in "★≈" else "") for r in rows}


def profit_report(tmp_path, profit):
    """A report of policies whose seller profit has the given means (10 seeds, noise 5)."""
    runs, ts = synthetic(
        list(profit),
        seeds=10,
        noise=5.0,
        effect=lambda p, pt, m: profit[p] if m == "seller_profit" else BASE[m],
    )
    return runs, report(tmp_path, runs, ts, list(profit), 10)[0]


def test_clear_winner_and_two_alike_policies_are_marked_as_paired_tests_say(tmp_path):
    profit = {"A": 1100.0, "B": 1000.0, "C": 1000.0}
    runs, md = profit_report(tmp_path, profit)
    expected = marks_from_stats(runs, "seller_profit", list(profit), True)
    assert expected == {"A": "★", "B": "", "C": ""}
    assert marks_in_table(md, PROFIT) == expected
    # Every column's marks agree with the independent computation, including price (lower).
    for column, metric, higher in (
        ("consumer surplus", "consumer_surplus", True),
        ("mean price", "mean_price", False),
    ):
        assert marks_in_table(md, column) == marks_from_stats(runs, metric, list(profit), higher)
    assert "For seller profit, pick **A**" in md


def test_a_noisy_small_gap_to_the_best_is_marked_equal_to_best(tmp_path):
    profit = {"A": 1003.0, "B": 1000.0, "C": 900.0}
    runs, md = profit_report(tmp_path, profit)
    expected = marks_from_stats(runs, "seller_profit", list(profit), True)
    assert expected == {"A": "★", "B": "≈", "C": ""}  # the construction does what it says
    assert marks_in_table(md, PROFIT) == expected
    assert "(B not clearly worse)" in md


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.refs: list[str] = []

    def handle_data(self, data):
        self.text.append(data)

    def handle_starttag(self, tag, attrs):
        self.refs += [v or "" for k, v in attrs if k in ("src", "href")]


def parsed(html: str) -> _Text:
    p = _Text()
    p.feed(html)
    return p


def test_a_metric_that_does_not_apply_is_left_out_with_a_footnote_and_no_na(tmp_path):
    policies = ["posted", "threshold", "crowdfunding"]
    runs, ts = synthetic(policies, seeds=5, nan={"coalition_success_rate": ["posted"]})
    md, html = report(tmp_path, runs, ts, policies, 5)
    assert "n/a" not in md.lower()
    assert "n/a" not in " ".join(parsed(html).text).lower()
    assert "`coalition_success_rate` does not apply to posted" in md
    # The appendix table of that metric ranks only the policies it applies to.
    tail = md.split("Coalition success rate (`coalition_success_rate`)")[1]
    head, rows = md_table(tail)
    assert sorted(r[head.index("policy")] for r in rows) == ["crowdfunding", "threshold"]


def test_single_policy_vary_reports_an_increasing_trend(tmp_path):
    key, values = "pricing.threshold.min_quantity", [5, 10, 20, 40]
    runs, ts = synthetic(
        ["threshold"],
        seeds=8,
        vary={key: values},
        noise=2.0,
        effect=lambda p, pt, m: (
            1000 + 50 * values.index(pt[key]) if m == "seller_profit" else BASE[m]
        ),
    )
    md, _ = report(tmp_path, runs, ts, ["threshold"], 8, vary={key: values})
    assert "nothing to compare" not in md
    assert f"seller profit is increasing in `{key}`" in md
    tail = md.split(f"## Response to `{key}`")[1]
    head, rows = md_table(tail)
    row = next(r for r in rows if r[0] == "seller profit")
    assert row[head.index("shape")] == "increasing"
    means = [float(row[head.index(f"{key}={v}")].split(" ")[0].replace(",", "")) for v in values]
    assert means == sorted(means) and means[-1] - means[0] > 100


def test_the_value_where_the_ranking_flips_is_named(tmp_path):
    key, values = "coalition.max_size", [5, 10, 20, 40]
    profit = {"X": lambda i: 1000.0, "Y": lambda i: 900.0 + 60 * i}  # Y ahead from 20 on
    runs, ts = synthetic(
        list(profit),
        seeds=10,
        vary={key: values},
        noise=3.0,
        effect=lambda p, pt, m: (
            profit[p](values.index(pt[key])) if m == "seller_profit" else BASE[m]
        ),
    )
    md, _ = report(tmp_path, runs, ts, list(profit), 10, vary={key: values})
    assert f"seller profit: the best policy changes from X to Y at {key}=20 (a clear change)" in md


def test_html_is_self_contained(tmp_path):
    policies = ["posted", "personalised"]
    vary = {"community.price_visibility": [0.0, 1.0]}
    runs, ts = synthetic(policies, seeds=4, vary=vary, community=True)
    md, html = report(
        tmp_path, runs, ts, policies, 4, vary=vary, figures=True, mechanism="backlash"
    )
    refs = parsed(html).refs
    assert refs and all(r.startswith("data:") or r.startswith("#") for r in refs)
    assert all(r.startswith("data:image/png;base64,") for r in refs)
    rest = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    assert "http" not in rest and '.png"' not in rest
    assert "<link" not in rest and "<script" not in rest
    assert len(refs) == md.count("![")  # every Markdown figure is embedded


@pytest.mark.parametrize("mechanism", ["backlash", "reviews", "threshold_minimum", "auction_pair"])
def test_each_mechanism_figure_is_drawn_for_its_scenario(tmp_path, mechanism):
    setups = {
        "backlash": (["personalised", "posted"], {"community.price_visibility": [0.0, 1.0]}),
        "reviews": (["archetypes"], {"community.review_prob": [0.0, 0.3]}),
        "threshold_minimum": (["threshold"], {"pricing.threshold.min_quantity": [5, 20, 80]}),
        "auction_pair": (["reverse_auction", "reverse_auction_first"], {"sellers.n": [2, 8]}),
    }
    policies, vary = setups[mechanism]
    runs, ts = synthetic(policies, seeds=3, vary=vary, community=True)
    report(tmp_path, runs, ts, policies, 3, vary=vary, figures=True, mechanism=mechanism)
    assert (tmp_path / f"mechanism_{mechanism}.png").stat().st_size > 10_000
    assert np.isfinite(runs["seller_profit"]).all()
