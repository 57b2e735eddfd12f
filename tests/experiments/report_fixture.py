"""Synthetic comparison tables for the report tests (no simulation: built in milliseconds).

:func:`synthetic` builds a ``runs`` and a ``timeseries`` frame with the columns
``experiments.compare_policies`` writes. Every metric of a run is its mean (given by
``effect``) plus a per-seed shift shared by all policies (common random numbers) plus
independent noise, so paired tests behave as on real comparisons.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import product
from typing import Any

import numpy as np
import pandas as pd

from sim.results.metrics import TIMESERIES_COLUMNS

SUMMARY = (
    "seller_profit",
    "consumer_surplus",
    "welfare",
    "buyers_served_share",
    "mean_price",
    "mean_price_coalition",
    "mean_price_solo",
    "coalition_buyers_share",
    "mean_coalition_size",
    "coalition_time_to_buy",
    "coalition_success_rate",
)
COMMUNITY = ("public_rating", "peak_boycott_share")
TIMESERIES = tuple(c for c in TIMESERIES_COLUMNS if c != "step")
BASE = {
    "seller_profit": 1000.0,
    "consumer_surplus": 800.0,
    "buyers_served_share": 0.6,
    "mean_price": 10.0,
    "mean_price_coalition": 9.0,
    "mean_price_solo": 11.0,
    "coalition_buyers_share": 0.3,
    "mean_coalition_size": 6.0,
    "coalition_time_to_buy": 4.0,
    "coalition_success_rate": 0.5,
    "public_rating": 0.7,
    "peak_boycott_share": 0.1,
}

MARKET = {
    "customers": {"n": 100},
    "sellers": {"n": 4},
    "products": {"n": 2},
    "steps": 20,
    "network": {"kind": "small_world", "avg_degree": 8},
    "coalition": {"algorithm": "greedy", "max_size": 20, "division": "equal"},
    "negotiation": {"protocol": "alternating"},
}
"""A market_config with the keys the report describes."""

Effect = Callable[[str, dict[str, Any], str], float]


def synthetic(
    policies: Sequence[str],
    seeds: int = 10,
    vary: Mapping[str, Sequence[Any]] | None = None,
    effect: Effect | None = None,
    noise: float = 1.0,
    community: bool = False,
    nan: Mapping[str, Sequence[str]] | None = None,
    steps: int = 20,
    rng_seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A runs and a timeseries frame for ``policies`` x grid points x ``seeds``.

    Args:
        policies: Policy names.
        seeds: Seeds ``0..seeds-1``.
        vary: Varied key -> values.
        effect: ``(policy, point, metric) -> mean`` (default: :data:`BASE`).
        noise: Standard deviation of the independent per-run noise (relative to the mean
            for metrics below 20, absolute in price units otherwise).
        community: Whether the community columns are present.
        nan: Metric -> policies for which it is NaN in every run.
        steps: Steps per run in the timeseries.
        rng_seed: Seed of the generator of the noise.
    """
    rng = np.random.default_rng(rng_seed)
    vary = dict(vary or {})
    nan = dict(nan or {})
    names = list(SUMMARY) + (list(COMMUNITY) if community else [])
    effect = effect or (lambda p, pt, m: BASE[m])
    shared = {m: rng.normal(0, 1, seeds) for m in names}
    rows, ts = [], []
    for policy in policies:
        for combo in product(*vary.values()):
            point = dict(zip(vary, combo, strict=True))
            for s in range(seeds):
                row: dict[str, Any] = {"policy": policy, "seed": s, **point}
                for m in names:
                    if m == "welfare":
                        continue
                    mean = effect(policy, point, m)
                    sd = noise if abs(BASE.get(m, 100)) >= 20 else noise * 0.01
                    value = mean + sd * (shared[m][s] + rng.normal(0, 1))
                    row[m] = np.nan if policy in nan.get(m, ()) else value
                row["welfare"] = row["seller_profit"] + row["consumer_surplus"]
                row["run_id"] = f"{policy}-{s}-{combo}"
                row["command"] = f"python -m sim.run pricing={policy} seed={s}"
                row["pricing.mix"] = f"{policy}: 1.0"
                rows.append(row)
                frame = pd.DataFrame({"policy": policy, "seed": s, "step": np.arange(steps)})
                for k, v in point.items():
                    frame[k] = v
                for c in TIMESERIES:
                    frame[c] = np.abs(rng.normal(5, 1, steps))
                frame.loc[frame["step"] % 4 == 0, "mean_price_coalition"] = np.nan
                ts.append(frame)
    return pd.DataFrame(rows), pd.concat(ts, ignore_index=True)
