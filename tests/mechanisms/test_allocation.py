"""Capacity allocation: batched and prefix first-fit equal the sequential rule."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from mechanisms.allocation import first_fit, first_fit_prefix


@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(1, 9), st.floats(0, 1)), max_size=40),
    st.lists(st.integers(0, 25), min_size=4, max_size=4),
)
def test_first_fit_equals_the_sequential_rule(orders, capacity):
    seller = np.array([o[0] for o in orders], dtype=np.int64)
    units = np.array([o[1] for o in orders], dtype=np.int64)
    prio = np.array([o[2] for o in orders])
    served = first_fit(seller, units, np.array(capacity), prio)
    left = list(capacity)
    expected = np.zeros(len(orders), dtype=bool)
    for i in np.lexsort((prio, seller)):
        if units[i] <= left[seller[i]]:
            left[seller[i]] -= units[i]
            expected[i] = True
    assert np.array_equal(served, expected)
    # The prefix walk (with its shortcut when every seller's demand fits) agrees too, and
    # leaves the capacity it was given alone.
    cap = np.array(capacity, dtype=np.int64)
    assert np.array_equal(first_fit_prefix(seller, units, cap, prio, jit=False), expected)
    assert cap.tolist() == capacity
