"""The coalition table: incremental size updates agree with a recount from the members."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.coalition import CoalitionStatus, CoalitionTable
from mechanisms import jit


def table_with(n_groups: int) -> CoalitionTable:
    co = CoalitionTable(capacity=2)
    co.found(product=np.zeros(n_groups, dtype=np.int32), status=np.zeros(n_groups, np.int8))
    return co


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 200), n_groups=st.integers(1, 12))
def test_adjusting_for_moves_gives_the_recount(seed, n, n_groups):
    rng = np.random.default_rng(seed)
    quantity = rng.integers(1, 6, n).astype(np.int32)
    coalition = np.where(rng.random(n) < 0.5, rng.integers(0, n_groups, n), -1).astype(np.int32)
    co = table_with(n_groups)
    co.refresh_sizes(coalition, quantity)
    for _ in range(3):
        who = rng.choice(n, size=int(rng.integers(0, n + 1)), replace=False)
        old = coalition[who]
        new = np.where(rng.random(len(who)) < 0.7, rng.integers(0, n_groups, len(who)), -1)
        coalition[who] = new
        left, joined = old >= 0, new >= 0
        co.adjust(old[left], -1, -quantity[who][left])
        co.adjust(new[joined], 1, quantity[who][joined])
        recount = table_with(n_groups)
        recount.refresh_sizes(coalition, quantity)
        assert np.array_equal(co.size, recount.size)
        assert np.array_equal(co.units, recount.units)


def test_the_recount_is_the_same_with_and_without_kernels(monkeypatch):
    rng = np.random.default_rng(5)
    coalition = np.where(rng.random(50_000) < 0.3, rng.integers(0, 900, 50_000), -1)
    quantity = rng.integers(1, 6, 50_000).astype(np.int32)
    tables = {}
    for mode in ("on", "off"):
        monkeypatch.setattr(jit, "MODE", mode)
        tables[mode] = table_with(1000)
        tables[mode].refresh_sizes(coalition.astype(np.int32), quantity)
    for col in ("size", "units"):
        a, b = getattr(tables["on"], col), getattr(tables["off"], col)
        assert a.dtype == b.dtype == np.int32 and np.array_equal(a, b)
    assert tables["on"].view(0).status == CoalitionStatus.OPEN
