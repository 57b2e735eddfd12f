"""The compiled formation kernels give exactly the numpy reference's results.

Every kernel is run explicitly (``jit=True``, not through the size switch) on random inputs
and compared with the reference (``jit=False``) bit for bit: the sort by group and key
(``np.lexsort``), admission to groups with limited room, order clearing, first-fit capacity
allocation. Keys include ties, negative zeros and NaN, so that the tie-breaks (position
order, NaN last) are exercised.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanisms.allocation import first_fit
from mechanisms.formation import admit, clear_orders, group_order, rank_within

SEEDS = st.integers(0, 2**32 - 1)


def random_keys(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    """Sort keys with many ties (few distinct values), or uniforms; some NaN, -0.0."""
    if kind == "int":
        return rng.integers(-3, 4, n)
    if kind == "uniform":
        return rng.random(n)
    keys = rng.integers(-3, 4, n).astype(np.float64)
    keys[rng.random(n) < 0.1] = np.nan
    keys[keys == 0] *= np.where(rng.random(int((keys == 0).sum())) < 0.5, -1.0, 1.0)
    return keys


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Bitwise equality: same dtype, shape and bytes (NaN payloads included)."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@settings(max_examples=200, deadline=None)
@given(
    seed=SEEDS,
    n=st.integers(0, 400),
    n_groups=st.integers(1, 40),
    kind=st.sampled_from(["int", "uniform", "ties"]),
    dtype=st.sampled_from([np.int32, np.int64]),
)
def test_group_order_kernel_is_lexsort(seed, n, n_groups, kind, dtype):
    rng = np.random.default_rng(seed)
    # Skewed groups: some runs are long enough for the kernel's merge sort branch.
    group = (rng.pareto(1.0, n) * 3).astype(np.int64) % n_groups
    group = group.astype(dtype)
    key = random_keys(rng, n, kind)
    order = group_order(group, key, jit=True)
    assert same(order, np.lexsort((key, group)).astype(np.int64))
    assert same(rank_within(group, key, jit=True), rank_within(group, key))


def test_group_order_kernel_sorts_long_runs():
    rng = np.random.default_rng(3)
    group = np.zeros(5000, dtype=np.int32)
    group[::7] = 2
    key = random_keys(rng, 5000, "ties")
    assert same(group_order(group, key, jit=True), np.lexsort((key, group)))


@settings(max_examples=200, deadline=None)
@given(
    seed=SEEDS,
    n=st.integers(0, 400),
    n_groups=st.integers(1, 30),
    room_max=st.integers(0, 50),
    kind=st.sampled_from(["int", "uniform", "ties"]),
)
def test_admit_kernel_matches_the_reference(seed, n, n_groups, room_max, kind):
    rng = np.random.default_rng(seed)
    target = ((rng.pareto(1.0, n) * 3).astype(np.int64) % n_groups).astype(np.int32)
    room = rng.integers(-2, room_max + 1, n_groups).astype(np.int32)
    priority = random_keys(rng, n, kind)
    assert same(admit(target, room, priority, jit=True), admit(target, room, priority))


@settings(max_examples=150, deadline=None)
@given(
    seed=SEEDS,
    n=st.integers(0, 300),
    n_groups=st.integers(1, 25),
    kind=st.sampled_from(["uniform", "ties"]),
)
def test_clear_orders_kernel_matches_the_reference(seed, n, n_groups, kind):
    rng = np.random.default_rng(seed)
    group = rng.integers(0, n_groups, n)
    wtp = np.abs(random_keys(rng, n, kind)) * 4.0
    qty = rng.integers(1, 5, n)
    base = rng.uniform(2.0, 12.0, n_groups)

    def price_of(g, q):
        return base[g] - 0.3 * np.minimum(q, 12)

    out_jit = clear_orders(group, wtp, qty, price_of, jit=True)
    out_ref = clear_orders(group, wtp, qty, price_of, jit=False)
    for a, b in zip(out_jit, out_ref, strict=True):
        assert same(a, b)


def sequential_first_fit(seller, units, capacity, priority):
    left = list(capacity)
    served = np.zeros(len(seller), dtype=bool)
    for i in np.lexsort((priority, seller)):
        if units[i] <= left[seller[i]]:
            left[seller[i]] -= units[i]
            served[i] = True
    return served


@settings(max_examples=200, deadline=None)
@given(
    seed=SEEDS,
    n=st.integers(0, 300),
    n_sellers=st.integers(1, 8),
    cap_max=st.integers(0, 200),
    kind=st.sampled_from(["uniform", "ties", "int"]),
)
def test_first_fit_kernel_matches_the_reference(seed, n, n_sellers, cap_max, kind):
    rng = np.random.default_rng(seed)
    seller = rng.integers(0, n_sellers, n).astype(np.int32)
    units = rng.integers(1, 10, n)
    capacity = rng.integers(0, cap_max + 1, n_sellers)
    priority = random_keys(rng, n, kind)
    served = first_fit(seller, units, capacity, priority, jit=True)
    assert same(served, first_fit(seller, units, capacity, priority, jit=False))
    assert same(served, sequential_first_fit(seller, units, capacity, priority))
