"""Random small markets for property tests: every knob of the model in a small range.

Shared by the invariant tests and the check that kernels and the numpy reference run a
market alike.
"""

from hypothesis import strategies as st

from agents.pricing import POLICIES


@st.composite
def markets(draw):
    """Keyword arguments of a random small ``MarketModel``."""
    n_products = draw(st.integers(1, 3))
    names = sorted(POLICIES)
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    mix = {name: draw(st.floats(0.2, 1.0)) for name in chosen}
    tactics = ["boulware", "linear", "conceder", "exp_conceder", "tit_for_tat", "rubinstein"]
    buyer = draw(st.lists(st.sampled_from(tactics), min_size=1, max_size=3, unique=True))
    seller = draw(st.lists(st.sampled_from(tactics), min_size=1, max_size=2, unique=True))
    return {
        "seed": draw(st.integers(0, 10_000)),
        "steps": draw(st.integers(3, 25)),
        "customers": {
            "n": draw(st.integers(5, 150)),
            "quantity_max": draw(st.integers(1, 4)),
            "wtp_dist": draw(st.sampled_from(["lognormal", "uniform", "normal"])),
            "wtp_sd": draw(st.floats(0.0, 0.6)),
            "arrival_rate": draw(st.floats(0.05, 1.0)),
            "loner_share": draw(st.floats(0.0, 1.0)),
            "solo_after": draw(st.integers(0, 8)),
            "patience_mean": draw(st.floats(1.0, 15.0)),
            "repeat_rate": draw(st.sampled_from([0.0, 0.0, 0.2])),
        },
        "products": {"n": n_products},
        "sellers": {
            "n": draw(st.integers(1, 4)),
            "products_per_seller": draw(st.integers(1, n_products)),
            "capacity": draw(st.integers(1, 60)),
            "min_margin": draw(st.floats(0.0, 0.3)),
        },
        "network": {
            "kind": draw(
                st.sampled_from(["erdos_renyi", "small_world", "scale_free", "communities"])
            ),
            "avg_degree": draw(st.floats(0.0, 8.0)),
        },
        "pricing": {
            "mix": mix,
            "volume_discount": {"min_quantity": draw(st.integers(1, 15))},
            "threshold": {"min_quantity": draw(st.integers(1, 15))},
            "crowdfunding": {"goal_units": draw(st.integers(1, 15))},
            "reverse_auction": {"format": draw(st.sampled_from(["first", "second"]))},
            "posted": {
                "demand_based": draw(st.booleans()),
                "update_every": 2,
                "min_observations": 3,
            },
            "personalised": {"privacy_share": draw(st.floats(0.0, 1.0))},
            "adaptive": {
                "enabled": draw(st.booleans()),
                "rule": draw(st.sampled_from(["ucb1", "epsilon_greedy"])),
            },
        },
        "coalition": {
            "algorithm": draw(st.sampled_from(["greedy_merge", "threshold_pledge", "none"])),
            "max_size": draw(st.integers(2, 30)),
            "leader_prob": draw(st.floats(0.0, 1.0)),
            "formation_steps": draw(st.integers(1, 6)),
            "pledge_window": draw(st.integers(1, 6)),
            "forward_p": draw(st.floats(0.0, 1.0)),
            "division": draw(
                st.sampled_from(["uniform", "equal_surplus", "proportional", "shapley"])
            ),
            "coordination_cost": draw(st.floats(0.0, 1.0)),
        },
        "community": {
            "enabled": draw(st.booleans()),
            "price_visibility": draw(st.floats(0.0, 1.0)),
            "grievance_threshold": draw(st.floats(0.1, 2.0)),
            "contagion_threshold": draw(st.floats(0.01, 1.0)),
            "seller_response": draw(st.sampled_from(["none", "apologise", "reform", "listen"])),
            "hosting": draw(st.sampled_from([[], ["volume_discount"], ["posted", "negotiated"]])),
            "host_rate": draw(st.floats(0.0, 1.0)),
        },
        "negotiation": {
            "max_rounds": draw(st.integers(1, 15)),
            "first_mover": draw(st.sampled_from(["seller", "buyer"])),
            "buyer_tactics": dict.fromkeys(buyer, 1.0),
            "seller_tactics": dict.fromkeys(seller, 1.0),
        },
    }
