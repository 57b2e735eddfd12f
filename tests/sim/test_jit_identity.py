"""A run is byte-identical with the compiled kernels and with the numpy reference.

``CROWDBARGAIN_JIT`` chooses the path (``0`` numpy only, ``1`` kernels always, ``auto``
kernels for large work): each run of the first test is in its own process, so the
environment variable is read as a user would set it, and each prints a digest of the
model's result tables. The property test switches the path in-process (the mode
:func:`mechanisms.jit.use_kernels` reads) over random small markets.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given

from mechanisms import jit
from sim import MarketModel
from tests.sim.random_markets import markets

ROOT = Path(__file__).resolve().parents[2]

DIGEST = """
import hashlib, sys
from sim import MarketModel
m = MarketModel(seed=4, steps=12, customers={"n": int(sys.argv[1])},
                network={"kind": "scale_free"}, community={"enabled": True})
m.run()
h = hashlib.sha256()
for frame in (m.deals_frame(), m.timeseries_frame(), m.coalitions_frame(),
              m.sellers_frame(), m.cascades_frame()):
    h.update(frame.to_csv().encode())
print(h.hexdigest(), int(m.customers.bought.sum()), int((m.customers.invite >= 0).sum()))
"""


def digest(mode: str, n: int) -> str:
    env = {**os.environ, "CROWDBARGAIN_JIT": mode}
    out = subprocess.run(
        [sys.executable, "-c", DIGEST, str(n)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout.strip()


@pytest.mark.slow
def test_kernels_and_numpy_reference_give_identical_runs():
    on, off = digest("1", 3000), digest("0", 3000)
    assert on == off
    # Something happened (purchases, invitations), so equality is not vacuous.
    _, bought, invited = on.split()
    assert int(bought) > 0 and int(invited) > 0


def run_with(params: dict, mode: str) -> tuple[list[pd.DataFrame], dict[str, np.ndarray]]:
    """Result tables and final state columns of the market ``params`` under JIT mode ``mode``.

    The state too: a kernel may change what no table shows yet (an invitation's hop count).
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(jit, "MODE", mode)
        model = MarketModel(**params).run()
    tables = [
        model.deals_frame(),
        model.timeseries_frame(),
        model.coalitions_frame(),
        model.sellers_frame(),
        model.cascades_frame(),
    ]
    parts = [model.customers, model.coalitions, model.sellers]
    if model.community is not None:
        parts += [model.community, model.community.rep, model.community.cascades]
    state = {
        f"{type(part).__name__}.{name}": value
        for part in parts
        for name, value in vars(part).items()
        if isinstance(value, np.ndarray)
    }
    return tables, state


@pytest.mark.slow
@given(markets())
def test_random_markets_run_alike_with_kernels_and_with_numpy(params):
    (on_tables, on_state), (off_tables, off_state) = run_with(params, "on"), run_with(params, "off")
    for on, off in zip(on_tables, off_tables, strict=True):
        pd.testing.assert_frame_equal(on, off, check_exact=True)
    assert on_state.keys() == off_state.keys()
    for name, on in on_state.items():
        np.testing.assert_array_equal(on, off_state[name], err_msg=name, strict=True)


def test_an_invalid_jit_setting_is_refused_in_one_line(tmp_path):
    env = {**os.environ, "CROWDBARGAIN_JIT": "fast"}
    proc = subprocess.run(
        [sys.executable, "-m", "sim.run", f"hydra.run.dir={tmp_path / 'run'}"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "error: CROWDBARGAIN_JIT='fast' is invalid; allowed: auto, 1/on, 0/off"
    )
    assert not (tmp_path / "run").exists()
