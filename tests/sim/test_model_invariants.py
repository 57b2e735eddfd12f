"""Economic invariants of whole runs, over random small markets (Hypothesis)."""

import numpy as np
import pytest
from hypothesis import given

from agents.coalition import CoalitionStatus
from agents.customer import Status
from sim import MarketModel
from sim.results.metrics import summarize
from tests.sim.random_markets import markets

EPS = 1e-9


def check_step_invariants(model):
    cu, co, b = model.customers, model.coalitions, model.sellers
    # A customer is in at most one coalition: membership is one column; tables agree with it.
    if len(co):
        inside = cu.coalition >= 0
        counts = np.bincount(cu.coalition[inside], minlength=len(co))
        assert np.array_equal(counts, co.size)
        assert (co.size[co.status != CoalitionStatus.OPEN] == 0).all()
        assert (cu.status[inside] == Status.ACTIVE).all()
        assert (co.size[co.status == CoalitionStatus.OPEN] <= model.cfg.coalition.max_size).all()
    assert (b.capacity_left >= 0).all()


@pytest.mark.slow
@given(markets())
def test_invariants_hold_in_random_markets(params):
    model = MarketModel(**params)
    units_per_step = []
    while model.running:
        sold_before = model.sellers.units_sold.copy()
        boycott = None if model.community is None else model.community.rep.boycott_until.copy()
        t = model.steps
        model.step()
        check_step_invariants(model)
        units_per_step.append(model.sellers.units_sold - sold_before)
        if boycott is not None:
            # Nobody buys from a seller it boycotts while the boycott lasts.
            d = model.deals_frame()
            d = d[d["step"] == t]
            assert (boycott[d["customer_id"], d["seller_id"]] <= t).all()
            sat = d["satisfaction"].to_numpy()
            assert ((sat >= -1) & (sat <= 1)).all()
    cu, b = model.customers, model.sellers
    deals = model.deals_frame()

    # Nobody pays above willingness to pay; sellers never sell below reservation.
    assert (deals["unit_price"] <= deals["willingness_to_pay"] + EPS).all()
    assert (deals["seller_unit_price"] >= deals["seller_reservation_price"] - EPS).all()
    # Capacity per seller per step.
    assert (np.array(units_per_step) <= b.capacity[None, :]).all()
    # Each customer buys only its own product and quantity (once, unless demand repeats).
    repeat = params["customers"]["repeat_rate"] > 0
    ids = deals["customer_id"].to_numpy()
    assert np.array_equal(deals["product"].to_numpy(), cu.product[ids])
    assert np.array_equal(deals["quantity"].to_numpy(), cu.quantity[ids])
    assert np.array_equal(np.bincount(ids, weights=deals["quantity"], minlength=cu.n), cu.bought)
    if not repeat:
        assert deals["customer_id"].is_unique
        assert (cu.status[ids] == Status.SERVED).all()
        assert (cu.bought[cu.status != Status.SERVED] == 0).all()
    # Crowdfunding money: every payment into escrow was settled, refunded or is still held.
    cf = deals[deals["protocol"] == "crowdfunding"]
    settled = (cf["unit_price"] * cf["quantity"]).sum()
    assert np.isclose(model.escrow_in, settled + cu.refunded.sum() + cu.escrow.sum(), atol=1e-7)
    assert (cu.escrow[cu.status == Status.SERVED] == 0).all()
    # Threshold and crowdfunding deals only happen at or above the seller's minimum.
    for proto in ("threshold", "crowdfunding"):
        part = deals[deals["protocol"] == proto]
        if len(part):
            units = part.groupby("coalition_id")["quantity"].sum()
            seller = part.groupby("coalition_id")["seller_id"].first()
            minimum = [model.sellers.policies[s].min_group_quantity() for s in seller]
            assert (units.to_numpy() >= np.array(minimum)).all()
    # Units and money balance between buyers, sellers and the log.
    money = (deals["unit_price"] * deals["quantity"]).sum()
    seller_money = (deals["seller_unit_price"] * deals["quantity"]).sum()
    assert np.isclose(cu.paid.sum(), b.revenue.sum(), rtol=1e-9, atol=1e-7)
    assert np.isclose(money, b.revenue.sum(), rtol=1e-9, atol=1e-7)
    assert np.isclose(seller_money, b.revenue.sum(), rtol=1e-9, atol=1e-7)
    assert cu.bought.sum() == b.units_sold.sum() == deals["quantity"].sum()
    # Each coalition's members paid, together, exactly what its seller received.
    grp = deals[deals["coalition_id"] >= 0]
    if len(grp):
        paid = (grp["unit_price"] * grp["quantity"]).groupby(grp["coalition_id"]).sum()
        recv = (grp["seller_unit_price"] * grp["quantity"]).groupby(grp["coalition_id"]).sum()
        assert np.allclose(paid, recv, rtol=1e-9, atol=1e-7)
        assert (grp.groupby("coalition_id")["seller_id"].nunique() == 1).all()
    # The summary matches the log and the model state.
    s = summarize(deals, n_customers=cu.n, n_sellers=b.n, steps=model.n_steps, seed=model.seed)
    assert s["deals"] == len(deals)
    if not repeat:
        assert s["deals"] == int((cu.status == Status.SERVED).sum())
    assert s["units_sold"] == int(b.units_sold.sum())
    assert np.isclose(s["seller_profit"], (b.revenue - b.cost).sum(), atol=1e-7)
    ts = model.timeseries_frame()
    assert ts["deals"].sum() == len(deals)
    assert ts["units_sold"].sum() == s["units_sold"]
    assert np.isclose(ts["seller_profit"].sum(), s["seller_profit"], atol=1e-6)
    assert np.isclose(ts["consumer_surplus"].sum(), s["consumer_surplus"], atol=1e-6)
