"""Pricing policies inside whole markets: mechanisms behave as their rules say."""

import numpy as np
import pandas as pd
import pytest

from sim import MarketModel

SMALL = {"customers": {"n": 400}, "steps": 40}


def run(pricing, coalition=None, seed=0, **kw):
    return MarketModel(seed=seed, pricing=pricing, coalition=coalition or {}, **SMALL, **kw).run()


def test_crowdfunding_out_of_reach_refunds_every_backer():
    m = run(
        {"mix": ["crowdfunding"], "crowdfunding": {"goal_units": 10_000}},
        {"algorithm": "threshold_pledge", "pledge_window": 5},
    )
    deals = m.deals_frame()
    assert m.escrow_in > 0  # campaigns did collect pledges ...
    assert (deals["protocol"] != "crowdfunding").all()  # ... none was funded ...
    assert np.isclose(m.customers.refunded.sum() + m.customers.escrow.sum(), m.escrow_in)
    assert np.isclose(m.customers.paid.sum(), m.sellers.revenue.sum())  # ... all refunded


def test_funded_crowdfunding_raises_exactly_the_pledges():
    m = run(
        {"mix": ["crowdfunding"], "crowdfunding": {"goal_units": 8}},
        {"algorithm": "threshold_pledge", "pledge_window": 4},
    )
    deals = m.deals_frame()
    cf = deals[deals["protocol"] == "crowdfunding"]
    assert len(cf) > 0
    # Every backer of a funded campaign paid the campaign price it pledged at.
    per = cf.groupby("coalition_id")
    spread = per["unit_price"].max() - per["unit_price"].min()
    assert (spread < 1e-9).all()
    assert (per["quantity"].sum() >= 8).all()
    raised = (cf["unit_price"] * cf["quantity"]).sum()
    assert np.isclose(raised + m.customers.refunded.sum() + m.customers.escrow.sum(), m.escrow_in)


def test_threshold_deals_fire_only_at_the_minimum():
    m = run(
        {"mix": ["threshold"], "threshold": {"min_quantity": 12}}, {"algorithm": "threshold_pledge"}
    )
    deals = m.deals_frame()
    th = deals[deals["protocol"] == "threshold"]
    assert len(th) > 0
    assert (th.groupby("coalition_id")["quantity"].sum() >= 12).all()
    # No money moves for cancelled campaigns: every payment is a completed purchase.
    assert np.isclose(m.customers.paid.sum(), (deals["unit_price"] * deals["quantity"]).sum())


@pytest.mark.parametrize("fmt", ["first", "second"])
def test_reverse_auction_prices_lie_between_winner_reservation_and_the_reserve(fmt):
    m = run({"mix": ["reverse_auction"], "reverse_auction": {"format": fmt}})
    deals = m.deals_frame()
    tenders = deals[deals["protocol"] == f"{fmt}_price_auction"]
    assert len(tenders) > 0
    assert (tenders["seller_unit_price"] >= tenders["seller_reservation_price"] - 1e-9).all()
    assert (tenders["unit_price"] <= tenders["willingness_to_pay"] + 1e-9).all()


def test_second_price_tenders_go_to_the_cheapest_able_seller():
    m = run(
        {"mix": ["reverse_auction"]}, sellers={"n": 8, "products_per_seller": 4, "capacity": 10_000}
    )
    deals = m.deals_frame()
    tenders = deals[deals["protocol"] == "second_price_auction"].drop_duplicates("coalition_id")
    assert len(tenders) > 0
    b = m.sellers
    for _, row in tenders.iterrows():
        g = int(row["product"])
        cheapest = np.nanmin(np.where(b.offered[:, g], b.reservation[:, g], np.nan))
        assert row["seller_reservation_price"] == pytest.approx(cheapest)


def test_personalised_sellers_charge_readable_buyers_more_when_privacy_is_low():
    def mean_margin(share):
        m = run(
            {"mix": ["personalised"], "personalised": {"privacy_share": share}},
            {"algorithm": "none"},
        )
        d = m.deals_frame()
        return (d["unit_price"] / d["willingness_to_pay"]).mean()

    assert mean_margin(0.0) > mean_margin(1.0) + 0.05


def test_privacy_share_one_means_list_prices_for_everyone():
    a = run(
        {"mix": ["personalised"], "personalised": {"privacy_share": 1.0}}, {"algorithm": "none"}
    ).deals_frame()
    b = run({"mix": ["posted"]}, {"algorithm": "none"}).deals_frame()
    pd.testing.assert_frame_equal(a.drop(columns="protocol"), b.drop(columns="protocol"))


