"""Kernels of :mod:`mechanisms.allocation` (its numpy code is the reference)."""

from __future__ import annotations

import numpy as np

from mechanisms.kernels import kernel


@kernel
def _first_fit_kernel(
    seller: np.ndarray, units: np.ndarray, left: np.ndarray, priority: np.ndarray
) -> np.ndarray:
    n = seller.shape[0]
    demand = np.zeros(left.shape[0], dtype=np.int64)
    for i in range(n):
        demand[seller[i]] += units[i]
    served = np.zeros(n, dtype=np.bool_)
    m = 0
    for i in range(n):
        s = seller[i]
        if demand[s] <= left[s]:
            served[i] = True
        else:
            m += 1
    if m == 0:
        return served
    queue = np.empty(m, dtype=np.int64)
    k = 0
    for i in range(n):
        s = seller[i]
        if demand[s] > left[s]:
            queue[k] = i
            k += 1
    # One queue in priority order holds every seller's own queue in order (stable sort).
    order = np.argsort(priority[queue], kind="mergesort")
    for j in range(m):
        i = queue[order[j]]
        s = seller[i]
        if units[i] <= left[s]:
            served[i] = True
            left[s] -= units[i]
    return served
