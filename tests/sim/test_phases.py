"""Phases are functions over the market state, testable without a Mesa model."""

import mesa
import numpy as np
import pytest

from agents.coalition import CoalitionStatus
from agents.customer import NO_COALITION, Status
from sim import MarketModel
from sim.community import ActiveCommunity, NoCommunity
from sim.config import resolve
from sim.market import build_market
from sim.network import from_edges
from sim.phases.community import CommunityPhase
from sim.phases.discovery import discover
from sim.phases.formation import FORMATIONS, GreedyMerge, ThresholdPledge, make_formation
from sim.phases.lifecycle import arrive, close, expire, leave_coalitions
from sim.phases.trade import Trade


def market(graph=None, **nodes):
    nodes.setdefault("customers", {"n": 40})
    cfg = resolve(seed=3, steps=10, **nodes)
    return build_market(cfg, np.random.default_rng(0), graph)


def test_arrive_activates_exactly_the_customers_whose_step_has_come():
    state = market()
    cu = state.customers
    cu.arrival[:] = np.arange(cu.n) % 3
    state.begin_step(1)
    arrive(state)
    assert (cu.status == Status.ACTIVE).tolist() == (cu.arrival <= 1).tolist()
    assert (cu.active_since[cu.status == Status.ACTIVE] == 1).all()


def test_expire_frees_impatient_members_but_keeps_paying_backers():
    state = market()
    cu, co = state.customers, state.coalitions
    cu.status[:] = Status.ACTIVE
    cu.active_since[:] = 0
    cu.patience[:] = 5
    cu.patience[:4] = 1  # out of patience at step 1
    ids = co.found(product=np.zeros(1, np.int32), founder=np.zeros(1, np.int32))
    cu.coalition[:6] = ids[0]
    cu.escrow[3] = 12.0  # a crowdfunding backer waits for its campaign
    state.begin_step(1)
    expire(state)
    assert cu.status[:3].tolist() == [Status.LEFT] * 3 and cu.status[3] == Status.ACTIVE
    assert (cu.coalition[:3] == NO_COALITION).all() and (cu.coalition[3:6] == ids[0]).all()
    assert co.size[0] == 3


def test_leaving_refunds_escrow_into_the_coalitions_account():
    state = market()
    cu, co = state.customers, state.coalitions
    co.found(product=np.zeros(2, np.int32), founder=np.arange(2, dtype=np.int32))
    cu.coalition[:4] = [0, 0, 1, 1]
    cu.escrow[:4] = [5.0, 0.0, 7.0, 1.0]
    leave_coalitions(state, np.array([0, 2, 3]))
    assert cu.refunded[:4].tolist() == [5.0, 0.0, 7.0, 1.0]
    assert co.refunded.tolist() == [5.0, 8.0]
    assert cu.escrow[:4].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert cu.coalition[:4].tolist() == [NO_COALITION, 0, NO_COALITION, NO_COALITION]
    state.begin_step(4)
    close(state, np.array([0]), CoalitionStatus.DISSOLVED)
    assert cu.coalition[1] == NO_COALITION and co.closed[0] == 4


def test_discover_passes_an_invitation_one_hop_per_step_along_a_path():
    n = 6
    path = from_edges(n, np.arange(n - 1), np.arange(1, n))
    state = market(path, customers={"n": n}, coalition={"forward_p": 1.0, "invite_hops": 2})
    cu, co = state.customers, state.coalitions
    co.found(product=cu.product[:1], founder=np.zeros(1, np.int32))
    cu.coalition[0] = 0
    co.refresh_sizes(cu.coalition, cu.quantity)
    for t in range(4):
        state.begin_step(t)
        discover(state)
    # Members forward at hop 0, holders relay while their hop count is below the limit:
    # an invitation travels at most invite_hops hops.
    assert cu.invite[1:3].tolist() == [0, 0] and cu.invite[3:].tolist() == [-1, -1, -1]
    assert cu.invite_hops[1:3].tolist() == [1, 2]


def test_the_alternatives_are_chosen_once_when_the_model_is_built():
    assert tuple(FORMATIONS) == ("greedy_merge", "threshold_pledge", "none")
    none = MarketModel(customers={"n": 30}, coalition={"algorithm": "none"})
    greedy = MarketModel(customers={"n": 30}, community={"enabled": True})
    names = [getattr(p, "__name__", type(p).__name__) for p in greedy.phases]
    assert names == [
        "arrive",
        "expire",
        "set_prices",
        "discover",
        "form",
        "Trade",
        "CommunityPhase",
        "learn",
        "collect",
    ]
    assert "discover" not in [getattr(p, "__name__", "") for p in none.phases]
    assert isinstance(
        next(p for p in none.phases if isinstance(p, Trade)).formation, type(make_formation("none"))
    )
    assert isinstance(greedy.phases[4].__self__, GreedyMerge)
    pledge = MarketModel(customers={"n": 30}, coalition={"algorithm": "threshold_pledge"})
    assert isinstance(pledge.phases[4].__self__, ThresholdPledge)
    assert none.community is None and isinstance(none.state.community, NoCommunity)


def test_the_inactive_community_answers_neutrally():
    c = NoCommunity(n_sellers=3)
    buyers = np.arange(4)
    assert not c.refusals(buyers, 0).any() and c.refusals(buyers, 0).shape == (4, 3)
    assert not c.refuses(buyers, np.zeros(4, int), 0).any()
    assert (c.choice_factor(buyers) == 1).all() and (c.opening_factor(buyers, buyers) == 1).all()
    assert c.step_figures(0) == {"reviews": 0, "outrage_new": 0, "boycotting_customers": 0}
    assert c.seller_rows(0) == {} and c.cascade_rows() == [] and c.hosting == ()
    assert not c.moves_prices


def test_the_community_holds_no_model_and_its_phase_applies_seller_reform():
    state = market(
        pricing={"mix": ["personalised:1", "posted:1"], "personalised": {"adaptive": True}},
        community={"enabled": True, "seller_response": "reform", "response_threshold": 0.1},
    )
    community = state.community
    assert isinstance(community, ActiveCommunity)
    assert not any(isinstance(v, mesa.Model | type(state)) for v in vars(community).values())
    personalised = [i for i, p in enumerate(state.sellers.policies) if p.name == "personalised"]
    s = personalised[0]
    community.rep.boycott_until[:, s] = 100  # everyone boycotts seller s
    before = state.prices.solo.copy()
    state.begin_step(7)
    CommunityPhase(community)(state)
    assert state.sellers.policies[s].name == "posted"
    assert state.sellers.policies[s].markup == pytest.approx(0.3)
    assert state.sellers.reformed_at[s] == 7 and not state.learning.adaptive[s]
    untouched = [i for i in range(state.sellers.n) if i != s]
    assert (state.sellers.reformed_at[untouched] == -1).all()
    assert state.prices.solo.shape == before.shape
