"""Community maths: satisfaction, price fairness, reputation beliefs and public ratings.

Pure functions over numpy arrays, batched over every customer (or every seller) at once;
none of them loops over customers or edges in Python, so they scale to 10^6 customers.

* :func:`satisfaction` scores a purchase in ``[-1, 1]`` from the relative surplus against an
  expected share (expectation-disconfirmation) minus a penalty for having paid more than a
  neighbour (price fairness), and :func:`relative_overpayment` measures that unfairness.
* :func:`update_belief` and :func:`satisfaction_to_belief` maintain reputation beliefs in
  ``[0, 1]`` by exponential smoothing.
* :func:`public_rating` is the Bayesian-average star rating a review site would show.

References:
    R. L. Oliver (1980). "A cognitive model of the antecedents and consequences of
    satisfaction decisions". Journal of Marketing Research 17(4):460-469
    (expectation-disconfirmation).

    J. S. Adams (1965). "Inequity in social exchange". Advances in Experimental Social
    Psychology 2:267-299 (equity theory).

    D. Kahneman, J. L. Knetsch & R. H. Thaler (1986). "Fairness as a constraint on profit
    seeking: entitlements in the market". American Economic Review 76(4):728-741
    (dual entitlement).

    L. Xia, K. B. Monroe & J. L. Cox (2004). "The price is unfair! A conceptual framework of
    price fairness perceptions". Journal of Marketing 68(4):1-15 (comparison with the price
    other customers paid).

    A. Gelman, J. B. Carlin, H. S. Stern, D. B. Dunson, A. Vehtari & D. B. Rubin (2013).
    *Bayesian Data Analysis*, 3rd ed., CRC Press, section 2.5 (normal mean with a conjugate
    prior: the posterior mean is a precision-weighted average of prior mean and data).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "public_rating",
    "relative_overpayment",
    "satisfaction",
    "satisfaction_to_belief",
    "update_belief",
]


def _check_unit_interval(name: str, value: npt.ArrayLike) -> FloatArray:
    """Return ``value`` as a float array, raising unless every entry lies in ``[0, 1]``."""
    arr = np.asarray(value, dtype=np.float64)
    if not np.all((arr >= 0.0) & (arr <= 1.0)):
        raise ValueError(f"{name} must lie in [0, 1]")
    return arr


def _check_non_negative(name: str, value: npt.ArrayLike) -> FloatArray:
    """Return ``value`` as a float array, raising unless every entry is finite and ``>= 0``."""
    arr = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(arr) & (arr >= 0.0)):
        raise ValueError(f"{name} must be finite and >= 0")
    return arr


# --------------------------------------------------------------------------- satisfaction


def satisfaction(
    wtp: npt.ArrayLike,
    price: npt.ArrayLike,
    expected_share: npt.ArrayLike,
    fairness_gap: npt.ArrayLike,
    fairness_weight: npt.ArrayLike,
    sensitivity: float = 4.0,
) -> FloatArray:
    """Post-purchase satisfaction in ``[-1, 1]`` (disconfirmation minus unfairness).

    Rule::

        s = clip(tanh(sensitivity * ((wtp - price) / wtp - expected_share))
                 - fairness_weight * fairness_gap, -1, 1)

    The first term is expectation-disconfirmation (Oliver 1980): the customer compares the
    share of its willingness to pay it kept, ``(wtp - price) / wtp``, with the share it
    expected to keep; ``tanh`` saturates large surprises in either direction. The second
    term is the equity penalty for having paid more than a neighbour for the same product
    from the same seller (Adams 1965; Xia, Monroe & Cox 2004), with ``fairness_gap`` from
    :func:`relative_overpayment`.

    Guard: where ``wtp <= 0`` the relative surplus is undefined; the disconfirmation term is
    then ``-1`` (its limit as ``wtp -> 0+`` at a positive price), so such a purchase is as
    disappointing as possible before the fairness penalty.

    With ``sensitivity >= 0`` and ``fairness_weight >= 0`` the score is non-increasing in
    ``price`` and in ``fairness_gap``.

    Args:
        wtp: Willingness to pay of each customer.
        price: Price paid (broadcasts with ``wtp``).
        expected_share: Share of ``wtp`` the customer expected to keep (e.g. its average
            past relative surplus).
        fairness_gap: Relative overpayment ``>= 0`` (``0`` where there is no comparison).
        fairness_weight: Weight ``>= 0`` of the fairness penalty.
        sensitivity: Slope ``>= 0`` of the disconfirmation term.

    Returns:
        Satisfaction scores in ``[-1, 1]``, broadcast shape of the inputs.

    Raises:
        ValueError: If ``sensitivity``, ``fairness_weight`` or ``fairness_gap`` is negative
            or not finite.
    """
    if not (np.isfinite(sensitivity) and sensitivity >= 0):
        raise ValueError(f"sensitivity must be finite and >= 0, got {sensitivity}")
    w = np.asarray(wtp, dtype=np.float64)
    pr = np.asarray(price, dtype=np.float64)
    exp_share = np.asarray(expected_share, dtype=np.float64)
    gap = _check_non_negative("fairness_gap", fairness_gap)
    weight = _check_non_negative("fairness_weight", fairness_weight)
    shape = np.broadcast_shapes(w.shape, pr.shape)
    w_b, pr_b = np.broadcast_to(w, shape), np.broadcast_to(pr, shape)
    pos = w_b > 0
    # tiny wtp can overflow rel to -inf; tanh then takes its limit -1. Sensitivity 0 means
    # indifference to the surplus (and avoids 0 * inf).
    with np.errstate(over="ignore"):
        rel = np.divide(w_b - pr_b, w_b, out=np.zeros(shape), where=pos)
        arg = sensitivity * (rel - exp_share) if sensitivity > 0 else np.zeros_like(rel)
    base = np.where(pos, np.tanh(arg), -1.0)
    return np.clip(base - weight * gap, -1.0, 1.0)


def relative_overpayment(
    own_price: npt.ArrayLike, neighbour_price: npt.ArrayLike, tolerance: npt.ArrayLike = 0.0
) -> FloatArray:
    """Perceived unfairness of a price: relative overpayment beyond a tolerance.

    Rule::

        gap = max(0, own_price / neighbour_price - 1 - tolerance)

    where ``neighbour_price`` is the cheapest price the customer saw a neighbour pay for the
    same product from the same seller. Paying less is never unfair to the buyer, and a
    relative difference within ``tolerance`` is not perceived as unfair (equity theory,
    Adams 1965; the reference-transaction / dual-entitlement view of Kahneman, Knetsch &
    Thaler 1986; Xia, Monroe & Cox 2004).

    The gap is ``0`` where there is no valid comparison: ``neighbour_price`` missing
    (``NaN`` or ``inf``, meaning no neighbour bought) or ``<= 0``, or ``own_price`` missing.

    Args:
        own_price: Price the customer paid.
        neighbour_price: Cheapest comparable neighbour price (broadcasts with ``own_price``).
        tolerance: Relative difference ``>= 0`` that goes unnoticed.

    Returns:
        Relative overpayment ``>= 0``, broadcast shape of the inputs.

    Raises:
        ValueError: If ``tolerance`` is negative or not finite.
    """
    tol = _check_non_negative("tolerance", tolerance)
    own = np.asarray(own_price, dtype=np.float64)
    ref = np.asarray(neighbour_price, dtype=np.float64)
    shape = np.broadcast_shapes(own.shape, ref.shape)
    own_b, ref_b = np.broadcast_to(own, shape), np.broadcast_to(ref, shape)
    valid = np.isfinite(ref_b) & (ref_b > 0) & np.isfinite(own_b)
    ratio = np.divide(own_b, ref_b, out=np.ones(shape), where=valid)
    return np.where(valid, np.maximum(0.0, ratio - 1.0 - tol), 0.0)


# ---------------------------------------------------------------------------- beliefs


def update_belief(
    belief: npt.ArrayLike, target: npt.ArrayLike, rate: npt.ArrayLike, mask: npt.ArrayLike
) -> FloatArray:
    """Exponential smoothing of beliefs toward a target, where ``mask`` holds.

    Rule (an exponentially weighted moving average, i.e. adaptive expectations)::

        new = belief + rate * (target - belief)   where mask
        new = belief                               elsewhere

    With ``belief`` and ``target`` in ``[0, 1]`` and ``rate`` in ``[0, 1]`` the new belief
    lies between the old belief and the target; the result is clipped to ``[0, 1]`` to
    absorb floating-point rounding. The input is not modified.

    Args:
        belief: Current beliefs in ``[0, 1]``.
        target: Observed value to move toward (broadcasts with ``belief``).
        rate: Learning rate in ``[0, 1]`` (``1`` jumps to the target, ``0`` keeps the belief).
        mask: Where True the belief is updated.

    Returns:
        A new array of beliefs.

    Raises:
        ValueError: If ``rate`` is outside ``[0, 1]``.
    """
    r = _check_unit_interval("rate", rate)
    b = np.asarray(belief, dtype=np.float64)
    t = np.asarray(target, dtype=np.float64)
    moved = np.clip(b + r * (t - b), 0.0, 1.0)
    return np.where(np.asarray(mask, dtype=bool), moved, b)


def satisfaction_to_belief(s: npt.ArrayLike) -> FloatArray:
    """Map a satisfaction score in ``[-1, 1]`` onto a belief in ``[0, 1]``: ``(s + 1) / 2``.

    Args:
        s: Satisfaction scores (values outside ``[-1, 1]`` are clipped first).

    Returns:
        Beliefs in ``[0, 1]``.
    """
    return (np.clip(np.asarray(s, dtype=np.float64), -1.0, 1.0) + 1.0) / 2.0


# ---------------------------------------------------------------------------- ratings


def public_rating(
    sum_reviews: npt.ArrayLike,
    n_reviews: npt.ArrayLike,
    prior_mean: float = 0.0,
    prior_weight: float = 5.0,
) -> FloatArray:
    """Bayesian-average rating per seller, as a review site would display it.

    Rule::

        rating = (prior_mean * prior_weight + sum_reviews) / (prior_weight + n_reviews)

    the posterior mean of a normal mean under a conjugate prior worth ``prior_weight``
    pseudo-reviews at ``prior_mean`` (Gelman et al. 2013, section 2.5): sellers with few
    reviews are shrunk toward the prior, and the rating tends to the plain average as
    reviews accumulate. Where ``prior_weight + n_reviews == 0`` the rating is
    ``prior_mean``.

    Args:
        sum_reviews: Sum of review scores per seller ``[S]``.
        n_reviews: Number of reviews per seller ``[S]`` (``>= 0``).
        prior_mean: Prior (site-wide) mean score.
        prior_weight: Prior strength ``>= 0`` in pseudo-reviews.

    Returns:
        Ratings ``[S]``.

    Raises:
        ValueError: If ``prior_weight`` or ``n_reviews`` is negative or not finite.
    """
    if not (np.isfinite(prior_weight) and prior_weight >= 0):
        raise ValueError(f"prior_weight must be finite and >= 0, got {prior_weight}")
    total = np.asarray(sum_reviews, dtype=np.float64)
    count = _check_non_negative("n_reviews", n_reviews)
    denom = prior_weight + count
    shape = np.broadcast_shapes(total.shape, count.shape)
    num = np.broadcast_to(prior_mean * prior_weight + total, shape)
    den = np.broadcast_to(denom, shape)
    return np.divide(num, den, out=np.full(shape, float(prior_mean)), where=den > 0)
