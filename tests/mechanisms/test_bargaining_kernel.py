"""The compiled alternating-offers kernel gives bit for bit what the numpy protocol gives."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mechanisms.bargaining as bargaining
from agents.negotiators import NEGOTIATORS, make_negotiator
from agents.negotiators.time_dependent import Linear
from mechanisms.bargaining import Outcome, Side, alternating_offers
from mechanisms.kernels.bargaining import run_negotiations
from mechanisms.negotiation_state import NegotiationState

#: Every registered tactic with its defaults, then some with other parameters.
TACTICS = [make_negotiator(name) for name in sorted(NEGOTIATORS)] + [
    make_negotiator("boulware", beta=0.5, kappa=0.1),
    make_negotiator("conceder", beta=3, kappa=1.0),
    make_negotiator("linear", kappa=0.5),
    make_negotiator("exp_boulware", kappa=1.0),
    make_negotiator("exp_conceder", beta=2.0, kappa=0.3),
    make_negotiator("exp_linear", beta=0.7, kappa=0.05),
]

FIELDS = ("agreed", "price", "rounds", "buyer_utility", "seller_utility")


def assert_identical(got: Outcome, want: Outcome) -> None:
    """Same dtype, shape and bytes (so NaN positions and signed zeros too) in every field."""
    for field in (*FIELDS, "offers"):
        a, b = getattr(got, field), getattr(want, field)
        if b is None:
            assert a is None, field
            continue
        assert a.dtype == b.dtype and a.shape == b.shape, field
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), field
        assert a.tobytes() == b.tobytes(), f"{field} differs bitwise"


@st.composite
def bargains(draw, max_m=40):
    """Random sides over a random mix of tactics, deadline, first mover and recording."""
    m = draw(st.integers(0, max_m))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    mix = np.array(
        draw(st.lists(st.sampled_from(range(len(TACTICS))), min_size=1, max_size=6, unique=True))
    )
    buyer_res = rng.uniform(1.0, 20.0, m)
    seller_res = rng.uniform(1.0, 20.0, m)
    if draw(st.booleans()):  # whole prices: offers meet reservations exactly (ties)
        buyer_res, seller_res = np.round(buyer_res), np.round(seller_res)
    # Openings partly on the wrong side of the reservation or equal to it (zero width).
    buyer_open = buyer_res * rng.uniform(-0.2, 1.2, m)
    seller_open = seller_res * rng.uniform(0.8, 2.0, m)
    for opening, res in ((buyer_open, buyer_res), (seller_open, seller_res)):
        tie = rng.random(m) < 0.1
        opening[tie] = res[tie]

    def discounts() -> np.ndarray:
        d = rng.uniform(0.3, 1.0, m)
        d[rng.random(m) < 0.25] = 1.0
        return d

    buyer = Side(buyer_res, buyer_open, discounts(), rng.choice(mix, m))
    seller = Side(seller_res, seller_open, discounts(), rng.choice(mix, m))
    max_rounds = draw(st.integers(1, 30))
    first_mover = draw(st.sampled_from(["seller", "buyer"]))
    record = draw(st.booleans())
    return buyer, seller, max_rounds, first_mover, record


def run_both(case, tactics=TACTICS):
    """(kernel, reference) outcomes; also checks the numpy path without kernel (all rounds
    at once where every tactic in play is memoryless) against the reference."""
    buyer, seller, max_rounds, first_mover, record = case
    kwargs = {"record": record}
    kernel = alternating_offers(buyer, seller, tactics, max_rounds, first_mover, jit=True, **kwargs)
    numpy_path = alternating_offers(
        buyer, seller, tactics, max_rounds, first_mover, jit=False, **kwargs
    )
    reference = alternating_offers(
        buyer, seller, tactics, max_rounds, first_mover, reference=True, **kwargs
    )
    assert_identical(numpy_path, reference)
    return kernel, reference


@settings(max_examples=200, deadline=None)
@given(bargains())
def test_kernel_matches_numpy_reference(case):
    compiled, reference = run_both(case)
    assert_identical(compiled, reference)


@settings(max_examples=20, deadline=None)
@given(bargains(max_m=8))
def test_interpreted_kernel_matches_numpy_reference(case):
    # The kernel's Python source (its helpers stay compiled), run by the interpreter.
    with mock.patch.object(bargaining, "_run_negotiations", run_negotiations.py_func):
        compiled, reference = run_both(case)
    assert_identical(compiled, reference)


def test_whole_prices_and_zero_width_ranges():
    # Deals at exactly a reservation (buyer utility -0.0 in numpy) and zero-width ranges.
    m = 400
    rng = np.random.default_rng(3)
    res = rng.integers(1, 6, m).astype(float)
    buyer = Side(res, np.where(rng.random(m) < 0.3, res, res - 2.0), 1.0, rng.integers(0, 8, m))
    seller = Side(res - 1.0, np.where(rng.random(m) < 0.3, res - 1.0, res + 1.0), 1.0, 1)
    negative_zero = False
    for max_rounds in (1, 2, 3, 7):
        for first_mover in ("seller", "buyer"):
            compiled, reference = run_both((buyer, seller, max_rounds, first_mover, True))
            assert_identical(compiled, reference)
            negative_zero |= bool(np.signbit(reference.buyer_utility).any())
    assert negative_zero  # the case that needs numpy's own clip is covered


def test_rubinstein_equilibrium_offers_meet_the_threshold():
    # With one pie for both sides the equilibrium offer equals the responder's threshold
    # up to rounding, so the acceptance tolerance decides: both paths must agree exactly.
    m = 500
    rng = np.random.default_rng(4)
    low, high = rng.uniform(0.0, 5.0, m), rng.uniform(5.0, 10.0, m)
    low[:100], high[:100] = 0.0, 1.0
    discounts = np.round(rng.uniform(0.05, 1.0, (2, m)), 2)
    buyer = Side(high, low, discounts[0], 6)  # index 6 of TACTICS is rubinstein
    seller = Side(low, high, discounts[1], 6)
    assert TACTICS[6].name == "rubinstein"
    for first_mover in ("seller", "buyer"):
        compiled, reference = run_both((buyer, seller, 5, first_mover, False))
        assert_identical(compiled, reference)
        assert (reference.rounds == 1).mean() > 0.9


def test_kernel_is_used_when_every_tactic_in_play_compiles():
    buyer = Side(np.array([10.0, 9.0]), 5.0, 0.9, np.array([0, 1]))
    seller = Side(np.array([6.0, 6.0]), 12.0, 0.9, np.array([1, 0]))
    with mock.patch.object(bargaining, "_run_negotiations", wraps=run_negotiations) as spy:
        alternating_offers(buyer, seller, TACTICS, 10, jit=True)
        assert spy.call_count == 1
        alternating_offers(buyer, seller, TACTICS, 10, jit=False)
        assert spy.call_count == 1


def test_memoryless_tactics_play_every_round_at_once_without_the_kernel():
    names = [t.name for t in TACTICS]
    tit_for_tat = names.index("tit_for_tat")
    memoryless = [names.index("boulware"), names.index("rubinstein")]
    buyer = Side(np.array([10.0, 9.0]), 5.0, 0.9, np.array(memoryless))
    seller = Side(np.array([6.0, 6.0]), 12.0, 0.9, np.array(memoryless[::-1]))
    with mock.patch.object(bargaining, "play_memoryless", wraps=bargaining.play_memoryless) as spy:
        alternating_offers(buyer, seller, TACTICS, 10, jit=False)
        assert spy.call_count == 1
        alternating_offers(buyer, seller, TACTICS, 10, reference=True)
        assert spy.call_count == 1
        # Tit-for-tat imitates the opponent's concessions: round by round only.
        mimic = Side(seller.reservation, seller.opening, 0.9, np.array([tit_for_tat, 0]))
        alternating_offers(buyer, mimic, TACTICS, 10, jit=False)
        assert spy.call_count == 1


class Stubborn(Linear):
    """Redefines ``propose``, so it must not inherit the linear tactic's compiled form."""

    name = "stubborn"

    def propose(self, state: NegotiationState) -> np.ndarray:
        return np.array(state.opening, dtype=np.float64)


