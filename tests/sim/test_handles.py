"""Customers' Mesa handles are made when first asked for, and behave as if built up front."""

import mesa
import numpy as np
import pytest
from mesa.experimental.mesa_signals import ModelSignals

from agents.customer import CustomerAgent, Status
from agents.seller import SellerAgent
from sim import MarketModel


def registered(model: MarketModel) -> int:
    """Agents Mesa holds now (Mesa's own property: it makes no handle)."""
    return len(mesa.Model.agents.fget(model))


def test_building_makes_no_customer_handle():
    m = MarketModel(seed=1, steps=5, customers={"n": 300})
    assert registered(m) == m.sellers.n
    assert m.customer_agents.made == 0 and len(m.customer_agents) == 300
    m.run()
    assert registered(m) == m.sellers.n  # running needs no handle either


def test_one_handle_is_made_alone_and_kept():
    m = MarketModel(seed=1, steps=5, customers={"n": 300})
    c = m.customer_agents[7]
    assert registered(m) == m.sellers.n + 1 and m.customer_agents.made == 1
    assert m.customer_agents[7] is c and m.customer_agents[-293] is c
    assert c.unique_id == 8 and c.index == 7 and c.model is m
    with pytest.raises(IndexError):
        m.customer_agents[300]
    assert [h.index for h in m.customer_agents[5:9]] == [5, 6, 7, 8]


def test_handle_reads_and_writes_the_population_columns():
    m = MarketModel(seed=2, steps=5, customers={"n": 100})
    cu = m.customers
    c = m.customer_agents[42]
    assert c.product == cu.product[42] and c.quantity == cu.quantity[42]
    assert c.willingness_to_pay == cu.wtp[42] and c.coalition_id == cu.coalition[42]
    assert c.tactic == m.tactic_names[cu.tactic[42]]
    c.status = Status.ACTIVE
    assert cu.status[42] == Status.ACTIVE
    cu.status[42] = Status.LEFT
    assert c.status is Status.LEFT
    c.willingness_to_pay = 12.5
    assert cu.wtp[42] == 12.5
    m.run()
    assert c.status == Status(int(cu.status[42])) and c.coalition_id == cu.coalition[42]


def test_model_agents_hold_every_customer_then_the_sellers():
    n = 120
    m = MarketModel(seed=3, steps=5, customers={"n": n})
    early = m.customer_agents[50]  # made alone first: must end up in its place
    agents = list(m.agents)
    assert len(agents) == n + m.sellers.n
    assert [a.unique_id for a in agents] == list(range(1, n + m.sellers.n + 1))
    assert all(isinstance(a, CustomerAgent) for a in agents[:n])
    assert agents[n:] == m.seller_agents and agents[50] is early
    assert [a.index for a in agents[:n]] == list(range(n))
    assert m.agent_types == [CustomerAgent, SellerAgent]
    assert list(m.agents_by_type[CustomerAgent]) == agents[:n]
    assert list(m.customer_agents) == agents[:n] and m.customer_agents.made == n
    with pytest.raises(AttributeError):
        m.agents = []


def test_a_removed_handle_stays_removed():
    m = MarketModel(seed=3, steps=5, customers={"n": 40})
    gone = m.customer_agents[3]
    gone.remove()
    assert gone not in m.agents and len(m.agents) == 39 + m.sellers.n
    m.remove_all_agents()
    assert len(m.agents) == 0


class Listener:
    def __init__(self) -> None:
        self.added: list = []

    def hear(self, signal) -> None:
        self.added.append(signal.additional_kwargs["args"][0])


def test_handles_are_signalled_to_mesa_observers():
    m = MarketModel(seed=3, steps=5, customers={"n": 30})
    listener = Listener()
    m.observe("agents", ModelSignals.AGENT_ADDED, listener.hear)
    first = m.customer_agents[4]
    assert listener.added == [first]
    m.agents  # noqa: B018 (makes the other 29)
    assert len(listener.added) == 30 and set(listener.added) == set(m.customer_agents)


def test_making_the_handles_changes_no_result():
    kwargs = {"seed": 4, "steps": 15, "customers": {"n": 250}}
    lazy = MarketModel(**kwargs)
    eager = MarketModel(**kwargs)
    assert len(eager.agents) == 250 + eager.sellers.n
    lazy.run()
    eager.run()
    assert lazy.deals_frame().equals(eager.deals_frame())
    assert lazy.timeseries_frame().equals(eager.timeseries_frame())


def test_population_holds_no_per_customer_discount_and_draws_signals_late():
    m = MarketModel(seed=5, steps=5, customers={"n": 200, "discount": 0.9})
    cu = m.customers
    assert cu.discount.shape == (200,) and cu.discount.strides == (0,)
    assert not cu.discount.flags.writeable and np.all(cu.discount == 0.9)
    assert cu.late_draws is not None  # no policy here uses customer data: nothing drawn
    u, z = cu.privacy_u, cu.signal_z
    assert cu.late_draws is None and cu.privacy_u is u and cu.signal_z is z
    assert u.shape == z.shape == (200,) and u.min() >= 0 and u.max() < 1
    again = MarketModel(seed=5, steps=5, customers={"n": 200, "discount": 0.9}).run()
    assert np.array_equal(again.customers.signal_z, z)  # drawn after a run: same values
    assert np.array_equal(again.customers.privacy_u, u)
