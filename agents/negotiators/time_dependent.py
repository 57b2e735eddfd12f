"""Time-dependent tactics of Faratin, Sierra & Jennings (1998).

P. Faratin, C. Sierra & N. R. Jennings (1998). "Negotiation decision functions for
autonomous agents". Robotics and Autonomous Systems 24(3-4):159-182, section 4.2.1.

The offer at round ``t`` is ``opening + alpha(t) * (reservation - opening)`` with the
deadline ``T = max_rounds - 1``, so the offer equals the reservation at the final round.
``beta < 1`` concedes late (Boulware), ``beta = 1`` linearly, ``beta > 1`` early
(Conceder). Both the polynomial and the exponential ``alpha`` families are provided.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from agents.negotiators.base import Negotiator
from mechanisms.concession import (
    exponential_alpha_unchecked,
    polynomial_alpha_unchecked,
    time_dependent_offer,
)
from mechanisms.negotiation_state import CompiledTactic, FloatArray, NegotiationState, Rule

AlphaFunction = Callable[[npt.ArrayLike, npt.ArrayLike, FloatArray, FloatArray], FloatArray]

#: Compiled forms by ``(class, sorted parameters, max_rounds)``, shared by equal tactics.
_FORMS: dict[tuple[Any, ...], CompiledTactic] = {}
_FORMS_MAX = 4096


class TimeDependent(Negotiator):
    """Base of the time-dependent tactics: concede along ``alpha(t)`` towards the reservation.

    Parameters (``params``): ``beta`` (> 0, concession shape) and ``kappa`` (in [0, 1],
    fraction of the range conceded at round 0; for the exponential family ``kappa <= 0``
    means 0.01, see :func:`mechanisms.concession.exponential_alpha`).

    ``alpha_function(t, deadline, beta, kappa)`` receives ``beta`` and ``kappa`` as
    float64 arrays checked once at construction, so the default is the unchecked form of
    :func:`mechanisms.concession.polynomial_alpha` (same values bit for bit). Since
    ``alpha`` depends only on the round and the deadline, each value is computed once per
    instance and remembered.
    """

    defaults: ClassVar[dict[str, Any]] = {"beta": 1.0, "kappa": 0.0}
    alpha_function: ClassVar[AlphaFunction] = staticmethod(polynomial_alpha_unchecked)  # type: ignore[assignment]

    def _validate(self) -> None:
        beta, kappa = self.params["beta"], self.params["kappa"]
        if not (isinstance(beta, int | float) and np.isfinite(beta) and beta > 0):
            raise ValueError(f"{self.name}: beta must be a finite number > 0, got {beta!r}")
        if not (isinstance(kappa, int | float) and 0.0 <= kappa <= 1.0):
            raise ValueError(f"{self.name}: kappa must lie in [0, 1], got {kappa!r}")

    def alpha(self, state: NegotiationState) -> FloatArray:
        """Fraction of the range conceded at ``state.round`` (deadline ``max_rounds - 1``)."""
        return self._alpha_at(state.round, state.deadline)

    def _alpha_at(self, t: int, deadline: int) -> FloatArray:
        """``alpha_function`` at round ``t``, remembered per instance."""
        return self._remembered(("alpha", t, deadline), lambda: self._compute_alpha(t, deadline))

    def _compute_alpha(self, t: int, deadline: int) -> FloatArray:
        # beta and kappa as the public alpha functions convert them (checked at __init__).
        beta = np.asarray(self.params["beta"], dtype=np.float64)
        kappa = np.asarray(self.params["kappa"], dtype=np.float64)
        value = type(self).alpha_function(t, deadline, beta, kappa)
        if isinstance(value, np.ndarray):
            # Shared by every later call (a numpy scalar result is immutable anyway).
            value.flags.writeable = False
        return value

    def propose(self, state: NegotiationState) -> FloatArray:
        """Offer ``opening + alpha(t) * (reservation - opening)``, clipped to the own range."""
        return state.clip(time_dependent_offer(self.alpha(state), state.opening, state.reservation))

    def compiled(self, max_rounds: int) -> CompiledTactic | None:
        """:attr:`Rule.TIME_DEPENDENT` with the table ``alpha(t)``, ``t < max_rounds``.

        None for a subclass that redefines how it proposes, accepts or concedes.
        """
        if self._overrides(TimeDependent, "propose", "accept", "alpha", "_alpha_at"):
            return None
        return self._remembered(("compiled", max_rounds), lambda: self._shared(max_rounds))

    def _shared(self, max_rounds: int) -> CompiledTactic:
        """The form of this class and these parameters, computed once per process.

        Every market makes its own tactics, and a form depends only on the class, the
        parameters and ``max_rounds``: sharing it saves every run ~0.4 ms of scalar maths
        per tactic (a default run simulates in ~70 ms).
        """
        key = (type(self), tuple(sorted(self.params.items())), max_rounds)
        form = _FORMS.get(key)
        if form is None:
            if len(_FORMS) >= _FORMS_MAX:
                _FORMS.clear()
            form = _FORMS[key] = self._compile(max_rounds)
        return form

    def _compile(self, max_rounds: int) -> CompiledTactic:
        # The very values propose uses at each round, so the kernel's offers are the same.
        table = [self._alpha_at(t, max_rounds - 1) for t in range(max_rounds)]
        return CompiledTactic(Rule.TIME_DEPENDENT, np.array(table, dtype=np.float64))


_POLY_TRAITS: dict[str, Any] = {
    "stochastic": False,
    "memory_depth": 0,
    "uses_opponent_offers": False,
    "uses_discount": False,
    "uses_deadline": True,
    "family": "time_dependent",
    "alpha": "polynomial",
}
_EXP_TRAITS: dict[str, Any] = {**_POLY_TRAITS, "alpha": "exponential"}


class Boulware(TimeDependent):
    """Polynomial Boulware: holds its price until close to the deadline (beta = 0.2)."""

    name = "boulware"
    classifier = {**_POLY_TRAITS, "attitude": "boulware"}
    defaults = {"beta": 0.2, "kappa": 0.0}


class Linear(TimeDependent):
    """Polynomial linear concession (beta = 1)."""

    name = "linear"
    classifier = {**_POLY_TRAITS, "attitude": "linear"}
    defaults = {"beta": 1.0, "kappa": 0.0}


class Conceder(TimeDependent):
    """Polynomial Conceder: concedes quickly early on (beta = 5)."""

    name = "conceder"
    classifier = {**_POLY_TRAITS, "attitude": "conceder"}
    defaults = {"beta": 5.0, "kappa": 0.0}


class ExpBoulware(TimeDependent):
    """Exponential Boulware (beta = 0.2; kappa 0 means 0.01)."""

    name = "exp_boulware"
    classifier = {**_EXP_TRAITS, "attitude": "boulware"}
    defaults = {"beta": 0.2, "kappa": 0.0}
    alpha_function = staticmethod(exponential_alpha_unchecked)


class ExpLinear(TimeDependent):
    """Exponential family with beta = 1 (kappa 0 means 0.01)."""

    name = "exp_linear"
    classifier = {**_EXP_TRAITS, "attitude": "linear"}
    defaults = {"beta": 1.0, "kappa": 0.0}
    alpha_function = staticmethod(exponential_alpha_unchecked)


class ExpConceder(TimeDependent):
    """Exponential Conceder (beta = 5; kappa 0 means 0.01)."""

    name = "exp_conceder"
    classifier = {**_EXP_TRAITS, "attitude": "conceder"}
    defaults = {"beta": 5.0, "kappa": 0.0}
    alpha_function = staticmethod(exponential_alpha_unchecked)
