"""What a seller infers about demand: noisy willingness-to-pay signals and monopoly prices.

Three pricing regimes a seller can run on its data (Pigou's degrees of price
discrimination): a one-to-one *personalised* price from a per-customer signal of the
willingness to pay (first degree, imperfect), and a one-to-many *monopoly* price that
maximises profit against the empirical (or an assumed uniform) demand curve.

References:
    A. C. Pigou (1920). *The Economics of Welfare*, Macmillan, part II ch. XVII (degrees of
    price discrimination).

    D. Bergemann, B. Brooks & S. Morris (2015). "The limits of price discrimination".
    American Economic Review 105(3):921-957 (pricing on a noisy signal of the valuation).

    J. Tirole (1988). *The Theory of Industrial Organization*, MIT Press, ch. 1 (monopoly
    pricing ``max_p (p - c) D(p)``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def wtp_signal(
    wtp: npt.ArrayLike, z: npt.ArrayLike, noise: float, hidden: npt.ArrayLike
) -> FloatArray:
    """Seller's estimate of each customer's willingness to pay, from its data.

    ``signal = wtp * exp(noise * z - noise**2 / 2)`` with ``z ~ N(0, 1)``: a lognormal
    multiplicative error with ``E[exp(sigma z - sigma^2/2)] = 1``, so the signal is
    mean-unbiased (``E[signal] = wtp``). ``signal = NaN`` where the customer's data is hidden.

    Args:
        wtp: True willingness to pay (broadcast with ``z`` and ``hidden``).
        z: Standard normal draws, supplied by the caller (so the caller controls the seed).
        noise: Log-scale standard deviation ``sigma >= 0`` (``0`` gives the exact ``wtp``).
        hidden: Where True the seller observes nothing.

    Returns:
        The signals, ``NaN`` where hidden.

    Raises:
        ValueError: If ``noise`` is negative or not finite.
    """
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be finite and >= 0, got {noise}")
    w = np.asarray(wtp, dtype=np.float64)
    zz = np.asarray(z, dtype=np.float64)
    sig = w * np.exp(noise * zz - 0.5 * noise * noise)
    return np.where(np.asarray(hidden, dtype=bool), np.nan, sig)


def personalised_price(
    signal: npt.ArrayLike,
    list_price: npt.ArrayLike,
    reservation: npt.ArrayLike,
    capture: float,
) -> FloatArray:
    """One-to-one price from a willingness-to-pay signal, never below the reservation.

    ``price = max(reservation, capture * signal)`` where the signal is known, and
    ``price = max(reservation, list_price)`` where it is ``NaN`` (hidden data, or a coalition
    whose members' valuations are not revealed). The floor also applies to the list-price
    branch so that the result is always ``>= reservation``; for a list price at or above the
    reservation (the normal case) that branch is exactly ``list_price``.

    Args:
        signal: Willingness-to-pay signals (``NaN`` = unknown), broadcast with the others.
        list_price: Posted price charged when the signal is unknown.
        reservation: Seller's minimum acceptable unit price.
        capture: Fraction of the signalled willingness to pay the seller asks (``>= 0``).

    Returns:
        The personalised prices.

    Raises:
        ValueError: If ``capture`` is negative or not finite.
    """
    if not (np.isfinite(capture) and capture >= 0):
        raise ValueError(f"capture must be finite and >= 0, got {capture}")
    s = np.asarray(signal, dtype=np.float64)
    r = np.asarray(reservation, dtype=np.float64)
    lp = np.asarray(list_price, dtype=np.float64)
    known = ~np.isnan(s)
    ask = np.where(known, capture * np.where(known, s, 0.0), lp)
    return np.maximum(r, ask)


def monopoly_price(values: npt.ArrayLike, unit_cost: float, floor: float) -> float:
    """Profit-maximising posted price against the empirical demand of observed valuations.

    With empirical demand ``D(p) = #{i : v_i >= p}`` the price is
    ``p* = argmax_{p in P} (p - unit_cost) * D(p)`` over the candidates
    ``P = {v_i : v_i >= floor} U {floor}`` (the maximum of a step demand is attained at one
    of its steps; Tirole 1988, ch. 1). Ties go to the **lower** price (more units sold at
    the same profit). ``NaN`` valuations (unobserved) are ignored.

    Args:
        values: Observed valuations (any shape, flattened).
        unit_cost: Marginal cost ``c`` per unit.
        floor: Lowest admissible price (e.g. the reservation).

    Returns:
        The monopoly price, or ``NaN`` if there is no observed valuation.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    v = np.sort(v[~np.isnan(v)])
    if v.size == 0:
        return float("nan")
    cand = np.unique(np.append(v[v >= floor], floor))  # ascending
    demand = v.size - np.searchsorted(v, cand, side="left")
    profit = (cand - unit_cost) * demand
    return float(cand[np.argmax(profit)])  # argmax takes the first (lowest) maximiser


def monopoly_price_uniform(
    low: npt.ArrayLike, high: npt.ArrayLike, cost: npt.ArrayLike
) -> FloatArray:
    """Closed-form monopoly price for valuations uniform on ``[low, high]``.

    Demand ``D(p) = (high - p) / (high - low)`` on ``[low, high]``, so
    ``(p - c) (high - p)`` is maximised at ``(high + c) / 2``; clipped to the support:
    ``p* = clip((high + cost) / 2, low, high)`` (Tirole 1988, ch. 1).

    Args:
        low: Lower bound of the valuations (broadcast with the others).
        high: Upper bound of the valuations (``>= low``).
        cost: Unit cost.

    Returns:
        The monopoly prices (0-d array for scalar input).
    """
    lo = np.asarray(low, dtype=np.float64)
    hi = np.asarray(high, dtype=np.float64)
    return np.clip((hi + np.asarray(cost, dtype=np.float64)) / 2.0, lo, hi)
