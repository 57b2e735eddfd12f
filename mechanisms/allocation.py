"""Capacity allocation: which agreed orders a seller can actually deliver this step."""

from __future__ import annotations

import numpy as np

from mechanisms.formation import group_cumsum
from mechanisms.jit import lazy_kernel, use_kernels

_first_fit_walk = lazy_kernel("mechanisms.kernels.trade", "_first_fit_walk")


def first_fit(
    seller: np.ndarray,
    units: np.ndarray,
    capacity: np.ndarray,
    priority: np.ndarray,
    jit: bool | None = None,
) -> np.ndarray:
    """Serve orders in priority order, each if it still fits in its seller's capacity.

    Equivalent to walking each seller's queue (lowest ``priority`` first, ties in position
    order) and accepting an order whenever its ``units`` do not exceed the capacity left —
    but batched over all sellers: each pass drops queued orders that no longer fit, then
    accepts every seller's leading run of orders whose running total fits. Passes repeat
    until the queue is empty, so the result is exactly sequential first-fit. With ``jit``
    it is :func:`first_fit_prefix` with its compiled walk (the same result).

    Args:
        seller: Seller of each order.
        units: Units of each order (>= 1).
        capacity: Capacity left per seller (indexed by seller id).
        priority: Queue position key (e.g. random draws): lower is served first.
        jit: Run the compiled kernel (same result); None: when the work is large
            (:func:`mechanisms.jit.use_kernels`).

    Returns:
        Mask of the orders served.
    """
    if use_kernels(len(seller)) if jit is None else jit:
        return first_fit_prefix(seller, units, capacity, priority, jit=True)
    left = np.asarray(capacity, dtype=np.int64).copy()
    units = np.asarray(units, dtype=np.int64)
    served = np.zeros(len(seller), dtype=bool)
    queue = np.lexsort((priority, seller))
    while len(queue):
        queue = queue[units[queue] <= left[seller[queue]]]
        if len(queue) == 0:
            break
        s = seller[queue]
        # Running totals grow within a seller's queue, so ``take`` is a leading run.
        take = group_cumsum(s, units[queue]) <= left[s]
        served[queue[take]] = True
        np.subtract.at(left, s[take], units[queue][take])
        queue = queue[~take]
    return served


def first_fit_prefix(
    seller: np.ndarray,
    units: np.ndarray,
    capacity: np.ndarray,
    priority: np.ndarray,
    jit: bool = True,
) -> np.ndarray:
    """Sequential first-fit: orders in ascending ``priority`` (ties by position) take capacity.

    Same arguments and result as :func:`mechanisms.allocation.first_fit`; ``capacity`` is
    not changed. Only orders that can still fit are sorted: the queue is walked in
    prefixes of the lowest priorities (a partition, then a stable sort of the prefix,
    walked in turn); after each prefix, orders whose units exceed their seller's capacity
    left are dropped, since capacity only shrinks. When capacity is short (the usual large
    market) the first prefix settles everything.

    Args:
        seller: Seller of each order.
        units: Units of each order (>= 1).
        capacity: Capacity left per seller.
        priority: Queue position key: lower is served first.
        jit: Walk with the compiled :func:`_first_fit_walk` (else a plain Python walk, for
            the few orders of a small market).
    """
    walk = _first_fit_walk if jit else _first_fit_walk_lists
    seller = np.asarray(seller)
    units = np.asarray(units, dtype=np.int64)
    priority = np.asarray(priority, dtype=np.float64)
    served = np.zeros(len(seller), dtype=bool)
    if not len(seller):
        return served
    left = np.asarray(capacity, dtype=np.int64)
    if not jit and _all_fit(seller, units, left):
        # The usual small market: capacity to spare, so the walk would serve everyone.
        served.fill(True)
        return served
    left = left.copy()
    # Each order takes at least one unit: at most sum(capacity) are served.
    size = 2 * int(np.maximum(left, 0).sum()) + 64
    if len(seller) <= size:
        # One prefix holds every order (the queue is the identity): walk it and stop.
        walk(np.argsort(priority, kind="stable"), seller, units, left, served)
        return served
    queue = np.arange(len(seller))
    while len(queue):
        p = priority[queue]
        if len(queue) > size:
            # The prefix is every order up to the size-th lowest priority, ties included.
            head = p <= np.partition(p, size)[size]
            queue, rest, p = queue[head], queue[~head], p[head]
        else:
            rest = queue[:0]
        walk(queue[np.argsort(p, kind="stable")], seller, units, left, served)
        queue = rest[units[rest] <= left[seller[rest]]]
        size *= 4
    return served


def _all_fit(seller: np.ndarray, units: np.ndarray, left: np.ndarray) -> bool:
    """Whether every order fits at once, so that first-fit serves them all in any order.

    With non-negative units a seller's running total never exceeds the sum of its orders,
    so when every seller's sum fits its capacity left, each order fits when its turn comes.
    ``bincount`` sums in floats: exact below 2**53, and at least 2**53 once the true sum
    is, so the test is exact for any capacity below 2**53.
    """
    if units.min() < 0 or seller.min() < 0:
        return False
    demand = np.bincount(seller, weights=units, minlength=len(left))
    return len(demand) == len(left) and bool((demand <= left).all())


def _first_fit_walk_lists(
    queue: np.ndarray, seller: np.ndarray, units: np.ndarray, left: np.ndarray, served: np.ndarray
) -> None:
    """:func:`_first_fit_walk` over Python lists (cheaper than numpy for a few orders)."""
    room = left.tolist()
    taken = []
    for j, (s, u) in enumerate(zip(seller[queue].tolist(), units[queue].tolist(), strict=True)):
        if u <= room[s]:
            taken.append(j)
            room[s] -= u
    served[queue[taken]] = True
    left[:] = room
