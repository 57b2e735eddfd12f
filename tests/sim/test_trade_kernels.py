"""The compiled kernels of the trade and life-cycle phases give exactly the numpy results.

Each kernel (:mod:`mechanisms.kernels.trade`) runs compiled here, whatever
``CROWDBARGAIN_JIT`` says, against its numpy reference on random inputs: outputs must be
bitwise equal (same values, same dtypes, same columns changed).
"""

import tracemalloc
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import agents.customer as customer
import sim.phases.lifecycle as lifecycle
import sim.phases.orders as orders
from agents.coalition import CoalitionStatus, CoalitionTable
from agents.customer import CustomerPopulation, Status
from mechanisms import jit as jit_settings
from mechanisms.allocation import first_fit, first_fit_prefix
from mechanisms.kernels.trade import (
    arrive_kernel,
    expire_kernel,
    members_of_kernel,
    solo_buyers_kernel,
    solo_choice_kernel,
)
from sim import MarketModel
from sim.phases.orders import choose_reference

SETTINGS = settings(max_examples=120, deadline=None)


def population(rng: np.random.Generator, n: int) -> CustomerPopulation:
    """Random customer columns in every life-cycle state (few distinct values: many ties)."""
    status = rng.integers(0, 4, n).astype(np.int8)
    active_since = np.where(status == Status.ACTIVE, rng.integers(0, 12, n), -1)
    zeros = np.zeros(n)
    return CustomerPopulation(
        product=rng.integers(0, 3, n).astype(np.int32),
        quantity=rng.integers(1, 4, n).astype(np.int32),
        wtp=rng.uniform(5, 20, n),
        patience=rng.integers(1, 15, n).astype(np.int32),
        discount=np.full(n, 0.95),
        tactic=rng.integers(0, 3, n).astype(np.int16),
        loner=rng.random(n) < 0.2,
        arrival=rng.integers(0, 15, n).astype(np.int32),
        status=status,
        active_since=active_since.astype(np.int32),
        coalition=np.where(rng.random(n) < 0.3, rng.integers(0, 5, n), -1).astype(np.int32),
        invite=np.where(rng.random(n) < 0.3, rng.integers(0, 5, n), -1).astype(np.int32),
        invite_hops=np.zeros(n, dtype=np.int16),
        told=np.full(n, -1, dtype=np.int32),
        paid=zeros.copy(),
        bought=np.zeros(n, dtype=np.int32),
        escrow=np.where(rng.random(n) < 0.2, 3.0, 0.0),
        refunded=zeros.copy(),
        last_seller=np.full(n, -1, dtype=np.int32),
    )


def columns(pop: CustomerPopulation) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in vars(pop).items() if isinstance(v, np.ndarray)}


def assert_same_columns(a: CustomerPopulation, b: CustomerPopulation) -> None:
    for name, col in columns(a).items():
        other = getattr(b, name)
        assert col.dtype == other.dtype, name
        assert np.array_equal(col, other), name


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 400),
    n_sellers=st.integers(1, 6),
    tie_levels=st.integers(1, 50),
    most=st.sampled_from([1, 3, 25, 200]),
)
def test_first_fit_prefix_is_first_fit(seed, n, n_sellers, tie_levels, most):
    rng = np.random.default_rng(seed)
    seller = rng.integers(0, n_sellers, n).astype(np.int64)
    units = rng.integers(1, 6, n).astype(np.int64)
    # Short capacity: the kernel settles the queue in prefixes (several when ties abound).
    capacity = rng.integers(0, most + 1, n_sellers).astype(np.int64)
    # Few distinct priorities: ties are broken by position in both.
    priority = rng.integers(0, tie_levels, n) / tie_levels
    before = capacity.copy()
    want = first_fit(seller, units, capacity, priority)
    for jit in (True, False):
        got = first_fit_prefix(seller, units, capacity, priority, jit)
        assert got.dtype == want.dtype and np.array_equal(got, want)
        assert np.array_equal(capacity, before)


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    r=st.integers(1, 60),
    n_sellers=st.integers(1, 6),
    weighed=st.booleans(),
)
def test_solo_choice_kernel_is_the_reference(seed, r, n_sellers, weighed):
    rng = np.random.default_rng(seed)
    # Few price levels (ties), sellers without the product (inf) and the odd NaN.
    quotes = rng.choice([10.0, 11.0, 12.0, np.inf], size=(r, n_sellers))
    quotes[rng.random((r, n_sellers)) < 0.02] = np.nan
    quantity = rng.integers(1, 4, r).astype(np.int64)
    capacity = rng.integers(0, 5, n_sellers).astype(np.int64)
    refused = rng.random((r, n_sellers)) < 0.2
    # A zero weight on an infinite quote gives NaN, as numpy does.
    factor = rng.choice([0.0, 0.9, 1.0, 1.1], size=(r, n_sellers)) if weighed else None
    jitter = rng.choice([0.25, 0.5, 0.75], size=(r, n_sellers))
    with np.errstate(invalid="ignore"):
        want = choose_reference(
            quotes.copy(), quantity, capacity, refused if weighed else None, factor, jitter
        )
    got = solo_choice_kernel(
        quotes.copy(),
        quantity,
        capacity,
        refused if weighed else np.zeros((0, 0), dtype=bool),
        factor if weighed else np.ones((0, 0)),
        jitter,
        not weighed,
    )
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype
        assert np.array_equal(g, w, equal_nan=True)


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 300),
    step=st.integers(0, 20),
    solo_after=st.integers(0, 15),
)
def test_solo_buyers_kernel_is_wants_solo(seed, n, step, solo_after):
    pop = population(np.random.default_rng(seed), n)
    got = solo_buyers_kernel(
        pop.status,
        pop.coalition,
        pop.loner,
        pop.active_since,
        pop.patience,
        step,
        solo_after,
        int(Status.ACTIVE),
    )
    want = np.flatnonzero(pop.wants_solo(step, solo_after))
    assert got.dtype == want.dtype and np.array_equal(got, want)


