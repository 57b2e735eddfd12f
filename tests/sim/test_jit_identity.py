"""A run is byte-identical with the compiled kernels and with the numpy reference.

``CROWDBARGAIN_JIT`` chooses the path (``0`` numpy only, ``1`` kernels always, ``auto``
kernels for large work): each run is in its own process, so the environment variable is
read as a user would set it, and each prints a digest of the model's result tables.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
