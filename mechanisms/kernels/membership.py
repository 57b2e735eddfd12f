"""Kernels of :mod:`mechanisms.membership` (its numpy code is the reference)."""

from __future__ import annotations

import numpy as np

from mechanisms.kernels import kernel


@kernel
def _join_candidates_kernel(
    status: np.ndarray,
    active: int,
    loner: np.ndarray,
    invite: np.ndarray,
    coalition: np.ndarray,
    product: np.ndarray,
    is_open: np.ndarray,
    co_product: np.ndarray,
) -> np.ndarray:
    n = status.shape[0]
    out = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        c = invite[i]
        cc = max(c, 0)
        ok = (
            (status[i] == active)
            & (not loner[i])
            & (c >= 0)
            & (c != coalition[i])
            & is_open[cc]
            & (co_product[cc] == product[i])
        )
        out[k] = i
        k += ok
    return out[:k]


@kernel
def _free_customers_kernel(
    status: np.ndarray,
    active: int,
    loner: np.ndarray,
    invite: np.ndarray,
    coalition: np.ndarray,
    product: np.ndarray,
    is_open: np.ndarray,
    co_product: np.ndarray,
) -> np.ndarray:
    n = status.shape[0]
    out = np.empty(n, dtype=np.int64)
    any_groups = is_open.shape[0] > 0
    k = 0
    for i in range(n):
        c = invite[i]
        heard = c >= 0
        if any_groups:
            cc = max(c, 0)
            heard = heard & (co_product[cc] == product[i]) & is_open[cc]
        ok = (status[i] == active) & (not loner[i]) & (coalition[i] == -1) & (not heard)
        out[k] = i
        k += ok
    return out[:k]


@kernel
def _ungrouped_kernel(
    status: np.ndarray, active: int, loner: np.ndarray, coalition: np.ndarray
) -> np.ndarray:
    n = status.shape[0]
    out = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        out[k] = i
        k += (status[i] == active) & (not loner[i]) & (coalition[i] == -1)
    return out[:k]


@kernel
def _members_of_kernel(coalition: np.ndarray, selected: np.ndarray) -> np.ndarray:
    n = coalition.shape[0]
    out = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        c = coalition[i]
        out[k] = i
        k += (c >= 0) & selected[max(c, 0)]
    return out[:k]


@kernel
def _count_members_kernel(
    coalition: np.ndarray, quantity: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    size = np.zeros(n_groups, dtype=np.int64)
    units = np.zeros(n_groups, dtype=np.int64)
    for i in range(coalition.shape[0]):
        c = coalition[i]
        if c >= 0 and c < n_groups:  # as the reference's bincount[:n_groups]
            size[c] += 1
            units[c] += quantity[i]
    return size, units


@kernel
def _adjacent_keys_kernel(
    indptr: np.ndarray,
    indices: np.ndarray,
    members: np.ndarray,
    coalition: np.ndarray,
    is_open: np.ndarray,
    co_product: np.ndarray,
) -> np.ndarray:
    # A bitmap of the members (n / 8 bytes: it stays in cache) answers "is this neighbour in
    # an open group?" for most edges without reading its coalition at random.
    n_groups = is_open.shape[0]
    in_group = np.zeros((coalition.shape[0] + 7) // 8, dtype=np.uint8)
    total = 0
    for k in range(members.shape[0]):
        s = members[k]
        in_group[s >> 3] |= np.uint8(1 << (s & 7))
        total += indptr[s + 1] - indptr[s]
    keys = np.empty(total, dtype=np.int64)
    count = 0
    for k in range(members.shape[0]):
        s = members[k]
        a = np.int64(coalition[s])
        for j in range(indptr[s], indptr[s + 1]):
            t = indices[j]
            if not (in_group[t >> 3] >> (t & 7)) & 1:
                continue
            b = np.int64(coalition[t])
            if b < 0 or b == a or not is_open[b] or co_product[a] != co_product[b]:
                continue
            keys[count] = min(a, b) * n_groups + max(a, b)
            count += 1
    return keys[:count]
