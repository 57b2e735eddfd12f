"""The compiled scans of the customers' columns give exactly the numpy reference's results.

Each kernel of :mod:`mechanisms.membership` is run explicitly (``jit=True``) on random
populations, groups and graphs and compared with the reference (``jit=False``) bit for bit.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanisms.membership import (
    adjacent_groups,
    count_members,
    free_customers,
    join_candidates,
    members_of,
    ungrouped,
)
from tests.mechanisms.graphs import random_graph

ACTIVE = 1


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Bitwise equality: same dtype, shape and bytes."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def population(seed: int, n: int, n_groups: int):
    rng = np.random.default_rng(seed)
    n_products = int(rng.integers(1, 4))

    def ids(p):
        return np.where(rng.random(n) < p, rng.integers(0, max(n_groups, 1), n), -1).astype(
            np.int32
        )

    cols = {
        "status": rng.integers(0, 4, n).astype(np.int8),
        "loner": rng.random(n) < 0.2,
        "invite": ids(0.5) if n_groups else np.full(n, -1, dtype=np.int32),
        "coalition": ids(0.3) if n_groups else np.full(n, -1, dtype=np.int32),
        "product": rng.integers(0, n_products, n).astype(np.int32),
        "quantity": rng.integers(1, 6, n).astype(np.int32),
    }
    groups = {
        "is_open": rng.random(n_groups) < 0.7,
        "co_product": rng.integers(0, n_products, n_groups).astype(np.int32),
    }
    return rng, cols, groups


POPULATIONS = {
    "seed": st.integers(0, 2**32 - 1),
    "n": st.integers(0, 300),
    "n_groups": st.integers(0, 15),
}


@settings(max_examples=200, deadline=None)
@given(**POPULATIONS)
def test_customer_scans_match_the_reference(seed, n, n_groups):
    rng, c, g = population(seed, n, n_groups)
    args = (c["status"], ACTIVE, c["loner"], c["invite"], c["coalition"], c["product"])
    free = [free_customers(*args, g["is_open"], g["co_product"], jit=j) for j in (True, False)]
    assert same(*free)
    lone = [ungrouped(c["status"], ACTIVE, c["loner"], c["coalition"], jit=j) for j in (1, 0)]
    assert same(*lone)
    if n_groups == 0:
        return
    join = [join_candidates(*args, g["is_open"], g["co_product"], jit=j) for j in (True, False)]
    assert same(*join)
    selected = rng.random(n_groups) < 0.5
    assert same(members_of(c["coalition"], selected, True), members_of(c["coalition"], selected))
    counts = [count_members(c["coalition"], c["quantity"], n_groups, jit=j) for j in (1, 0)]
    for a, b in zip(*counts, strict=True):
        assert same(a, b)


@settings(max_examples=150, deadline=None)
@given(**POPULATIONS, degree=st.floats(0.0, 6.0))
def test_adjacent_groups_match_the_reference(seed, n, n_groups, degree):
    if n < 2 or n_groups == 0:
        return
    _, c, g = population(seed, n, n_groups)
    graph = random_graph(n, min(degree, (n - 1) / 2), np.random.default_rng(seed + 1))
    members = members_of(c["coalition"], g["is_open"])
    out = [
        adjacent_groups(
            graph.indptr, graph.indices, members, c["coalition"], g["is_open"], g["co_product"], j
        )
        for j in (True, False)
    ]
    for a, b in zip(*out, strict=True):
        assert same(a, b)
    a, b = out[0]
    assert (a < b).all()
