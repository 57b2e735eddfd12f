"""The abstract negotiation strategy (tactic) every tactic of the library inherits.

A strategy sees only a read-only :class:`NegotiationState` describing ``M`` concurrent
negotiations in which it plays the same side, never the model (the separation used by
NegMAS: Y. Mohammad et al., "NegMAS: a platform for automated negotiations", PRIMA 2020).
Strategies carry a ``name`` and a ``classifier`` dict of traits, as in the Axelrod library
(V. Knight et al., "An open framework for the reproducible study of the iterated
prisoner's dilemma", J. Open Research Software 4(1), 2016).

The default acceptance rule is AC_next of T. Baarslag, K. Hindriks & C. Jonker (2014),
"Effective acceptance conditions in multilateral negotiation", Decision Support
Systems 60:68-77: accept an offer at least as good as one's own next proposal.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Mapping
from functools import cache
from typing import Any, ClassVar, TypeVar

import numpy as np
import numpy.typing as npt

from mechanisms.negotiation_state import (
    BoolArray,
    CompiledTactic,
    FloatArray,
    NegotiationState,
)

T = TypeVar("T")

#: Keys every strategy's ``classifier`` must define.
REQUIRED_TRAITS = ("stochastic", "memory_depth", "uses_opponent_offers", "uses_discount", "family")


class Negotiator(ABC):
    """A negotiation strategy (tactic) acting on arrays of concurrent negotiations.

    Subclasses set ``name``, ``classifier`` (with at least the keys in
    :data:`REQUIRED_TRAITS`) and ``defaults`` (allowed parameters with default values),
    and implement :meth:`propose`. Instances are immutable in use, picklable, and compare
    equal when ``name`` and ``params`` are equal.

    Attributes:
        name: Registry key.
        classifier: Traits of the strategy (Axelrod-style).
        defaults: Allowed keyword parameters and their default values.
        params: This instance's parameters (defaults updated by the constructor's).
    """

    name: ClassVar[str] = ""
    classifier: ClassVar[dict[str, Any]] = {}
    defaults: ClassVar[Mapping[str, Any]] = {}

    def __init__(self, **params: Any) -> None:
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            raise ValueError(
                f"unknown parameter(s) {unknown} for negotiation tactic {self.name!r}; "
                f"allowed: {sorted(self.defaults)}"
            )
        self.params: dict[str, Any] = {**self.defaults, **params}
        self._validate()

    def _validate(self) -> None:  # noqa: B027 - optional hook, intentionally empty
        """Check ``self.params``; raise ``ValueError`` on bad values (hook, default no-op)."""

    @abstractmethod
    def propose(self, state: NegotiationState) -> FloatArray:
        """Offers for every negotiation in ``state``.

        Args:
            state: Read-only state of the proposer's side at the current round.

        Returns:
            Float array of shape ``(state.size,)`` inside ``[state.low, state.high]``.
        """

    def accept(self, state: NegotiationState, offer: npt.ArrayLike) -> BoolArray:
        """Whether to accept the opponent's ``offer`` (default rule AC_next).

        Accept iff ``offer`` is within the reservation and at least as good for this side
        as the price this strategy would propose next round (``propose`` on
        ``state.receive(offer)``). At the final round there is no next proposal and the
        alternative is no deal, so any offer within the reservation is accepted.

        Args:
            state: Read-only state of the responder's side at the current round, not yet
                including ``offer`` in its history.
            offer: The opponent's offers, shape ``(state.size,)``.

        Returns:
            Bool array of shape ``(state.size,)``.
        """
        offer = np.asarray(offer, dtype=np.float64)
        ok = state.within_reservation(offer)
        if state.round >= state.deadline or state.size == 0:
            return ok
        nxt = self.propose(state.receive(offer))
        better = offer <= nxt if state.is_buyer else offer >= nxt
        return ok & better

    def compiled(self, max_rounds: int) -> CompiledTactic | None:
        """This tactic's exact behaviour as data for the compiled protocol, if it has one.

        The default is None: the protocol plays the tactic through :meth:`propose` and
        :meth:`accept`. A tactic that returns a form promises that the kernel's rule
        (:class:`~mechanisms.negotiation_state.Rule`) gives bit for bit what its methods
        give; the identity tests in ``tests/mechanisms/test_bargaining_kernel.py`` check it.

        Args:
            max_rounds: The negotiation's number of rounds (deadline ``max_rounds - 1``).
        """
        return None

    def _remembered(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, computed once per instance and ``key`` and then remembered.

        For values that depend only on the parameters and ``key`` (a concession curve at a
        round, a compiled form), so every later call returns the very same object: keep
        them immutable. The memo is not pickled (see :meth:`__getstate__`).
        """
        memo: dict[Hashable, Any] = self.__dict__.setdefault("_memo", {})
        try:
            return memo[key]  # type: ignore[no-any-return]
        except KeyError:
            value = memo[key] = compute()
            return value

    def __getstate__(self) -> dict[str, Any]:
        # Remembered values are derived from the parameters: recomputed after unpickling.
        return {k: v for k, v in self.__dict__.items() if k != "_memo"}

    def _overrides(self, base: type[Negotiator], *names: str) -> bool:
        """Whether this instance's class redefines any of ``base``'s methods ``names``.

        A subclass that changes what a compiled form describes must not inherit the form.
        """
        return _redefines(type(self), base, names)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in sorted(self.params.items()))
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Negotiator):
            return NotImplemented
        return (self.name, self.params) == (other.name, other.params)

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted(self.params.items()))))


@cache
def _redefines(cls: type, base: type, names: tuple[str, ...]) -> bool:
    """Whether ``cls`` has other attributes than ``base`` under ``names`` (once per class)."""
    return any(getattr(cls, name) is not getattr(base, name) for name in names)
