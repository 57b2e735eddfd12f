"""Coalition-formation maths as pure functions over flat arrays.

The model decides *who wants* to join, switch or merge; these functions settle the
simultaneous requests consistently (room limits, no chains), and clear a coalition's
order against a quantity-dependent price.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def rank_within(group: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """0-based rank of each element within its group, by ascending ``priority``."""
    if len(group) == 0:
        return np.empty(0, dtype=np.int64)
    order = np.lexsort((priority, group))
    g = group[order]
    start = np.ones(len(g), dtype=bool)
    start[1:] = g[1:] != g[:-1]
    idx = np.arange(len(g))
    first_of_run = np.maximum.accumulate(np.where(start, idx, 0))
    rank = np.empty(len(g), dtype=np.int64)
    rank[order] = idx - first_of_run
    return rank


def admit(target: np.ndarray, room: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """Settle simultaneous requests to enter groups with limited room.

    Args:
        target: Group each request wants to enter.
        room: Free places per group (indexed by group id).
        priority: Lower goes first (random keys make it a lottery).

    Returns:
        Mask of the requests admitted: per group, the first ``room`` by priority.
    """
    return rank_within(target, priority) < room[target]


def plan_merges(
    a: np.ndarray, b: np.ndarray, size: np.ndarray, max_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy merge of adjacent coalitions: smaller ones fold into larger neighbours.

    Each candidate pair ``(a, b)`` (both open, same product, adjacent in the graph) may merge
    the smaller (by size, then higher id) into the larger. Every coalition merges into at
    most one partner, chooses its largest partner, a coalition that absorbs others is not
    itself absorbed in the same round, and an absorber never exceeds ``max_size``.

    Returns:
        ``(absorbed, into)``: coalition ids merged away and the id each one joins.
    """
    if len(a) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    sa, sb = size[a], size[b]
    a_small = (sa < sb) | ((sa == sb) & (a > b))
    small = np.where(a_small, a, b)
    large = np.where(a_small, b, a)
    keep = small != large
    small, large = small[keep], large[keep]
    fits = size[small] + size[large] <= max_size
    small, large = small[fits], large[fits]
    if len(small) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    pick = _best_partner(small, large, size)
    small, large = small[pick], large[pick]
    absorbs = np.zeros(len(size), dtype=bool)
    absorbs[large] = True
    not_chained = ~absorbs[small]
    small, large = small[not_chained], large[not_chained]
    order = np.lexsort((small, large))
    small, large = small[order], large[order]
    cum = group_cumsum(large, size[small])
    ok = size[large] + cum <= max_size
    return small[ok], large[ok]


def _best_partner(small: np.ndarray, large: np.ndarray, size: np.ndarray) -> np.ndarray:
    order = np.lexsort((large, -size[large], small))
    s = small[order]
    first = np.ones(len(s), dtype=bool)
    first[1:] = s[1:] != s[:-1]
    return order[first]


def group_cumsum(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Inclusive running sum of ``values`` within runs of equal (sorted) ``group``."""
    if len(group) == 0:
        return np.asarray(values).copy()
    c = np.cumsum(values)
    start = np.ones(len(group), dtype=bool)
    start[1:] = group[1:] != group[:-1]
    first = np.maximum.accumulate(np.where(start, np.arange(len(c)), 0))
    return c - c[first] + values[first]


def clear_orders(
    group: np.ndarray,
    wtp: np.ndarray,
    qty: np.ndarray,
    price_of: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Largest set of members of each group that all accept the group's schedule price.

    Members are ranked by willingness to pay (highest first). Taking the top ``k`` gives
    quantity ``Q_k`` and schedule price ``price_of(g, Q_k)``; the top ``k`` clear when the
    ``k``-th highest valuation is at least that price. The largest such ``k`` is chosen, so
    no kept member pays above its valuation.

    Args:
        group: Group of each member (any order).
        wtp: Member valuations per unit.
        qty: Member quantities.
        price_of: ``(group_ids, quantities) -> unit prices`` of each group's seller.

    Returns:
        ``(keep, reservation, price)``: mask of kept members; per member row the group's
        reservation (lowest kept valuation, NaN for groups with nobody kept) and schedule
        price, both indexed by group id (arrays of length ``group.max() + 1``).
    """
    n_groups = int(group.max()) + 1 if len(group) else 0
    keep = np.zeros(len(group), dtype=bool)
    reservation = np.full(n_groups, np.nan)
    price = np.full(n_groups, np.nan)
    if len(group) == 0:
        return keep, reservation, price
    order = np.lexsort((-wtp, group))
    g, w, q = group[order], wtp[order], qty[order]
    cum_q = group_cumsum(g, q)
    p = price_of(g, cum_q)
    feasible = w >= p
    rank = rank_within(g, -w)  # 0 for the highest valuation
    best_rank = np.full(n_groups, -1)
    np.maximum.at(best_rank, g[feasible], rank[feasible])
    kept_sorted = rank <= best_rank[g]
    keep[order] = kept_sorted
    last = kept_sorted & (rank == best_rank[g])
    reservation[g[last]] = w[last]
    price[g[last]] = p[last]
    return keep, reservation, price