def test_adaptive_sellers_move_their_multipliers_reproducibly():
    cfg = {"mix": ["posted"], "adaptive": {"enabled": True, "rule": "epsilon_greedy"}}
    a, b = run(cfg), run(cfg)
    assert not np.all(a.sellers.scale == 1.0)
    assert a.deals_frame().equals(b.deals_frame())
    assert a.learning.learner.counts.sum() == a.sellers.n * SMALL["steps"]


def test_demand_based_posted_price_learns_a_monopoly_price():
    m = run(
        {
            "mix": ["posted"],
            "posted": {"demand_based": True, "update_every": 5, "min_observations": 10},
        },
        {"algorithm": "none"},
    )
    learned = m.sellers.learned[m.sellers.offered]
    assert np.isfinite(learned).any()
    assert (
        learned[np.isfinite(learned)]
        >= m.sellers.reservation[m.sellers.offered][np.isfinite(learned)] - 1e-9
    ).all()


def test_common_random_numbers_across_every_policy():
    from agents.pricing import POLICIES

    base = MarketModel(seed=5, pricing={"mix": ["posted"]}, **SMALL)
    for name in POLICIES:
        other = MarketModel(seed=5, pricing={"mix": [name]}, **SMALL)
        assert np.array_equal(base.customers.wtp, other.customers.wtp)
        assert np.array_equal(base.graph.indices, other.graph.indices)
        assert np.array_equal(base.sellers.unit_cost, other.sellers.unit_cost, equal_nan=True)


def test_adaptive_crowdfunding_keeps_money_exact_and_within_valuations():
    m = MarketModel(
        seed=0,
        steps=60,
        customers={"n": 600},
        pricing={
            "mix": ["crowdfunding"],
            "crowdfunding": {"goal_units": 8},
            "adaptive": {"enabled": True, "rule": "epsilon_greedy", "epsilon": 0.5},
        },
        coalition={"algorithm": "threshold_pledge"},
    ).run()
    cu, deals = m.customers, m.deals_frame()
    assert np.isclose(cu.paid.sum(), m.sellers.revenue.sum())
    cf = deals[deals["protocol"] == "crowdfunding"]
    settled = (cf["unit_price"] * cf["quantity"]).sum()
    assert np.isclose(m.escrow_in, settled + cu.refunded.sum() + cu.escrow.sum())
    assert (deals["unit_price"] <= deals["willingness_to_pay"] + 1e-9).all()
    # Money is only held for backers still inside an open campaign.
    assert (cu.escrow[cu.coalition < 0] == 0).all()


def test_campaigns_never_outgrow_their_sellers_capacity():
    m = MarketModel(
        seed=2,
        steps=60,
        customers={"n": 600},
        sellers={"capacity": 10},
        pricing={"mix": ["crowdfunding"], "crowdfunding": {"goal_units": 6}},
        coalition={"algorithm": "threshold_pledge"},
    ).run()
    co = m.coalitions_frame()
    deals = m.deals_frame()
    units = deals[deals["coalition_id"] >= 0].groupby("coalition_id")["quantity"].sum()
    assert (units <= 10).all()
    closed = co[co["status"] != "open"]["coalition_id"]
    assert not np.isin(m.customers.coalition, closed.to_numpy()).any()
    assert (m.customers.escrow[m.customers.coalition < 0] == 0).all()


def test_bandit_monopolists_learn_to_avoid_pricing_at_cost():
    # Two sellers, each the only seller of its product. Arm 0 halves the list price (so the
    # quote falls to the reservation floor: almost no margin); arm 1 is the list price.
    # Under competition undercutting can pay (Bertrand), so the test uses monopolists.
    m = MarketModel(
        seed=1,
        steps=150,
        customers={"n": 1500, "arrival_rate": 0.02},
        sellers={"n": 2, "products_per_seller": 1},
        products={"n": 2},
        pricing={"mix": ["posted"], "adaptive": {"enabled": True, "arms": [0.5, 1.0]}},
        coalition={"algorithm": "none"},
    ).run()
    learner = m.learning.learner
    assert (learner.means[:, 1] > learner.means[:, 0]).all()
    assert (learner.counts[:, 1] > 1.5 * learner.counts[:, 0]).all()
