"""The compiled word-of-mouth round gives exactly the numpy reference's results.

``gossip_round(jit=True)`` runs numba kernels, ``jit=False`` the numpy reference (the
specification). On random graphs, coalitions, holdings and hop limits, in both modes and
with the same generator seed, the two must leave identical invitations, hop counts and
``told`` columns, draw the same number of uniforms and report the same number of senders.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanisms.discovery import DISCOVERY_MODES, gossip_round
from tests.mechanisms.graphs import random_graph


def random_market(seed: int, n: int, n_coalitions: int):
    rng = np.random.default_rng(seed)
    # G(n, m) needs m below n(n-1)/2: mean degree at most (n - 1) / 2.
    g = random_graph(n, float(rng.uniform(0.0, min(6.0, (n - 1) / 2))), rng)
    n_products = int(rng.integers(1, 4))
    columns = {
        "coalition": np.where(rng.random(n) < 0.2, rng.integers(0, n_coalitions, n), -1).astype(
            np.int32
        ),
        "invite": np.where(rng.random(n) < 0.3, rng.integers(0, n_coalitions, n), -1).astype(
            np.int32
        ),
        "invite_hops": rng.integers(0, 6, n).astype(np.int16),
        "told": np.where(rng.random(n) < 0.3, rng.integers(0, n_coalitions, n), -1).astype(
            np.int32
        ),
    }
    fixed = {
        "is_open": rng.random(n_coalitions) < 0.7,
        "co_product": rng.integers(0, n_products, n_coalitions).astype(np.int32),
        # Few distinct sizes, so that the later tie-breaks (hops, id) are exercised.
        "co_size": rng.integers(1, 4, n_coalitions).astype(np.int64),
        "product": rng.integers(0, n_products, n).astype(np.int32),
    }
    return g, columns, fixed


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 300),
    n_coalitions=st.integers(1, 12),
    p=st.sampled_from([0.0, 0.3, 0.8, 1.0]),
    max_hops=st.integers(1, 6),
    mode=st.sampled_from(DISCOVERY_MODES),
    rounds=st.integers(1, 4),
    chunk=st.sampled_from([1, 7, 1 << 22]),
)
def test_kernel_and_reference_agree(seed, n, n_coalitions, p, max_hops, mode, rounds, chunk):
    g, columns, fixed = random_market(seed, n, n_coalitions)
    out = {}
    for jit in (True, False):
        cols = {k: v.copy() for k, v in columns.items()}
        rng = np.random.default_rng(seed + 1)
        senders = [
            gossip_round(
                g.indptr,
                g.indices,
                **cols,
                **fixed,
                p=p,
                max_hops=max_hops,
                cascade=mode == "cascade",
                rng=rng,
                jit=jit,
                chunk=chunk,
            )
            for _ in range(rounds)
        ]
        out[jit] = (cols, senders, rng.random())  # the next draw: same number drawn
    (kc, ks, kd), (rc, rs, rd) = out[True], out[False]
    assert ks == rs and kd == rd
    for name in columns:
        assert kc[name].dtype == rc[name].dtype
        assert np.array_equal(kc[name], rc[name]), name


def test_the_round_changes_something_so_agreement_is_not_vacuous():
    g, columns, fixed = random_market(1, 200, 5)
    before = columns["invite"].copy()
    sent = gossip_round(
        g.indptr, g.indices, **columns, **fixed, p=1.0, max_hops=6, cascade=True,
        rng=np.random.default_rng(0), jit=True,
    )  # fmt: skip
    assert sent > 0 and not np.array_equal(before, columns["invite"])
    # Under the cascade every sender has now told its message: a second round with no
    # news sends only for invitations that changed in the first.
    changed = columns["invite"] != before
    again = gossip_round(
        g.indptr, g.indices, **columns, **fixed, p=1.0, max_hops=6, cascade=True,
        rng=np.random.default_rng(0), jit=True,
    )  # fmt: skip
    assert again <= int(changed.sum())
