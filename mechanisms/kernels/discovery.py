"""Kernels of :mod:`mechanisms.discovery`: one word-of-mouth round (senders, delivery)."""

from __future__ import annotations

import numpy as np

from mechanisms.kernels import kernel


@kernel
def senders(
    coalition: np.ndarray,
    invite: np.ndarray,
    invite_hops: np.ndarray,
    is_open: np.ndarray,
    told: np.ndarray,
    max_hops: int,
    cascade: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_senders_reference`` of :mod:`mechanisms.discovery`: two passes, no temporaries."""
    n = coalition.shape[0]
    count = 0
    for i in range(n):
        c = invite[i]
        if c >= 0 and not is_open[c]:
            invite[i] = -1
        m = coalition[i]
        if m >= 0 and is_open[m]:
            msg = m
        elif invite[i] >= 0 and invite_hops[i] < max_hops:
            msg = invite[i]
        else:
            continue
        if not cascade or msg != told[i]:
            count += 1
    senders = np.empty(count, dtype=np.int64)
    msg_c = np.empty(count, dtype=np.int64)
    msg_h = np.empty(count, dtype=np.int64)
    k = 0
    for i in range(n):
        m = coalition[i]
        if m >= 0 and is_open[m]:
            msg, hops = m, 0
        elif invite[i] >= 0 and invite_hops[i] < max_hops:
            msg, hops = invite[i], invite_hops[i]
        else:
            continue
        if not cascade or msg != told[i]:
            senders[k] = i
            msg_c[k] = msg
            msg_h[k] = hops
            k += 1
    return senders, msg_c, msg_h


@kernel
def deliver(
    indptr: np.ndarray,
    indices: np.ndarray,
    senders: np.ndarray,
    msg_c: np.ndarray,
    msg_h: np.ndarray,
    uniforms: np.ndarray,
    p: float,
    draw: bool,
    coalition: np.ndarray,
    invite: np.ndarray,
    invite_hops: np.ndarray,
    co_product: np.ndarray,
    co_size: np.ndarray,
    product: np.ndarray,
) -> None:
    """``_deliver_reference`` of :mod:`mechanisms.discovery`, edge by edge in place."""
    # In place, edge by edge: a candidate replaces the held invitation only if strictly
    # better on (product match, size, fewer hops, lower id). The key ends in the coalition
    # id, so two equal keys are the same invitation and the order of edges cannot matter:
    # this is the reference's best-per-target over all of the round's candidates.
    e = 0
    for k in range(senders.shape[0]):
        s = senders[k]
        c = msg_c[k]
        h = msg_h[k] + 1
        size = co_size[c]
        for j in range(indptr[s], indptr[s + 1]):
            if draw:
                u = uniforms[e]
                e += 1
                if not u < p:
                    continue
            t = indices[j]
            if coalition[t] == c:
                continue
            held = invite[t]
            if held >= 0:
                match = co_product[c] == product[t]
                held_match = co_product[held] == product[t]
                if match != held_match:
                    if not match:
                        continue
                else:
                    held_size = co_size[held]
                    if size != held_size:
                        if size < held_size:
                            continue
                    else:
                        held_h = invite_hops[t]
                        if h != held_h:
                            if h > held_h:
                                continue
                        elif c >= held:
                            continue
            invite[t] = c
            invite_hops[t] = h
