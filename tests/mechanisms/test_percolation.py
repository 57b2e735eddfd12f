"""Known answer: one-shot cascades on Erdős–Rényi graphs are bond-percolation clusters.

A one-shot independent cascade with per-edge probability ``p`` reaches exactly the seed's
cluster in bond percolation with occupation probability ``p`` (Newman 2002). On an ER graph
with mean degree ``z`` the occupied graph is again ER-like with mean degree ``c = z p``, so
(Callaway, Newman, Strogatz & Watts 2000; Newman 2002):

* ``c > 1``: a giant cluster holds a fraction ``S`` of the nodes, ``S = 1 - exp(-c S)``. A
  random seed lands in it with probability ``S`` and then reaches ``S n`` nodes; otherwise
  it reaches a small cluster whose size is the total progeny of the dual, subcritical
  Poisson branching process with mean offspring ``c (1 - S)``. So the share of "large"
  cascades is ``S``, their mean size ``S n``, and the mean reach fraction ``S^2 + O(1/n)``.
* ``c < 1``: no giant cluster; the seed's cluster is the total progeny ``T`` of a
  Poisson(c) Galton–Watson process: ``E[T] = 1 / (1 - c)``, ``Var[T] = c / (1 - c)^3``,
  ``P(T = 1) = exp(-c)`` (Borel distribution).

Tolerances are 4 standard errors plus ``FINITE_SIZE``: the finite-``n`` corrections to the
mean giant fraction and to the Poisson degree law of G(n, m) are O(1/n) (the giant-size CLT
of Pittel 1990 has mean ``nS + O(1)``; at n = 4000, 5000 independent percolated graphs gave
``E[L1] - nS = 0.4 ± 0.4`` nodes), so an allowance of 10 nodes (``10 / n`` as a fraction)
covers them with room to spare while staying far below the sampling error.

References:
    M. E. J. Newman (2002). "Spread of epidemic disease on networks". Phys. Rev. E 66,
    016128.

    D. S. Callaway, M. E. J. Newman, S. H. Strogatz & D. J. Watts (2000). "Network
    robustness and fragility: percolation on random graphs". Phys. Rev. Lett. 85, 5468.

    B. Pittel (1990). "On tree census and the giant component in sparse random graphs".
    Random Structures & Algorithms 1(3):311-342.
"""

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from mechanisms.discovery import cascade_reach
from tests.mechanisms.graphs import random_graph

N = 4000
Z = 8.0
LARGE = 0.05  # a cascade is "large" if it reaches more than 5% of the nodes
FINITE_SIZE = 10 / N


def giant_fraction(c: float) -> float:
    """Non-trivial root of ``S = 1 - exp(-c S)`` (0 when ``c <= 1``)."""
    if c <= 1.0:
        return 0.0
    return brentq(lambda s: s - 1.0 + math.exp(-c * s), 1e-9, 1.0, xtol=1e-14)


def test_giant_fraction_solver():
    assert giant_fraction(0.64) == 0.0
    assert giant_fraction(2.0) == pytest.approx(0.7968121, abs=1e-6)  # classic value
    s = giant_fraction(2.4)
    assert s == pytest.approx(1.0 - math.exp(-2.4 * s), abs=1e-12)


def test_supercritical_cascades_match_the_giant_cluster():
    p = 0.3
    c = Z * p  # 2.4
    s = giant_fraction(c)  # 0.8786
    rng = np.random.default_rng(20_240_601)
    k = 800
    reach = np.empty(k)
    for i in range(k):  # a fresh graph per cascade: independent samples
        g = random_graph(N, Z, rng)
        seed = rng.integers(N, size=1)
        reach[i] = cascade_reach(g.indptr, g.indices, seed, p, rng).sum()
    frac = reach / N
    large = frac > LARGE

    # share of large cascades ~ S (Bernoulli standard error)
    se_share = math.sqrt(s * (1 - s) / k)
    assert abs(large.mean() - s) < 4 * se_share + FINITE_SIZE

    # their size ~ S n; and nothing in between: the size distribution is bimodal
    big = frac[large]
    se_big = big.std(ddof=1) / math.sqrt(big.size)
    assert abs(big.mean() - s) < 4 * se_big + FINITE_SIZE
    assert big.min() > s - 0.05  # the giant's sd is ~27 nodes = 0.007 n
    assert reach[~large].max() < 0.01 * N

    # mean reach fraction ~ S^2
    se_mean = frac.std(ddof=1) / math.sqrt(k)
    assert abs(frac.mean() - s * s) < 4 * se_mean + FINITE_SIZE

    # small cascades: total progeny of the dual Poisson(c (1 - S)) branching process
    small = reach[~large]
    cd = c * (1 - s)
    mu, sd = 1 / (1 - cd), math.sqrt(cd / (1 - cd) ** 3)
    assert abs(small.mean() - mu) < 4 * sd / math.sqrt(small.size) + 0.01 * mu


def test_subcritical_cascades_are_small_with_mean_one_over_one_minus_zp():
    p = 0.08
    c = Z * p  # 0.64
    assert giant_fraction(c) == 0.0
    rng = np.random.default_rng(7)
    n_graphs, per_graph = 100, 100
    sizes = np.empty((n_graphs, per_graph))
    for i in range(n_graphs):
        g = random_graph(N, Z, rng)
        for j, seed in enumerate(rng.choice(N, per_graph, replace=False)):
            sizes[i, j] = cascade_reach(g.indptr, g.indices, np.array([seed]), p, rng).sum()

    # no cascade gets anywhere near a macroscopic size (P(T >= 200) ~ 1e-10 per cascade)
    assert sizes.max() < LARGE * N

    # mean cluster size 1 / (1 - zp). Cascades on the same graph may be correlated, so the
    # standard error comes from the per-graph means (independent graphs). Finite-size
    # corrections are O(E[T^2] / n) ~ 0.5% here; allow 1%.
    mu = 1 / (1 - c)  # 2.778
    graph_means = sizes.mean(axis=1)
    se = graph_means.std(ddof=1) / math.sqrt(n_graphs)
    assert abs(sizes.mean() - mu) < 4 * se + 0.01 * mu
    # the per-cascade spread matches the branching-process variance c / (1 - c)^3 (a
    # heavy-tailed statistic: allow 15%; observed within 7% over 40 seeds)
    assert sizes.std() == pytest.approx(math.sqrt(c / (1 - c) ** 3), rel=0.15)

    # Borel law: P(T = 1) = exp(-c), P(T = 2) = c exp(-2c)
    for size, prob in ((1, math.exp(-c)), (2, c * math.exp(-2 * c))):
        share = (sizes == size).mean(axis=1)
        se = share.std(ddof=1) / math.sqrt(n_graphs)
        assert abs(share.mean() - prob) < 4 * se + 0.01 * prob
