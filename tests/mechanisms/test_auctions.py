"""Tests for mechanisms.auctions: known answers, revenue equivalence and Hypothesis properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mechanisms.auctions import (
    AUCTION_RULES,
    first_price_equilibrium_bid,
    reverse_auction,
    truthful_bid,
)

INF = np.inf

# --------------------------------------------------------------------------------------------
# known answers
# --------------------------------------------------------------------------------------------


def test_second_price_truthful_lowest_cost_wins_and_pays_second_lowest():
    costs = np.array([[3.0, 1.0, 2.0], [5.0, 4.0, 9.0]])
    w, p = reverse_auction(truthful_bid(costs), np.array([10.0, 10.0]), "second")
    assert w.tolist() == [1, 1]
    assert p.tolist() == [2.0, 5.0]


def test_second_price_capped_by_reserve():
    w, p = reverse_auction(np.array([[3.0, 1.0, 2.0]]), np.array([1.5]), "second")
    assert w.tolist() == [1]
    assert p.tolist() == [1.5]


def test_single_bidder_reserve_is_the_second_bid():
    bids = np.array([[INF, 2.0, INF], [INF, 2.0, INF]])
    w, p = reverse_auction(bids, np.array([5.0, INF]), "second")
    assert w.tolist() == [1, 1]
    assert p[0] == 5.0
    assert p[1] == INF  # documented: infinite reserve and a single bidder
    w1, p1 = reverse_auction(bids, np.array([5.0, INF]), "first")
    assert w1.tolist() == [1, 1] and p1.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("rule", AUCTION_RULES)
def test_no_sale_above_reserve_or_without_bids(rule):
    bids = np.array([[3.0, 4.0], [INF, INF], [2.0, 2.5], [np.nan, INF]])
    reserve = np.array([2.0, INF, 2.0, 100.0])
    w, p = reverse_auction(bids, reserve, rule)
    assert w.tolist() == [-1, -1, 0, -1]
    assert np.isnan(p[[0, 1, 3]]).all()
    assert p[2] == 2.0  # first: winning bid; second: min(second bid 2.5, reserve 2.0)


def test_sale_exactly_at_reserve():
    w, p = reverse_auction(np.array([[2.0, 3.0]]), np.array([2.0]), "second")
    assert w.tolist() == [0] and p.tolist() == [2.0]


def test_first_price_pays_the_winning_bid():
    bids = np.array([[3.0, 1.25, 2.0], [0.5, 0.7, INF]])
    w, p = reverse_auction(bids, np.array([10.0, 1.0]), "first")
    assert w.tolist() == [1, 0]
    assert p.tolist() == [1.25, 0.5]


def test_ties_lower_index_then_tiebreak():
    bids = np.array([[2.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    w, p = reverse_auction(bids, np.array([5.0, 5.0]), "second")
    assert w.tolist() == [1, 0]
    assert p.tolist() == [1.0, 1.0]  # tied second-lowest bid equals the winning bid
    tb = np.array([[0.0, 0.9, 0.1], [0.5, 0.2, 0.2]])
    w2, _ = reverse_auction(bids, np.array([5.0, 5.0]), "first", tiebreak=tb)
    # row 0: sellers 1, 2 tie on bid, 2 has the smaller key; row 1: keys tie -> lower index
    assert w2.tolist() == [2, 1]


def test_unknown_rule_names_allowed_rules():
    with pytest.raises(ValueError, match="allowed rules.*second.*first"):
        reverse_auction(np.ones((1, 2)), np.ones(1), "dutch")


def test_bad_shapes_raise():
    with pytest.raises(ValueError):
        reverse_auction(np.ones(3), np.ones(1), "first")
    with pytest.raises(ValueError):
        reverse_auction(np.ones((1, 2)), np.ones(1), "first", tiebreak=np.ones((1, 3)))


def test_equilibrium_bid_formula():
    c = np.array([1.0, 1.5, 2.0])
    assert np.allclose(first_price_equilibrium_bid(c, 2, 2.0), [1.5, 1.75, 2.0])
    assert np.allclose(first_price_equilibrium_bid(c, 1, 2.0), [2.0, 2.0, 2.0])
    assert np.allclose(first_price_equilibrium_bid(c, np.array([4, 5, 2]), 3.0), [1.5, 1.8, 2.5])
    # shading above cost, decreasing in competition
    b = [first_price_equilibrium_bid(1.2, n, 2.0) for n in (2, 3, 5, 8)]
    assert all(x > 1.2 for x in b) and all(np.diff(b) < 0)
    with pytest.raises(ValueError):
        first_price_equilibrium_bid(c, 0, 2.0)


def test_truthful_bid_is_a_copy_of_cost():
    c = np.array([1.0, 2.0])
    b = truthful_bid(c)
    assert np.array_equal(b, c)
    b[0] = 99.0
    assert c[0] == 1.0


# --------------------------------------------------------------------------------------------
# revenue equivalence (Krishna 2010, ch. 3)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 3, 5, 8])
def test_revenue_equivalence_uniform_costs(n):
    rng = np.random.default_rng(1000 + n)
    tenders = 20_000
    costs = 1.0 + rng.random((tenders, n))  # U[1, 2]
    reserve = np.full(tenders, INF)
    w1, p1 = reverse_auction(first_price_equilibrium_bid(costs, n, 2.0), reserve, "first")
    w2, p2 = reverse_auction(truthful_bid(costs), reserve, "second")
    # the equilibrium bid is increasing in cost, so both formats pick the lowest-cost seller
    assert np.array_equal(w1, w2)
    assert np.array_equal(w2, np.argmin(costs, axis=1))
    theory = 1.0 + 2.0 / (n + 1)  # E[second-lowest of n U[1,2]] = 1 + 2/(n+1)
    for p in (p1, p2):
        se = p.std(ddof=1) / np.sqrt(tenders)
        assert abs(p.mean() - theory) < 4 * se
    d = p1 - p2
    assert abs(d.mean()) < 4 * d.std(ddof=1) / np.sqrt(tenders)


# --------------------------------------------------------------------------------------------
# Hypothesis properties
# --------------------------------------------------------------------------------------------

bid_value = st.one_of(st.floats(0.0, 100.0), st.just(INF))


@st.composite
def tenders(draw):
    r = draw(st.integers(1, 6))
    s = draw(st.integers(1, 6))
    bids = np.array(draw(st.lists(bid_value, min_size=r * s, max_size=r * s))).reshape(r, s)
    reserve = np.array(draw(st.lists(bid_value, min_size=r, max_size=r)))
    tb = np.array(
        draw(st.lists(st.integers(0, 3), min_size=r * s, max_size=r * s)), dtype=float
    ).reshape(r, s)
    return bids, reserve, tb


@given(tenders())
def test_properties_both_rules(data):
    bids, reserve, tb = data
    w1, p1 = reverse_auction(bids, reserve, "first")
    w2, p2 = reverse_auction(bids, reserve, "second")
    assert np.array_equal(w1, w2)
    rows = np.arange(len(bids))
    row_min = bids.min(axis=1)
    sold = w1 >= 0
    assert np.array_equal(sold, np.isfinite(row_min) & (row_min <= reserve))
    assert np.isnan(p1[~sold]).all() and np.isnan(p2[~sold]).all()
    win_bid = bids[rows[sold], w1[sold]]
    assert np.array_equal(win_bid, row_min[sold])
    # without a tiebreak, the first (lowest-index) minimal bidder wins
    assert np.array_equal(w1[sold], np.argmin(bids, axis=1)[sold])
    for p in (p1, p2):
        assert (p[sold] >= win_bid).all()
        assert (p[sold] <= reserve[sold]).all()
    assert np.array_equal(p1[sold], win_bid)
    assert (p2[sold] >= p1[sold]).all()
    # second price equals min(second-lowest bid, reserve), computed by sorting
    second = np.sort(bids, axis=1)[:, 1] if bids.shape[1] > 1 else np.full(len(bids), INF)
    assert np.array_equal(p2[sold], np.minimum(second, reserve)[sold])


@given(tenders())
def test_properties_tiebreak(data):
    bids, reserve, tb = data
    w, _ = reverse_auction(bids, reserve, "second", tiebreak=tb)
    for r in np.flatnonzero(w >= 0):
        tied = np.flatnonzero(bids[r] == bids[r].min())
        best_key = tb[r, tied].min()
        expected = tied[tb[r, tied] == best_key][0]
        assert w[r] == expected
