"""The configs the byte-identity check runs on both trees (``python -m sim.run`` overrides).

Every pricing option, every coalition algorithm and division rule, adaptive and
demand-based pricing, the community with each seller response and with hosting, every
network family (and a graph read from a file), and the negotiation tactics; all small
(400-600 customers, 60-80 steps) so the whole set runs in a few minutes on two cores.
"""

from __future__ import annotations

from pathlib import Path

#: Placeholder in an override for the edge-list file written by :func:`write_network_file`.
NETWORK_FILE = "{network_file}"
NETWORK_FILE_NAME = "ring_chords.edgelist"
NETWORK_FILE_NODES = 500

SMALL = ["customers.n=400", "steps=60"]
#: Customers who come back, see each other's prices and can turn on a personalising seller.
BACKLASH = [
    "customers.n=500",
    "steps=80",
    "community=active",
    "pricing=personalised",
    "community.price_visibility=0.5",
    "customers.repeat_rate=0.05",
]
#: Negotiation configs use negotiated group deals so that every coalition bargains.
BARGAIN = [*SMALL, "pricing=negotiated"]

PRICING_OPTIONS = (
    "posted",
    "personalised",
    "volume_discount",
    "threshold",
    "crowdfunding",
    "negotiated",
    "reverse_auction",
    "reverse_auction_first",
    "customer_first",
    "short_term",
    "archetypes",
    "mixed",
)

#: Config name -> ``sim.run`` overrides (besides the output settings added per run).
CONFIGS: dict[str, list[str]] = {
    "default": [*SMALL],
    **{f"pricing_{p}": [*SMALL, f"pricing={p}"] for p in PRICING_OPTIONS},
    "pricing_mix_four": [
        *SMALL,
        "pricing.mix=[posted:1,personalised:1,negotiated:1,reverse_auction:1]",
    ],
    "coalition_none": [*SMALL, "coalition=none"],
    "coalition_threshold_pledge": [*SMALL, "coalition=threshold_pledge"],
    "division_shapley_exact": [
        *SMALL,
        "coalition=greedy_merge",
        "coalition.division=shapley",
        "coalition.max_size=12",
    ],
    "division_shapley_sampled": [
        "customers.n=600",
        "steps=60",
        "coalition=greedy_merge",
        "coalition.division=shapley",
        "coalition.max_size=40",
        "coalition.shapley_samples=64",
    ],
    "division_equal_surplus": [
        *SMALL,
        "coalition=greedy_merge",
        "coalition.division=equal_surplus",
    ],
    "division_proportional": [*SMALL, "coalition=greedy_merge", "coalition.division=proportional"],
    "adaptive_ucb1": [*SMALL, "pricing.adaptive.enabled=true", "pricing.adaptive.rule=ucb1"],
    "adaptive_epsilon_greedy": [
        *SMALL,
        "pricing.adaptive.enabled=true",
        "pricing.adaptive.rule=epsilon_greedy",
    ],
    "posted_demand_based": [
        "customers.n=500",
        "steps=80",
        "pricing=posted",
        "pricing.posted.demand_based=true",
    ],
    "community_active": [*SMALL, "community=active"],
    **{
        f"community_response_{r}": [*BACKLASH, f"community.seller_response={r}"]
        for r in ("none", "apologise", "reform", "listen")
    },
    "community_hosting": [*SMALL, "community=active", "community.hosting=[volume_discount]"],
    **{
        f"network_{k}": [*SMALL, f"network={k}"]
        for k in ("erdos_renyi", "scale_free", "communities")
    },
    # network=small_world is the default graph: rewire more so it is not a copy of "default".
    "network_small_world": [*SMALL, "network=small_world", "network.rewire_p=0.3"],
    "network_file": [
        f"customers.n={NETWORK_FILE_NODES}",
        "steps=60",
        "network=file",
        f"network.path={NETWORK_FILE}",
    ],
    "negotiation_tit_for_tat": [
        *BARGAIN,
        "negotiation.buyer_tactics=[tit_for_tat]",
        "negotiation.seller_tactics=[tit_for_tat:1,boulware:1]",
    ],
    "negotiation_rubinstein": [
        *BARGAIN,
        "negotiation.buyer_tactics=[rubinstein]",
        "negotiation.seller_tactics=[rubinstein]",
    ],
    "negotiation_exp": [
        *BARGAIN,
        "negotiation.buyer_tactics=[exp_boulware:1,exp_linear:1,exp_conceder:1]",
        "negotiation.seller_tactics=[exp_boulware:1,exp_linear:1]",
    ],
    "negotiation_buyer_first": [*BARGAIN, "negotiation.first_mover=buyer"],
    "negotiation_max_rounds_6": [*BARGAIN, "negotiation.max_rounds=6"],
    "negotiation_mixed_tactics": [
        *SMALL,
        "negotiation.buyer_tactics=[tit_for_tat:1,rubinstein:1,conceder:1,exp_conceder:1]",
        "negotiation.seller_tactics=[rubinstein:1,exp_boulware:1,linear:1]",
        "negotiation.first_mover=buyer",
    ],
    "seed_7": [*SMALL, "seed=7"],
}


def write_network_file(path: Path, n: int = NETWORK_FILE_NODES) -> None:
    """Write a deterministic ring-plus-chords edge list over exactly ``n`` nodes.

    Each node links to its two successors on the ring (so every node appears) and every
    third node to a far node picked by a fixed arithmetic rule; one ``u v`` edge per line.
    """
    edges: set[tuple[int, int]] = set()
    for i in range(n):
        for step in (1, 2):
            edges.add((min(i, (i + step) % n), max(i, (i + step) % n)))
        if i % 3 == 0:
            j = (7 * i + n // 2 + 1) % n
            if j != i:
                edges.add((min(i, j), max(i, j)))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{u} {v}\n" for u, v in sorted(edges)), encoding="utf-8")


def hydra_quote(value: str) -> str:
    """Quote a string for a Hydra override value (single quotes, escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def resolve_overrides(overrides: list[str], network_file: Path) -> tuple[str, ...]:
    """Substitute the network-file placeholder in a config's overrides."""
    quoted = hydra_quote(str(network_file))
    return tuple(o.replace(NETWORK_FILE, quoted) for o in overrides)
