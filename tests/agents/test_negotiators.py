"""The negotiation tactic family: registry, parameters, and one shared contract."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from agents.negotiators import (
    NEGOTIATORS,
    NegotiationState,
    Negotiator,
    make_negotiator,
)
from agents.negotiators.base import REQUIRED_TRAITS
from agents.negotiators.registry import filter_negotiators
from agents.negotiators.time_dependent import TimeDependent
from mechanisms.negotiation_state import CompiledTactic

NAMES = sorted(NEGOTIATORS)


# ---------------------------------------------------------------- time-dependent tactics


@pytest.mark.parametrize(
    "name", ["boulware", "linear", "conceder", "exp_boulware", "exp_linear", "exp_conceder"]
)
@pytest.mark.parametrize("is_buyer", [True, False])
def test_time_dependent_reaches_reservation_at_final_round(name, is_buyer):
    tactic = make_negotiator(name)
    res, opening = (np.array([10.0, 7.0]), np.array([2.0, 1.0]))
    if not is_buyer:
        res, opening = opening, res
    max_rounds = 9
    offers = np.array(
        [
            tactic.propose(NegotiationState(r, max_rounds, is_buyer, res, opening))
            for r in range(max_rounds)
        ]
    )
    np.testing.assert_array_equal(offers[-1], res)
    step = np.diff(offers, axis=0) * (1 if is_buyer else -1)
    assert np.all(step >= 0)  # monotone concession
    if name in ("boulware", "linear", "conceder"):
        np.testing.assert_array_equal(offers[0], opening)


@pytest.mark.parametrize(
    "name", ["boulware", "linear", "conceder", "exp_boulware", "exp_linear", "exp_conceder"]
)
@pytest.mark.parametrize("params", [{}, {"beta": 0.7, "kappa": 0.2}, {"beta": 3, "kappa": 1.0}])
def test_time_dependent_table_is_alpha_bit_for_bit(name, params):
    tactic = make_negotiator(name, **params)
    for max_rounds in (1, 2, 9, 20):
        form = tactic.compiled(max_rounds)
        assert form is tactic.compiled(max_rounds)  # remembered
        for t in range(max_rounds):
            state = NegotiationState(t, max_rounds, True, np.array([1.0]), np.array([0.0]))
            assert form.alpha[t].tobytes() == np.float64(tactic.alpha(state)).tobytes()


def test_equal_tactics_share_one_compiled_form_per_process():
    # Every market makes its own tactics; the tables depend only on class and parameters.
    a, b = make_negotiator("boulware", beta=0.3), make_negotiator("boulware", beta=0.3)
    assert a is not b and a.compiled(12) is b.compiled(12)
    assert make_negotiator("boulware", beta=0.4).compiled(12) is not a.compiled(12)
    assert make_negotiator("exp_boulware", beta=0.3).compiled(12) is not a.compiled(12)
    assert a.compiled(13) is not a.compiled(12)


def test_alpha_validated_once_and_not_pickled():
    tactic = make_negotiator("exp_boulware", beta=0.5)
    state = NegotiationState(3, 10, False, np.array([1.0]), np.array([2.0]))
    first = tactic.propose(state)
    assert "_memo" in tactic.__dict__
    clone = pickle.loads(pickle.dumps(tactic))
    assert "_memo" not in clone.__dict__  # derived data is recomputed, not shipped
    np.testing.assert_array_equal(clone.propose(state), first)


def test_params_override_and_validation():
    assert make_negotiator("boulware", beta=0.5).params == {"beta": 0.5, "kappa": 0.0}
    with pytest.raises(ValueError, match="unknown parameter"):
        make_negotiator("linear", gamma=1.0)
    with pytest.raises(ValueError, match="beta"):
        make_negotiator("conceder", beta=-1.0)
    with pytest.raises(ValueError, match="unknown negotiation tactic 'nope'; allowed: "):
        make_negotiator("nope")


def test_filter_negotiators():
    assert filter_negotiators(family="time_dependent", attitude="boulware") == [
        "boulware",
        "exp_boulware",
    ]
    assert filter_negotiators(uses_opponent_offers=True) == ["tit_for_tat"]
    assert filter_negotiators(uses_discount=True) == ["rubinstein"]
    assert filter_negotiators(no_such_trait=1) == []


# ---------------------------------------------------------------- shared strategy contract


def random_state(rng: np.random.Generator, m: int, is_buyer: bool) -> NegotiationState:
    """A random but consistent state of m negotiations for one side."""
    max_rounds = int(rng.integers(1, 30))
    low = rng.uniform(0.5, 10.0, m)
    high = low + rng.uniform(0.0, 10.0, m)
    res, opening = (high, low) if is_buyer else (low, high)

    def history(p_missing: float) -> np.ndarray:
        x = rng.uniform(0.1, 25.0, m)
        x[rng.random(m) < p_missing] = np.nan
        return x

    return NegotiationState(
        round=int(rng.integers(0, max_rounds)),
        max_rounds=max_rounds,
        is_buyer=is_buyer,
        reservation=res,
        opening=opening,
        own_discount=rng.uniform(0.5, 1.0, m),
        opp_discount=rng.uniform(0.5, 1.0, m),
        own_last=history(0.2),
        opp_last=history(0.2),
        opp_prev=history(0.3),
        own_prev=history(0.3),
    )


@pytest.mark.parametrize("name", NAMES)
class TestNegotiatorContract:
    """Every registered tactic must pass these checks."""

    def test_name_and_classifier(self, name):
        cls = NEGOTIATORS[name]
        assert cls.name == name
        assert issubclass(cls, Negotiator)
        assert all(key in cls.classifier for key in REQUIRED_TRAITS)
        assert cls.classifier["stochastic"] is False
        assert isinstance(cls.classifier["memory_depth"], int)
        assert sum(c.name == name for c in NEGOTIATORS.values()) == 1
        assert repr(make_negotiator(name)).startswith(cls.__name__ + "(")

    @pytest.mark.parametrize("is_buyer", [True, False])
    def test_propose_inside_own_range(self, name, is_buyer):
        tactic = make_negotiator(name)
        rng = np.random.default_rng(1)
        for _ in range(25):
            state = random_state(rng, 40, is_buyer)
            offer = tactic.propose(state)
            assert offer.shape == (40,)
            assert np.all(np.isfinite(offer))
            assert np.all((offer >= state.low) & (offer <= state.high))

    @pytest.mark.parametrize("is_buyer", [True, False])
    def test_accept_never_outside_reservation(self, name, is_buyer):
        tactic = make_negotiator(name)
        rng = np.random.default_rng(2)
        for _ in range(25):
            state = random_state(rng, 40, is_buyer)
            offer = rng.uniform(0.0, 25.0, 40)
            acc = tactic.accept(state, offer)
            assert acc.shape == (40,) and acc.dtype == bool
            outside = offer > state.reservation if is_buyer else offer < state.reservation
            assert not np.any(acc & outside)

    def test_deterministic(self, name):
        tactic = make_negotiator(name)
        for is_buyer in (True, False):
            s1 = random_state(np.random.default_rng(3), 30, is_buyer)
            s2 = random_state(np.random.default_rng(3), 30, is_buyer)
            offer = np.random.default_rng(4).uniform(0.0, 25.0, 30)
            np.testing.assert_array_equal(tactic.propose(s1), tactic.propose(s2))
            np.testing.assert_array_equal(tactic.accept(s1, offer), tactic.accept(s2, offer))

    @pytest.mark.parametrize("max_rounds", [1, 2, 20])
    def test_compiled_form(self, name, max_rounds):
        # Every registered tactic plays in the compiled kernel (identity checked in
        # tests/mechanisms/test_bargaining_kernel.py); a subclass changing propose does not.
        tactic = make_negotiator(name)
        form = tactic.compiled(max_rounds)
        assert isinstance(form, CompiledTactic)
        assert form.alpha.shape == (max_rounds,) and not form.alpha.flags.writeable

        class Changed(type(tactic)):
            def propose(self, state):
                return state.clip(state.opening)

        assert Changed().compiled(max_rounds) is None
        if isinstance(tactic, TimeDependent):

            class OwnCurve(type(tactic)):
                def alpha(self, state):
                    return np.float64(0.5)

            assert OwnCurve().compiled(max_rounds) is None

    def test_pickle_round_trip(self, name):
        tactic = make_negotiator(name)
        clone = pickle.loads(pickle.dumps(tactic))
        assert clone == tactic and hash(clone) == hash(tactic)
        assert clone is not tactic
        state = random_state(np.random.default_rng(5), 30, False)
        offer = np.random.default_rng(6).uniform(0.0, 25.0, 30)
        np.testing.assert_array_equal(clone.propose(state), tactic.propose(state))
        np.testing.assert_array_equal(clone.accept(state, offer), tactic.accept(state, offer))

    def test_state_arrays_read_only(self, name):
        tactic = make_negotiator(name)
        res = np.array([10.0, 8.0])
        state = NegotiationState(2, 10, True, res, np.array([1.0, 2.0]), opp_last=[9.0, 9.0])
        for field in ("reservation", "opening", "own_discount", "opp_last", "own_last"):
            arr = getattr(state, field)
            assert not arr.flags.writeable
            with pytest.raises(ValueError):
                arr[0] = 0.0
        before = {f: getattr(state, f).copy() for f in ("reservation", "opening", "opp_last")}
        tactic.propose(state)
        tactic.accept(state, np.array([5.0, 9.0]))
        for field, value in before.items():
            np.testing.assert_array_equal(getattr(state, field), value)
        assert res.flags.writeable  # the caller's array is untouched

    @pytest.mark.parametrize("is_buyer", [True, False])
    def test_empty_arrays(self, name, is_buyer):
        tactic = make_negotiator(name)
        empty = np.empty(0)
        state = NegotiationState(3, 10, is_buyer, empty, empty)
        assert tactic.propose(state).shape == (0,)
        acc = tactic.accept(state, empty)
        assert acc.shape == (0,) and acc.dtype == bool


# ---------------------------------------------------------------- the state the protocol hands out


def test_receive_and_unchecked_state():
    res = np.array([10.0, 8.0])
    state = NegotiationState(2, 10, True, res, np.array([1.0, 2.0]), opp_last=[9.0, 9.5])
    offer = np.array([7.0, 7.5])
    nxt = state.receive(offer)
    assert (nxt.round, nxt.max_rounds, nxt.is_buyer) == (3, 10, True)
    np.testing.assert_array_equal(nxt.opp_last, offer)
    np.testing.assert_array_equal(nxt.opp_prev, [9.0, 9.5])
    assert nxt.own_last is state.own_last and nxt.reservation is state.reservation
    assert not nxt.opp_last.flags.writeable and offer.flags.writeable
    with pytest.raises(ValueError):
        nxt.opp_last[0] = 0.0
    np.testing.assert_array_equal(state.receive(7.0).opp_last, [7.0, 7.0])  # broadcast
    with pytest.raises(ValueError):
        state.receive(np.array([1.0, 2.0, 3.0]))
    fields = {f: getattr(nxt, f) for f in ("round", "max_rounds", "is_buyer")}
    arrays = {
        f: getattr(nxt, f)
        for f in (
            "reservation",
            "opening",
            "own_discount",
            "opp_discount",
            "own_last",
            "opp_last",
            "opp_prev",
            "own_prev",
        )
    }
    same = NegotiationState.unchecked(**fields, **arrays)  # takes the arrays as they are
    assert all(getattr(same, f) is v for f, v in arrays.items())
    assert {f: getattr(same, f) for f in fields} == fields
    assert same.size == 2 and same.deadline == 9
