"""Known answer in the model's own discovery phase: an invitation's reach is a percolation cluster.

Under ``coalition.discovery=cascade`` every bot forwards a coalition's invitation once, to
each neighbour with probability ``forward_p``: the independent cascade. With one open
coalition, founded by one customer on an Erdős–Rényi graph of mean degree ``z`` and an
unbounded hop limit, the customers the invitation finally reaches are the founder's cluster
in bond percolation with occupation probability ``p`` (Newman 2002). The theory (giant
fraction ``S = 1 - exp(-zpS)``, subcritical mean cluster ``1 / (1 - zp)``) and its
tolerances are those of ``tests/mechanisms/test_percolation.py``, which checks the
standalone ``cascade_reach``; here the phase ``sim.phases.discovery.discover`` runs on a
market built by ``sim.market.build_market`` on the model's own ``erdos_renyi`` graph.

Under ``resend`` the same edges get a fresh chance every step, so the reach is larger than
the cluster: the test also shows that the two modes differ in the direction they should.
"""

import functools
import math

import numpy as np
import pytest

from sim.config import resolve
from sim.market import build_market
from sim.network import build_graph
from sim.phases.discovery import discover
from tests.mechanisms.test_percolation import FINITE_SIZE, LARGE, giant_fraction

N = 2000
Z = 8.0


@functools.cache
def config(p: float, mode: str):
    return resolve(
        seed=0,
        steps=10,
        customers={"n": N},
        coalition={"forward_p": p, "invite_hops": 10_000, "discovery": mode},
    )


def reach(graph, p: float, founder: int, seed: int, mode: str = "cascade") -> int:
    """Customers an invitation from one founder reaches when word of mouth has run out."""
    state = build_market(config(p, mode), np.random.default_rng(seed), graph)
    cu, co = state.customers, state.coalitions
    co.found(product=cu.product[founder : founder + 1], founder=np.array([founder], np.int32))
    cu.coalition[founder] = 0
    co.refresh_sizes(cu.coalition, cu.quantity)
    reached, t = 1, 0
    while True:
        state.begin_step(t)
        discover(state)
        now = 1 + int((cu.invite == 0).sum())
        # Under the cascade a round that informs nobody new leaves nobody to send next;
        # resending never runs out, so it gets a fixed number of steps.
        if (mode == "cascade" and now == reached) or t >= 40:
            return now
        reached, t = now, t + 1


def er_graph(seed: int):
    return build_graph("erdos_renyi", N, np.random.SeedSequence(seed), avg_degree=Z)


@pytest.mark.slow
def test_supercritical_reach_matches_the_giant_cluster():
    p = 0.3
    s = giant_fraction(Z * p)  # 0.8786
    rng = np.random.default_rng(11)
    k = 300
    frac = np.empty(k)
    for i in range(k):  # a fresh graph per cascade: independent samples
        frac[i] = reach(er_graph(i), p, int(rng.integers(N)), seed=i) / N
    large = frac > LARGE
    assert abs(large.mean() - s) < 4 * math.sqrt(s * (1 - s) / k) + FINITE_SIZE
    big = frac[large]
    assert abs(big.mean() - s) < 4 * big.std(ddof=1) / math.sqrt(big.size) + 10 / N
    assert abs(frac.mean() - s * s) < 4 * frac.std(ddof=1) / math.sqrt(k) + 10 / N


def test_subcritical_reach_has_mean_one_over_one_minus_zp():
    p = 0.08
    c = Z * p  # 0.64
    rng = np.random.default_rng(5)
    n_graphs, per_graph = 20, 40
    sizes = np.empty((n_graphs, per_graph))
    for i in range(n_graphs):
        g = er_graph(100 + i)
        for j, founder in enumerate(rng.choice(N, per_graph, replace=False)):
            sizes[i, j] = reach(g, p, int(founder), seed=1000 * i + j)
    assert sizes.max() < LARGE * N
    mu = 1 / (1 - c)
    se = sizes.mean(axis=1).std(ddof=1) / math.sqrt(n_graphs)
    assert abs(sizes.mean() - mu) < 4 * se + 0.01 * mu
    # Borel law: P(T = 1) = exp(-c)
    share = (sizes == 1).mean(axis=1)
    assert abs(share.mean() - math.exp(-c)) < 4 * share.std(ddof=1) / math.sqrt(n_graphs) + 0.01


def test_resending_reaches_beyond_the_cluster_the_cascade_stops_at():
    p = 0.08  # subcritical: a cascade dies out after a few customers
    g = er_graph(7)
    founders = np.random.default_rng(3).choice(N, 20, replace=False)
    cascade = [reach(g, p, int(f), seed=int(f)) for f in founders]
    resend = [reach(g, p, int(f), seed=int(f), mode="resend") for f in founders]
    assert np.mean(cascade) < 1 / (1 - Z * p) + 3
    # Every edge out of the informed set gets a fresh chance each step: the invitation
    # keeps spreading and ends up far beyond the percolation cluster.
    assert np.mean(resend) > 0.5 * N
