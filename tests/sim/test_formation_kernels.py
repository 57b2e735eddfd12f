"""Coalition formation gives the same market with and without its kernels.

The ``form`` phase keeps coalition sizes up to date from the moves it makes instead of
recounting the population; after every ``form`` the sizes must equal a recount and no open
group may be empty. And a whole run with every kernel forced on (``CROWDBARGAIN_JIT=1``)
must produce exactly the frames of a run on the numpy references (``=0``).
"""

import numpy as np
import pandas as pd
import pytest

from agents.coalition import CoalitionStatus
from mechanisms import jit
from sim.model import MarketModel

SCALE_FREE = {"kind": "scale_free", "avg_degree": 8}
CONFIGS = {
    "greedy": {"network": SCALE_FREE},
    "small_world": {},
    "pledge": {"coalition": {"algorithm": "threshold_pledge"}, "pricing": {"mix": ["threshold"]}},
    "crowdfunding": {
        "coalition": {"algorithm": "threshold_pledge"},
        "pricing": {"mix": ["crowdfunding"]},
    },
    "hosting": {
        "network": SCALE_FREE,
        "community": {"enabled": True, "hosting": ["volume_discount"], "host_rate": 0.5},
    },
}


def build(name: str, n: int = 2500, steps: int = 12) -> MarketModel:
    return MarketModel(customers={"n": n}, steps=steps, seed=3, **CONFIGS[name])


def frames(model: MarketModel) -> list[pd.DataFrame]:
    return [model.deals_frame(), model.timeseries_frame(), model.coalitions_frame()]


@pytest.mark.parametrize("name", list(CONFIGS))
def test_kernels_on_and_off_give_the_same_run(name, monkeypatch):
    runs = {}
    for mode in ("on", "off"):
        monkeypatch.setattr(jit, "MODE", mode)
        runs[mode] = frames(build(name).run())
    assert len(runs["on"][0]) > 0
    for a, b in zip(runs["on"], runs["off"], strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.mark.parametrize("name", list(CONFIGS))
@pytest.mark.parametrize("mode", ["on", "off"])
def test_sizes_are_exact_after_every_form(name, mode, monkeypatch):
    monkeypatch.setattr(jit, "MODE", mode)
    model = build(name, n=1500, steps=10)
    form = next(i for i, p in enumerate(model.phases) if getattr(p, "__name__", "") == "form")
    real_form = model.phases[form]
    checked = []

    def checked_form(state):
        real_form(state)
        cu, co = state.customers, state.coalitions
        inside = cu.coalition >= 0
        size = np.bincount(cu.coalition[inside], minlength=len(co))
        units = np.bincount(cu.coalition[inside], weights=cu.quantity[inside], minlength=len(co))
        assert np.array_equal(co.size, size)
        assert np.array_equal(co.units, units.astype(np.int64))
        assert not ((co.status == CoalitionStatus.OPEN) & (co.size == 0)).any()
        checked.append(len(co))

    model.phases[form] = checked_form
    model.run()
    assert checked and checked[-1] > 0
