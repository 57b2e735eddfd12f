"""Kernels of :mod:`mechanisms.formation` (its numpy code is the reference)."""

from __future__ import annotations

import numpy as np

from mechanisms.formation import _SHORT_RUN
from mechanisms.kernels import kernel


@kernel
def _group_order_kernel(group: np.ndarray, key: np.ndarray) -> np.ndarray:  # pragma: no cover
    # Counting sort by group keeps positions ascending within a group (stable); each run is
    # then sorted stably by key: the lexsort permutation. NaN keys go last, like numpy's.
    n = group.shape[0]
    order = np.empty(n, dtype=np.int64)
    n_groups = np.int64(group.max()) + 1
    start = np.zeros(n_groups + 1, dtype=np.int64)
    for i in range(n):
        start[group[i] + 1] += 1
    for g in range(n_groups):
        start[g + 1] += start[g]
    fill = start[:-1].copy()
    for i in range(n):
        g = group[i]
        order[fill[g]] = i
        fill[g] += 1
    for g in range(n_groups):
        a, b = start[g], start[g + 1]
        if b - a <= 1:
            continue
        if b - a <= _SHORT_RUN:
            for j in range(a + 1, b):
                item = order[j]
                k = key[item]
                m = j
                while m > a:
                    prev = key[order[m - 1]]
                    # k sorts strictly before prev (NaN after every number).
                    if k < prev or (k == k and prev != prev):
                        order[m] = order[m - 1]
                        m -= 1
                    else:
                        break
                order[m] = item
        else:
            run = order[a:b].copy()
            within = np.argsort(key[run], kind="mergesort")
            for j in range(b - a):
                order[a + j] = run[within[j]]
    return order


@kernel
def _admit_kernel(target: np.ndarray, room: np.ndarray, priority: np.ndarray) -> np.ndarray:
    # A group with no more requests than room admits them all; an oversubscribed group
    # admits its ``room`` first requests by (priority, position), kept in a small sorted
    # buffer while its requests are read in position order: no sort of the whole group.
    n = target.shape[0]
    n_groups = room.shape[0]
    count = np.zeros(n_groups, dtype=np.int64)
    for i in range(n):
        count[target[i]] += 1
    ok = np.ones(n, dtype=np.bool_)
    start = np.zeros(n_groups + 1, dtype=np.int64)
    for g in range(n_groups):
        over = count[g] if count[g] > room[g] else 0
        start[g + 1] = start[g] + over
    if start[n_groups] == 0:
        return ok
    bucket = np.empty(start[n_groups], dtype=np.int64)
    fill = start[:-1].copy()
    for i in range(n):
        g = target[i]
        if count[g] > room[g]:
            bucket[fill[g]] = i
            fill[g] += 1
            ok[i] = False
    best = np.empty(max(np.int64(room.max()), 0) + 1, dtype=np.int64)
    for g in range(n_groups):
        a, b = start[g], start[g + 1]
        r = np.int64(room[g])
        if b == a or r <= 0:
            continue
        kept = 0
        for j in range(a, b):
            item = bucket[j]
            k = priority[item]
            if kept == r:
                worst = priority[best[r - 1]]
                # Later positions win only on a strictly smaller key (NaN after numbers).
                if not (k < worst or (k == k and worst != worst)):
                    continue
                kept -= 1
            m = kept
            while m > 0:
                prev = priority[best[m - 1]]
                if k < prev or (k == k and prev != prev):
                    best[m] = best[m - 1]
                    m -= 1
                else:
                    break
            best[m] = item
            kept += 1
        for j in range(kept):
            ok[best[j]] = True
    return ok
