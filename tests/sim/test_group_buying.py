"""Group buying pays on the default market, more so for larger groups (over seeds)."""

import numpy as np
import pandas as pd
import pytest

from sim import MarketModel


@pytest.fixture(scope="module")
def default_deals():
    frames = []
    for seed in range(3):
        d = MarketModel(seed=seed).run().deals_frame()
        d["seed"] = seed
        frames.append(d)
    return pd.concat(frames, ignore_index=True)


@pytest.mark.slow
def test_coalition_members_pay_less_than_solo_buyers_of_the_same_product(default_deals):
    d = default_deals
    d = d.assign(group=d["coalition_id"] >= 0, money=d["unit_price"] * d["quantity"])
    per = d.groupby(["seed", "product", "group"])[["money", "quantity"]].sum()
    price = (per["money"] / per["quantity"]).unstack("group").dropna()
    assert len(price) >= 6
    # Most (seed, product) cells show a discount, and the mean discount is clearly positive.
    assert (price[True] < price[False]).mean() >= 0.75
    assert (1 - price[True] / price[False]).mean() > 0.03


@pytest.mark.slow
def test_discount_grows_with_coalition_size_down_to_the_floor(default_deals):
    d = default_deals
    solo = d[d["coalition_id"] < 0].groupby(["seed", "product"])["unit_price"].mean()
    d = d.join(solo.rename("solo_price"), on=["seed", "product"])
    grp = d[d["coalition_id"] >= 0].dropna(subset=["solo_price"])
    grp = grp.assign(rel=grp["unit_price"] / grp["solo_price"])
    bins = pd.cut(grp["coalition_size"], [1, 4, 9, 19, 10_000])
    means = grp.groupby(bins, observed=True)["rel"].mean()
    assert len(means) >= 3
    # Larger groups pay relatively less (non-increasing, with a clear overall drop) ...
    assert np.all(np.diff(means.to_numpy()) <= 0.01)
    assert means.iloc[-1] < means.iloc[0] - 0.03
    # ... but never below the seller's floor (its reservation price).
    assert (grp["seller_unit_price"] >= grp["seller_reservation_price"] - 1e-9).all()


def test_no_coalitions_means_no_group_deals():
    d = MarketModel(seed=1, steps=30, customers={"n": 300}, coalition={"algorithm": "none"}).run()
    assert (d.deals_frame()["coalition_id"] == -1).all()
