"""Coalition-formation maths as pure functions over flat arrays.

The model decides *who wants* to join, switch or merge; these functions settle the
simultaneous requests consistently (room limits, no chains), and clear a coalition's
order against a quantity-dependent price.

The sorts by group behind them (:func:`group_order`) have a numba kernel for large inputs:
a counting sort by group, then each group's run sorted by its key (``jit=True``); the numpy
reference is ``np.lexsort``. Both give the same permutation (see :mod:`mechanisms.jit`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mechanisms.arrays import filled
from mechanisms.jit import lazy_kernel, use_kernels

_group_order_kernel = lazy_kernel("mechanisms.kernels.formation", "_group_order_kernel")
_admit_kernel = lazy_kernel("mechanisms.kernels.formation", "_admit_kernel")

#: Runs up to this length are sorted by insertion inside the kernel (no allocation).
_SHORT_RUN = 64


def group_order(group: np.ndarray, key: np.ndarray, jit: bool = False) -> np.ndarray:
    """The permutation sorting by ``group``, then ``key``, then position (``np.lexsort``).

    Args:
        group: Non-negative group ids (dense: the kernel counts ``group.max() + 1`` runs).
        key: Sort key within a group (NaN last, as numpy sorts).
        jit: Run the compiled kernel (the same permutation as ``np.lexsort((key, group))``).
    """
    if not jit or len(group) == 0:
        return np.lexsort((key, group))
    return _group_order_kernel(group, key)


def run_starts(sorted_group: np.ndarray) -> np.ndarray:
    """Position of the first element of each element's run of equal ``sorted_group``."""
    start = np.ones(len(sorted_group), dtype=bool)
    start[1:] = sorted_group[1:] != sorted_group[:-1]
    return np.maximum.accumulate(np.where(start, np.arange(len(sorted_group)), 0))


def rank_within(group: np.ndarray, priority: np.ndarray, jit: bool = False) -> np.ndarray:
    """0-based rank of each element within its group, by ascending ``priority``.

    Ties keep positions in order; ``jit`` sorts with the kernel (:func:`group_order`).
    """
    if len(group) == 0:
        return np.empty(0, dtype=np.int64)
    order = group_order(group, priority, jit)
    idx = np.arange(len(group))
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = idx - run_starts(group[order])
    return rank


def admit(
    target: np.ndarray, room: np.ndarray, priority: np.ndarray, jit: bool = False
) -> np.ndarray:
    """Settle simultaneous requests to enter groups with limited room.

    Args:
        target: Group each request wants to enter.
        room: Free places per group (indexed by group id).
        priority: Lower goes first (random keys make it a lottery).
        jit: Rank with the compiled kernel (same result).

    Returns:
        Mask of the requests admitted: per group, the first ``room`` by priority.
    """
    if not jit or len(target) == 0:
        room_t = room[target]
        if len(target) and len(target) <= room_t.min():
            # No rank reaches the request count, so every request fits: skip the sort.
            ok = filled(len(target), True, dtype=bool)
            return ok
        return rank_within(target, priority) < room_t
    return _admit_kernel(target, room, priority)


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
    first = run_starts(group)
    return c - c[first] + values[first]


def clear_orders(
    group: np.ndarray,
    wtp: np.ndarray,
    qty: np.ndarray,
    price_of: Callable[[np.ndarray, np.ndarray], np.ndarray],
    jit: bool | None = None,
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
        jit: Sort with the compiled kernel (same result); None: when the work is large
            (:func:`mechanisms.jit.use_kernels`).

    Returns:
        ``(keep, reservation, price)``: mask of kept members; per member row the group's
        reservation (lowest kept valuation, NaN for groups with nobody kept) and schedule
        price, both indexed by group id (arrays of length ``group.max() + 1``).
    """
    n_groups = int(group.max()) + 1 if len(group) else 0
    keep = np.zeros(len(group), dtype=bool)
    reservation = filled(n_groups, np.nan)
    price = filled(n_groups, np.nan)
    if len(group) == 0:
        return keep, reservation, price
    order = group_order(group, -wtp, use_kernels(len(group)) if jit is None else jit)
    g, w, q = group[order], wtp[order], qty[order]
    # :func:`group_cumsum` and the ranks below share the runs' starts.
    first = run_starts(g)
    c = np.cumsum(q)
    cum_q = c - c[first] + q[first]
    p = price_of(g, cum_q)
    feasible = w >= p
    # Sorted by (group, -wtp, position): the rank is the position in the group's run.
    rank = np.arange(len(g)) - first  # 0 for the highest valuation
    best_rank = filled(n_groups, -1, dtype=np.int64)
    np.maximum.at(best_rank, g[feasible], rank[feasible])
    best = best_rank[g]
    kept_sorted = rank <= best
    keep[order] = kept_sorted
    last = kept_sorted & (rank == best)
    reservation[g[last]] = w[last]
    price[g[last]] = p[last]
    return keep, reservation, price