def test_solo_buyers_numpy_path_is_wants_solo(monkeypatch):
    monkeypatch.setattr(customer, "use_kernels", lambda work: False)
    for seed in range(30):
        pop = population(np.random.default_rng(seed), 150)
        for step in (0, 5, 13):
            got = pop.solo_buyers(step, 4)
            want = np.flatnonzero(pop.wants_solo(step, 4))
            assert got.dtype == want.dtype and np.array_equal(got, want)


def reference_state(pop: CustomerPopulation, t: int) -> SimpleNamespace:
    return SimpleNamespace(customers=pop, coalitions=CoalitionTable(), step=SimpleNamespace(t=t))


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 300), step=st.integers(0, 20))
def test_arrive_kernel_is_arrive(seed, n, step):
    pop = population(np.random.default_rng(seed), n)
    ref = CustomerPopulation(**columns(pop))
    arriving = int(((pop.status == Status.WAITING) & (pop.arrival <= step)).sum())
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(lifecycle, "use_kernels", lambda work: False)
        lifecycle.arrive(reference_state(ref, step))
    count = arrive_kernel(
        pop.status, pop.arrival, pop.active_since, step, int(Status.WAITING), int(Status.ACTIVE)
    )
    assert_same_columns(pop, ref)
    assert count == arriving


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 300), step=st.integers(0, 30))
def test_expire_kernel_is_expire(seed, n, step):
    pop = population(np.random.default_rng(seed), n)
    ref = CustomerPopulation(**columns(pop))
    leaving = (
        (pop.status == Status.ACTIVE)
        & (pop.active_since + pop.patience - step <= 0)
        & (pop.escrow == 0)
    )
    member_leaving = bool((leaving & (pop.coalition >= 0)).any())
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(lifecycle, "use_kernels", lambda work: False)
        lifecycle.expire(reference_state(ref, step))
    member_left = expire_kernel(
        pop.status,
        pop.active_since,
        pop.patience,
        pop.escrow,
        pop.coalition,
        pop.invite,
        step,
        int(Status.ACTIVE),
        int(Status.LEFT),
    )
    assert_same_columns(pop, ref)
    assert member_left == member_leaving


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 300),
    n_coalitions=st.integers(1, 20),
    share=st.floats(0.0, 1.0),
)
def test_members_of_kernel_is_the_reference(seed, n, n_coalitions, share):
    rng = np.random.default_rng(seed)
    coalition = np.where(rng.random(n) < 0.6, rng.integers(0, n_coalitions, n), -1)
    coalition = coalition.astype(np.int32)
    ready = np.flatnonzero(rng.random(n_coalitions) < share)
    rng.shuffle(ready)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(orders, "use_kernels", lambda work: False)
        want = orders.members_of(coalition, ready, n_coalitions)
    row_of = np.full(n_coalitions, -1, dtype=np.int64)
    row_of[ready] = np.arange(len(ready))
    got = members_of_kernel(coalition, row_of)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype and np.array_equal(g, w)


def test_life_cycle_phases_allocate_nothing_of_population_size(monkeypatch):
    """``arrive``, ``expire`` and the recount touch few customers: no population-sized temps.

    A boolean mask of the customers would take ``n`` bytes; before these kernels tested
    each customer branch-free and wrote straight in place, ``arrive`` and ``expire`` each
    built an index buffer of ``4 n`` bytes, and the recount looked up the members of the
    coalitions it had just counted empty (``8 n``).
    """
    monkeypatch.setattr(jit_settings, "MODE", "on")
    n = 40_000
    model = MarketModel(seed=3, customers={"n": n})
    model.run(4)
    state = model.state
    # Empty one open coalition by hand, so the recount has a coalition to close.
    open_ids = (state.coalitions.status == CoalitionStatus.OPEN).nonzero()[0]
    assert len(open_ids)
    members = (state.customers.coalition == open_ids[0]).nonzero()[0]
    state.customers.coalition[members] = -1
    state.begin_step(model.steps)
    phases = {
        "arrive": lifecycle.arrive,
        "expire": lifecycle.expire,
        "refresh_coalitions": lifecycle.refresh_coalitions,
    }
    for phase in phases.values():
        phase(state)  # loads the kernels first: their loading allocates
    state.customers.coalition[members] = -1
    state.coalitions.status[open_ids[0]] = CoalitionStatus.OPEN
    tracemalloc.start()
    try:
        for name, phase in phases.items():
            before, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            phase(state)
            peak = tracemalloc.get_traced_memory()[1] - before
            assert peak < n // 4, f"{name} allocated {peak} bytes for {n} customers"
    finally:
        tracemalloc.stop()
    # The recount closed the coalition emptied by hand.
    assert state.coalitions.status[open_ids[0]] == CoalitionStatus.DISSOLVED
