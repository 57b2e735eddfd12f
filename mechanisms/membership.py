"""Who is in which coalition: scans of the customers' columns, sized by what they find.

Formation asks a few questions of the whole population every step: who may ask to join the
group it heard of, who is free to found one, who belongs to a given set of groups, how many
members and units each group has, and which groups touch in the graph. The numpy reference
of each builds masks and gathers as long as the population; its numba kernel reads the
columns once, without branches on the (unpredictable) answers, and writes the answer into a
buffer of which only the filled part is ever touched, so at 10^6 customers a question costs
one streaming read rather than a dozen 1-8 MB temporaries. Every function returns the same
arrays either way (``jit``; see :mod:`mechanisms.jit`).
"""

from __future__ import annotations

import numpy as np

from mechanisms.arrays import sorted_unique
from mechanisms.jit import lazy_kernel

_join_candidates_kernel = lazy_kernel("mechanisms.kernels.membership", "_join_candidates_kernel")
_free_customers_kernel = lazy_kernel("mechanisms.kernels.membership", "_free_customers_kernel")
_ungrouped_kernel = lazy_kernel("mechanisms.kernels.membership", "_ungrouped_kernel")
_members_of_kernel = lazy_kernel("mechanisms.kernels.membership", "_members_of_kernel")
_count_members_kernel = lazy_kernel("mechanisms.kernels.membership", "_count_members_kernel")
_adjacent_keys_kernel = lazy_kernel("mechanisms.kernels.membership", "_adjacent_keys_kernel")


def join_candidates(
    status: np.ndarray,
    active: int,
    loner: np.ndarray,
    invite: np.ndarray,
    coalition: np.ndarray,
    product: np.ndarray,
    is_open: np.ndarray,
    co_product: np.ndarray,
    jit: bool = False,
) -> np.ndarray:
    """Customers who may ask to join the group they were invited to, ascending.

    Those with status ``active``, not loners, holding an invitation to an open group of
    their own product that is not already their group.

    Args:
        status: Customer status codes.
        active: The code of a shopping customer.
        loner: Never joins groups.
        invite: Group each customer heard of (-1 none).
        coalition: Group each customer is in (-1 none).
        product: Product each customer wants.
        is_open: Per group: still recruiting (at least one group).
        co_product: Product of each group.
        jit: Run the compiled kernel (same result).
    """
    if jit:
        return _join_candidates_kernel(
            status, active, loner, invite, coalition, product, is_open, co_product
        )
    # Few customers shop with an invitation at a time: gather only theirs.
    who = ((status == active) & ~loner & (invite >= 0)).nonzero()[0]
    inv = invite[who]
    usable = is_open[inv] & (co_product[inv] == product[who]) & (inv != coalition[who])
    return who[usable]


def free_customers(
    status: np.ndarray,
    active: int,
    loner: np.ndarray,
    invite: np.ndarray,
    coalition: np.ndarray,
    product: np.ndarray,
    is_open: np.ndarray,
    co_product: np.ndarray,
    jit: bool = False,
) -> np.ndarray:
    """Customers free to found a group, ascending.

    Those with status ``active``, not loners, in no group, and holding no invitation to an
    open group of their own product (with no groups at all, no invitation of any kind).
    Arguments as in :func:`join_candidates` (``is_open`` and ``co_product`` may be empty).
    """
    if jit:
        return _free_customers_kernel(
            status, active, loner, invite, coalition, product, is_open, co_product
        )
    # Few customers shop outside a group at a time: gather only theirs.
    who = ((status == active) & ~loner & (coalition == -1)).nonzero()[0]
    inv = invite[who]
    if len(is_open):
        # No invitation (-1) reads the last group's entries, which ``inv >= 0`` discards.
        heard = (inv >= 0) & (co_product[inv] == product[who]) & is_open[inv]
    else:
        heard = inv >= 0
    return who[~heard]


def ungrouped(
    status: np.ndarray, active: int, loner: np.ndarray, coalition: np.ndarray, jit: bool = False
) -> np.ndarray:
    """Customers with status ``active``, not loners and in no group, ascending."""
    if jit:
        return _ungrouped_kernel(status, active, loner, coalition)
    return ((status == active) & ~loner & (coalition == -1)).nonzero()[0]


def members_of(coalition: np.ndarray, selected: np.ndarray, jit: bool = False) -> np.ndarray:
    """Customers in a group marked in ``selected`` (a mask over group ids), ascending."""
    if jit:
        return _members_of_kernel(coalition, selected)
    members = (coalition >= 0).nonzero()[0]
    return members[selected[coalition[members]]]


def count_members(
    coalition: np.ndarray, quantity: np.ndarray, n_groups: int, jit: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """``(members, units)`` of each of ``n_groups`` groups (int64), from the members' column."""
    if jit:
        return _count_members_kernel(coalition, quantity, n_groups)
    inside = coalition >= 0
    c = coalition[inside]
    size = np.bincount(c, minlength=n_groups)[:n_groups].astype(np.int64)
    units = np.bincount(c, weights=quantity[inside], minlength=n_groups)[:n_groups]
    return size, units.astype(np.int64)


def adjacent_groups(
    indptr: np.ndarray,
    indices: np.ndarray,
    members: np.ndarray,
    coalition: np.ndarray,
    is_open: np.ndarray,
    co_product: np.ndarray,
    jit: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of distinct groups of the same product joined by an edge from ``members``.

    Args:
        indptr: CSR row pointers.
        indices: CSR neighbours.
        members: Every customer in an open group, ascending (:func:`members_of`); the
            edges of these count.
        coalition: Group of each customer (-1 none).
        is_open: Per group: still recruiting (the neighbour's group must be).
        co_product: Product of each group.
        jit: Run the compiled kernel (same result).

    Returns:
        ``(a, b)``: each pair once, ``a < b`` (int64), sorted by ``(a, b)``.
    """
    n_groups = len(is_open)
    if jit:
        keys = _adjacent_keys_kernel(indptr, indices, members, coalition, is_open, co_product)
    else:
        # The edges of :func:`~mechanisms.discovery.incident_edges`, with each edge's own
        # group read once per member rather than once per edge.
        start = indptr[members]
        deg = indptr[1:][members] - start
        ends = deg.cumsum()
        total = int(ends[-1]) if len(ends) else 0
        # Entry j of member i sits at start[i] + (j - where member i's entries begin).
        pos = np.arange(total) + (start - ends + deg).repeat(deg)
        a, b = coalition[members].repeat(deg), coalition[indices[pos]]
        # Most steps no edge leaves its group for another, and few pairs ever merge: stop
        # as soon as nothing is left.
        ok = (b >= 0) & (a != b)
        if not ok.any():
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        a, b = a[ok], b[ok]
        ok = is_open[b] & (co_product[a] == co_product[b])
        if not ok.any():
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        a, b = a[ok], b[ok]
        keys = np.minimum(a, b).astype(np.int64) * n_groups + np.maximum(a, b)
    pairs = sorted_unique(keys)
    return pairs // n_groups, pairs % n_groups