class DuckTactic:
    """A tactic that is not a Negotiator and has no ``compiled`` at all."""

    def propose(self, state: NegotiationState) -> np.ndarray:
        return state.clip(0.5 * (state.opening + state.reservation))

    def accept(self, state: NegotiationState, offer: np.ndarray) -> np.ndarray:
        return state.within_reservation(offer)


@pytest.mark.parametrize("odd", [Stubborn(), DuckTactic()])
def test_tactics_without_compiled_form_use_the_reference(odd):
    assert getattr(odd, "compiled", lambda _: None)(10) is None
    tactics = [make_negotiator("linear"), odd]
    buyer = Side(np.array([10.0, 9.0, 8.0]), 5.0, 0.9, np.array([0, 0, 0]))
    seller = Side(np.array([6.0, 6.0, 7.0]), 12.0, 0.9, np.array([0, 1, 0]))
    with mock.patch.object(bargaining, "_run_negotiations", wraps=run_negotiations) as spy:
        got = alternating_offers(buyer, seller, tactics, 10, jit=True)
        assert spy.call_count == 0  # tactic 1 is in play and has no compiled form
        want = alternating_offers(buyer, seller, tactics, 10, jit=False)
        assert_identical(got, want)
        # Not in play: the kernel runs, and the absent tactic is never consulted.
        absent = Side(seller.reservation, seller.opening, 0.9, 0)
        got = alternating_offers(buyer, absent, tactics, 10, jit=True)
        assert spy.call_count == 1
        assert_identical(got, alternating_offers(buyer, absent, tactics, 10, jit=False))


# ---------------------------------------------------------------- the switch, end to end

CHILD = """
import hashlib, json
from unittest import mock
import pandas as pd
import mechanisms, mechanisms.bargaining as bargaining
from mechanisms.jit import JIT_ENABLED
from sim import MarketModel

spy = mock.patch.object(bargaining, "_run_negotiations", wraps=bargaining._run_negotiations)
with spy as kernel:
    model = MarketModel()
    model.run()


def digest(frame):
    hashed = pd.util.hash_pandas_object(frame, index=True)
    return hashlib.sha256(hashed.values.tobytes()).hexdigest()


print(json.dumps({
    "file": mechanisms.__file__,
    "jit": JIT_ENABLED,
    "kernel_calls": kernel.call_count,
    "totals": {k: repr(v) for k, v in model.totals.items()},
    "timeseries": digest(model.timeseries_frame()),
    "deals": digest(model.deals_frame()),
}))
"""


def run_child(repo_root, jit: str) -> dict:
    env = {**os.environ, "CROWDBARGAIN_JIT": jit, "PYTHONPATH": str(repo_root)}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_jit_off_runs_the_default_model_identically(repo_root):
    on, off = run_child(repo_root, "1"), run_child(repo_root, "0")
    assert on["file"] == off["file"] == str(repo_root / "mechanisms" / "__init__.py")
    assert on["jit"] is True and off["jit"] is False
    assert on["kernel_calls"] > 0 and off["kernel_calls"] == 0
    for key in ("totals", "timeseries", "deals"):
        assert on[key] == off[key], key
