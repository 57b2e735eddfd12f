"""Pure negotiation maths: concession curves, offers, utilities and Rubinstein shares.

Every function is pure, accepts scalars or numpy arrays (broadcast together) and returns
numpy arrays (0-d for all-scalar input), so one call serves one negotiation or 10^4 of them.

References:
    P. Faratin, C. Sierra & N. R. Jennings (1998). "Negotiation decision functions for
    autonomous agents". Robotics and Autonomous Systems 24(3-4):159-182, section 4.2.1
    (time-dependent tactics: polynomial and exponential families).

    A. Rubinstein (1982). "Perfect equilibrium in a bargaining model". Econometrica
    50(1):97-109 (subgame-perfect split of alternating offers with discounting).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: Value used for ``kappa`` by :func:`exponential_alpha` when ``kappa <= 0`` (``ln 0`` is -inf).
EXPONENTIAL_KAPPA_FLOOR = 0.01


def _as_float(x: npt.ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _check_beta_kappa(beta: FloatArray, kappa: FloatArray) -> None:
    if np.any(~(beta > 0.0)):
        raise ValueError("beta must be > 0 (beta < 1 Boulware, 1 linear, > 1 Conceder)")
    if np.any(~((kappa >= 0.0) & (kappa <= 1.0))):
        raise ValueError("kappa must lie in [0, 1]")


def _time_fraction(t: npt.ArrayLike, deadline: npt.ArrayLike) -> FloatArray:
    """Return ``min(t, T) / T`` clipped to [0, 1]; a deadline ``T <= 0`` counts as reached."""
    t = _as_float(t)
    deadline = _as_float(deadline)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.minimum(np.maximum(t, 0.0), deadline) / deadline
    return np.where(deadline > 0.0, np.clip(frac, 0.0, 1.0), 1.0)


def polynomial_alpha(
    t: npt.ArrayLike,
    deadline: npt.ArrayLike,
    beta: npt.ArrayLike,
    kappa: npt.ArrayLike = 0.0,
) -> FloatArray:
    """Polynomial time-dependent concession function of Faratin, Sierra & Jennings (1998).

    ``alpha(t) = kappa + (1 - kappa) * (min(t, T) / T) ** (1 / beta)``: ``alpha(0) = kappa``
    and ``alpha(T) = 1``. ``beta < 1`` is Boulware (concede late), ``beta = 1`` linear,
    ``beta > 1`` Conceder (concede early).

    Args:
        t: Current time (round); negative values count as 0.
        deadline: Deadline ``T``; ``T <= 0`` means the deadline is already reached (alpha 1).
        beta: Concession shape, > 0.
        kappa: Initial fraction of the range conceded at ``t = 0``, in [0, 1].

    Returns:
        alpha in [kappa, 1], broadcast over the inputs.

    Raises:
        ValueError: if ``beta <= 0`` or ``kappa`` is outside [0, 1].
    """
    beta = _as_float(beta)
    kappa = _as_float(kappa)
    _check_beta_kappa(beta, kappa)
    return polynomial_alpha_unchecked(t, deadline, beta, kappa)


def polynomial_alpha_unchecked(
    t: npt.ArrayLike, deadline: npt.ArrayLike, beta: FloatArray, kappa: FloatArray
) -> FloatArray:
    """:func:`polynomial_alpha` without the parameter checks, for tactics that checked once.

    Args:
        t: Current time (round).
        deadline: Deadline ``T``.
        beta: Concession shape as a float64 array (``np.asarray(beta, np.float64)``), > 0.
        kappa: Initial concession as a float64 array, in [0, 1].

    Returns:
        The same values as :func:`polynomial_alpha` (the same operations on the same
        types, so bit for bit).
    """
    return kappa + (1.0 - kappa) * _time_fraction(t, deadline) ** (1.0 / beta)


def exponential_alpha(
    t: npt.ArrayLike,
    deadline: npt.ArrayLike,
    beta: npt.ArrayLike,
    kappa: npt.ArrayLike = 0.0,
) -> FloatArray:
    """Exponential time-dependent concession function of Faratin, Sierra & Jennings (1998).

    ``alpha(t) = exp((1 - min(t, T) / T) ** beta * ln(kappa))``: ``alpha(0) = kappa`` and
    ``alpha(T) = 1``. As for the polynomial family, ``beta < 1`` is Boulware and
    ``beta > 1`` Conceder.

    Since ``ln 0`` is undefined, any ``kappa <= 0`` is replaced by
    :data:`EXPONENTIAL_KAPPA_FLOOR` (0.01), i.e. the first offer concedes 1% of the range.

    Args:
        t: Current time (round); negative values count as 0.
        deadline: Deadline ``T``; ``T <= 0`` means the deadline is already reached (alpha 1).
        beta: Concession shape, > 0.
        kappa: Initial fraction of the range conceded at ``t = 0``, in [0, 1]; values
            ``<= 0`` are replaced by 0.01.

    Returns:
        alpha in [kappa, 1], broadcast over the inputs.

    Raises:
        ValueError: if ``beta <= 0`` or ``kappa`` is outside [0, 1].
    """
    beta = _as_float(beta)
    kappa = _as_float(kappa)
    _check_beta_kappa(beta, kappa)
    return exponential_alpha_unchecked(t, deadline, beta, kappa)


def exponential_alpha_unchecked(
    t: npt.ArrayLike, deadline: npt.ArrayLike, beta: FloatArray, kappa: FloatArray
) -> FloatArray:
    """:func:`exponential_alpha` without the parameter checks, for tactics that checked once.

    Args:
        t: Current time (round).
        deadline: Deadline ``T``.
        beta: Concession shape as a float64 array (``np.asarray(beta, np.float64)``), > 0.
        kappa: Initial concession as a float64 array, in [0, 1]; ``<= 0`` means 0.01.

    Returns:
        The same values as :func:`exponential_alpha` (the same operations on the same
        types, so bit for bit).
    """
    kappa = np.where(kappa > 0.0, kappa, EXPONENTIAL_KAPPA_FLOOR)
    return np.exp((1.0 - _time_fraction(t, deadline)) ** beta * np.log(kappa))


def time_dependent_offer(
    alpha: npt.ArrayLike, best: npt.ArrayLike, worst: npt.ArrayLike
) -> FloatArray:
    """Offer after conceding a fraction ``alpha`` of the way from ``best`` to ``worst``.

    ``offer = best + alpha * (worst - best)`` (Faratin et al. 1998, eq. for the offer of a
    time-dependent tactic). Orientation-free: a buyer passes ``best`` = its low opening
    price and ``worst`` = its reservation (maximum) price; a seller passes ``best`` = its
    high opening price and ``worst`` = its reservation (minimum) price.

    Args:
        alpha: Fraction conceded, normally in [0, 1].
        best: Own most preferred price (opening offer).
        worst: Own least preferred acceptable price (reservation).

    Returns:
        Offer prices, broadcast over the inputs.
    """
    best = _as_float(best)
    return best + _as_float(alpha) * (_as_float(worst) - best)


def linear_utility(
    price: npt.ArrayLike,
    reservation: npt.ArrayLike,
    opening: npt.ArrayLike,
    is_buyer: npt.ArrayLike,
) -> FloatArray:
    """Normalised linear utility in [0, 1] of a price for one side.

    ``(price - reservation) / (opening - reservation)``, which is
    ``(reservation - p) / (reservation - opening)`` for a buyer and
    ``(p - reservation) / (opening - reservation)`` for a seller; clipped to [0, 1].
    Where the range has zero (or wrong-signed) width the utility is 1 if the price is
    acceptable to the side (buyer ``p <= reservation``, seller ``p >= reservation``) and 0
    otherwise. NaN prices give 0.

    Args:
        price: Prices to evaluate.
        reservation: Buyer's maximum / seller's minimum acceptable price.
        opening: Buyer's low / seller's high opening price.
        is_buyer: Which side evaluates (bool, scalar or array).

    Returns:
        Utilities in [0, 1], broadcast over the inputs.
    """
    price = _as_float(price)
    reservation = _as_float(reservation)
    opening = _as_float(opening)
    is_buyer = np.asarray(is_buyer, dtype=bool)
    width = np.where(is_buyer, reservation - opening, opening - reservation)
    acceptable = np.where(is_buyer, price <= reservation, price >= reservation)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = (price - reservation) / (opening - reservation)
    util = np.where(width > 0.0, raw, np.where(acceptable, 1.0, 0.0))
    return np.where(np.isnan(util), 0.0, np.clip(util, 0.0, 1.0))


def rubinstein_shares(
    delta_first: npt.ArrayLike, delta_second: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Subgame-perfect shares of a unit pie in Rubinstein (1982) alternating offers.

    With an infinite horizon and per-round discount factors ``delta_1`` (first proposer)
    and ``delta_2`` (responder), the unique subgame-perfect equilibrium gives the first
    proposer ``(1 - delta_2) / (1 - delta_1 * delta_2)`` and the responder the rest,
    agreed immediately. When both factors equal 1 (no impatience) the formula is 0/0;
    the limit along ``delta_1 = delta_2 -> 1``, an even split, is returned.

    Args:
        delta_first: Discount factor of the first proposer, in (0, 1].
        delta_second: Discount factor of the responder, in (0, 1].

    Returns:
        ``(first, second)`` shares, each broadcast over the inputs, summing to 1.
    """
    d1 = _as_float(delta_first)
    d2 = _as_float(delta_second)
    denom = 1.0 - d1 * d2
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.where(denom > 0.0, (1.0 - d2) / denom, 0.5)
    return first, 1.0 - first
