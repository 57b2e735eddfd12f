"""Customer bots: population state as numpy columns, decisions as whole-array rules.

The model owns one :class:`CustomerPopulation`; every phase reads and writes its columns
for all customers at once. :class:`CustomerAgent` is the Mesa handle a user (or a
visualisation) inspects one customer through; it stores only its row index.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import mesa
import numpy as np

from mechanisms.demand import wtp_signal
from mechanisms.jit import lazy_kernel, use_kernels

solo_buyers_kernel = lazy_kernel("mechanisms.kernels.trade", "solo_buyers_kernel")

#: Distributions of the willingness-to-pay multiplier (``customers.wtp_dist``).
WTP_DISTRIBUTIONS = ("lognormal", "uniform", "normal")


class Status(IntEnum):
    """Life cycle of a customer bot."""

    WAITING = 0  # has not yet started shopping
    ACTIVE = 1  # looking for a deal
    SERVED = 2  # bought its quantity
    LEFT = 3  # ran out of patience unserved


NO_COALITION = -1
#: Plain-int code of shopping customers: comparing the int8 column with the IntEnum member
#: would make numpy widen the column first.
_ACTIVE = int(Status.ACTIVE)


@dataclass
class CustomerPopulation:
    """Column store of all customers; index ``i`` is customer ``i`` (and graph node ``i``).

    Attributes:
        product: Wanted product.
        quantity: Units wanted (bought all at once).
        wtp: Willingness to pay per unit (private valuation).
        patience: Steps a customer stays active before leaving unserved.
        discount: Per-round discount factor in negotiation (one value for everyone: a
            read-only broadcast view, no memory per customer).
        tactic: Index of the negotiation tactic its bot uses (into the model's tactic list).
        loner: Never joins coalitions (buys alone at once).
        arrival: Step at which the customer becomes active.
        status: :class:`Status` code.
        active_since: Step it became active (-1 before).
        coalition: Coalition it belongs to (-1 if none). At most one at a time by construction.
        invite: Coalition it has heard of through word of mouth (-1 if none).
        invite_hops: Hops that invitation travelled.
        told: Coalition its bot last forwarded invitations to (-1 none): under the
            independent cascade a bot tells its neighbours about a coalition once.
        paid: Money paid for its purchase (settled).
        bought: Units received.
        privacy_u: Uniform draw; the customer hides its data from a seller whose policy
            assumes a privacy share above it (drawn on first use, see ``late_draws``).
        signal_z: Standard normal draw behind the noise of sellers' estimates of its valuation
            (drawn on first use, see ``late_draws``).
        escrow: Money paid up front into a crowdfunding campaign, not yet settled.
        refunded: Money returned from failed campaigns.
        last_seller: Seller of its latest purchase (-1 before any).
        late_draws: The population stream after its last drawn column; ``privacy_u`` and
            ``signal_z`` are its next draws, made when first read (only policies that use
            customer data read them), so a market without such a policy never holds them.
            The values are the same whenever they are drawn.
    """

    product: np.ndarray
    quantity: np.ndarray
    wtp: np.ndarray
    patience: np.ndarray
    discount: np.ndarray
    tactic: np.ndarray
    loner: np.ndarray
    arrival: np.ndarray
    status: np.ndarray
    active_since: np.ndarray
    coalition: np.ndarray
    invite: np.ndarray
    invite_hops: np.ndarray
    told: np.ndarray
    paid: np.ndarray
    bought: np.ndarray
    escrow: np.ndarray
    refunded: np.ndarray
    last_seller: np.ndarray
    late_draws: np.random.Generator | None = field(default=None, repr=False)
    _privacy_u: np.ndarray | None = field(default=None, init=False, repr=False)
    _signal_z: np.ndarray | None = field(default=None, init=False, repr=False)

    @property
    def n(self) -> int:
        """Number of customers."""
        return int(self.product.shape[0])

    @property
    def privacy_u(self) -> np.ndarray:
        """Uniform draw per customer behind hiding its data (drawn on first use)."""
        if self._privacy_u is None:
            self._draw_late()
        return self._privacy_u  # type: ignore[return-value]

    @property
    def signal_z(self) -> np.ndarray:
        """Standard normal draw per customer behind sellers' signal noise (drawn on first use)."""
        if self._signal_z is None:
            self._draw_late()
        return self._signal_z  # type: ignore[return-value]

    def _draw_late(self) -> None:
        rng = self.late_draws
        if rng is None:
            raise RuntimeError("the population has no stream left to draw privacy and signals")
        self._privacy_u = rng.random(self.n)
        self._signal_z = rng.standard_normal(self.n)
        self.late_draws = None

    @classmethod
    def generate(
        cls,
        cfg: Any,
        reference_price: np.ndarray,
        tactic_shares: np.ndarray,
        rng: np.random.Generator,
        blocks: np.ndarray | None = None,
    ) -> CustomerPopulation:
        """Draw a population.

        Products are uniform, except on a community graph where a share
        ``interest_homophily`` of each community wants the community's favourite product
        (people with the same interests cluster). Willingness to pay per unit is the
        product's reference price times a draw from ``wtp_dist`` with mean ``wtp_mean``
        and standard deviation ``wtp_sd`` (lognormal parametrised by its mean and sd).

        Args:
            cfg: The ``customers`` config node (``sim.config.CustomersConfig`` fields).
            reference_price: Reference (typical list) price per product.
            tactic_shares: Probability of each tactic index.
            rng: Generator of the population stream. The population keeps it for its last
                two columns (``late_draws``): do not draw from it afterwards.
            blocks: Community label per customer, or None.
        """
        n = cfg.n
        n_products = len(reference_price)
        product = rng.integers(0, n_products, size=n).astype(np.int32)
        if blocks is not None and n_products > 1:
            favourite = (np.asarray(blocks) % n_products).astype(np.int32)
            follows = rng.random(n) < cfg.interest_homophily
            product = np.where(follows, favourite, product).astype(np.int32)
        m, s = cfg.wtp_mean, cfg.wtp_sd
        if cfg.wtp_dist == "lognormal":
            sigma2 = np.log1p((s / m) ** 2)
            mult = rng.lognormal(np.log(m) - sigma2 / 2, np.sqrt(sigma2), size=n)
        elif cfg.wtp_dist == "uniform":
            half = np.sqrt(3.0) * s
            mult = rng.uniform(m - half, m + half, size=n)
        else:
            mult = rng.normal(m, s, size=n)
        wtp = np.maximum(mult, 0.0, out=mult)
        wtp *= reference_price[product]
        quantity = rng.integers(1, cfg.quantity_max + 1, size=n).astype(np.int32)
        patience = np.maximum(1, rng.geometric(1.0 / cfg.patience_mean, size=n)).astype(np.int32)
        discount = np.broadcast_to(np.float64(cfg.discount), (n,))
        tactic = rng.choice(len(tactic_shares), size=n, p=tactic_shares).astype(np.int16)
        loner = rng.random(n) < cfg.loner_share
        if cfg.arrival_rate > 0:
            later = rng.geometric(cfg.arrival_rate, size=n).astype(np.int64, copy=False)
        else:
            later = np.full(n, np.iinfo(np.int32).max, dtype=np.int64)
        now = rng.random(n) < cfg.initially_active
        arrival = np.where(now, 0, np.minimum(later, np.iinfo(np.int32).max)).astype(np.int32)
        del later, now
        # privacy_u and signal_z are the stream's next draws, the same for every market
        # whatever its pricing policies (common random numbers); they are made when first
        # read (``late_draws``).
        return cls(
            product=product,
            quantity=quantity,
            wtp=wtp,
            patience=patience,
            discount=discount,
            tactic=tactic,
            loner=loner,
            arrival=arrival,
            status=np.full(n, Status.WAITING, dtype=np.int8),
            active_since=np.full(n, -1, dtype=np.int32),
            coalition=np.full(n, NO_COALITION, dtype=np.int32),
            invite=np.full(n, NO_COALITION, dtype=np.int32),
            invite_hops=np.zeros(n, dtype=np.int16),
            told=np.full(n, NO_COALITION, dtype=np.int32),
            paid=np.zeros(n, dtype=np.float64),
            bought=np.zeros(n, dtype=np.int32),
            escrow=np.zeros(n, dtype=np.float64),
            refunded=np.zeros(n, dtype=np.float64),
            last_seller=np.full(n, -1, dtype=np.int32),
            late_draws=rng,
        )

    # --- decisions (whole-array rules) -------------------------------------------------

    def signals(self, policy: Any, buyers: np.ndarray) -> np.ndarray:
        """A data-using seller's estimate of each buyer's valuation (NaN: coalition/hidden).

        ``buyers`` is -1 for a coalition, which reveals only its aggregate demand. A customer
        hides its data from a policy whose ``privacy_share`` exceeds its own draw; the
        estimate's log-normal error has the policy's spread ``noise``
        (:func:`mechanisms.demand.wtp_signal`).
        """
        out = np.full(len(buyers), np.nan)
        ok = buyers >= 0
        b = buyers[ok]
        params = policy.params
        hidden = self.privacy_u[b] < getattr(params, "privacy_share", 0.0)
        out[ok] = wtp_signal(self.wtp[b], self.signal_z[b], getattr(params, "noise", 0.0), hidden)
        return out

    def active(self) -> np.ndarray:
        """Mask of customers currently shopping."""
        return self.status == Status.ACTIVE

    def count_active(self) -> int:
        """Number of customers currently shopping."""
        return int(np.count_nonzero(self.status == _ACTIVE))

    def remaining_patience(self, step: int, who: np.ndarray | None = None) -> np.ndarray:
        """Steps left before each active customer leaves (meaningless for others).

        Args:
            step: The current step.
            who: Customers to ask (default: everyone).
        """
        if who is None:
            return self.active_since + self.patience - step
        return self.active_since[who] + self.patience[who] - step

    def wants_solo(self, step: int, solo_after: int) -> np.ndarray:
        """Active customers outside coalitions who now buy alone.

        Loners buy at once; others wait ``solo_after`` steps for a coalition, and buy
        alone anyway in their last step of patience.
        """
        free = self.active() & (self.coalition == NO_COALITION)
        waited = step - self.active_since
        return free & (self.loner | (waited >= solo_after) | (self.remaining_patience(step) <= 1))

    def solo_buyers(self, step: int, solo_after: int) -> np.ndarray:
        """Indices (ascending) of the customers who buy alone now (:meth:`wants_solo`).

        Large populations take one compiled pass over the columns
        (:func:`mechanisms.kernels.trade.solo_buyers_kernel`).
        """
        if use_kernels(self.n):
            return solo_buyers_kernel(
                self.status,
                self.coalition,
                self.loner,
                self.active_since,
                self.patience,
                int(step),
                int(solo_after),
                int(Status.ACTIVE),
            )
        free = ((self.status == _ACTIVE) & (self.coalition == NO_COALITION)).nonzero()[0]
        since = self.active_since[free]
        late = (step - since >= solo_after) | (since + self.patience[free] - step <= 1)
        return free[self.loner[free] | late]


class CustomerAgent(mesa.Agent):
    """Mesa handle of one customer bot; its state lives in the model's population columns.

    A handle stores only its row index: reading a property reads the population column, and
    a setter writes it, so the handle and the columns never disagree.
    """

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    @classmethod
    def batch(
        cls, model: mesa.Model, indices: Iterable[int], first_id: int = 1
    ) -> list[CustomerAgent]:
        """Handles of the customers ``indices``, not yet registered with ``model``.

        Each handle holds what :class:`mesa.Agent`'s constructor sets (``model``,
        ``unique_id = first_id + index``, ``pos``) and its ``index``; the caller registers
        the batch with the model at once (``sim.model.CustomerHandles``). At 10^6 handles
        this is several times cheaper than one ``Agent.__init__`` each, which registers,
        logs and signals per agent. The cyclic garbage collector is paused while the
        objects are made: its full passes over millions of new objects cost more than the
        objects (it is restored on return).
        """
        new = object.__new__
        out: list[CustomerAgent] = []
        append = out.append
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for i in indices:
                handle = new(cls)
                handle.model = model
                handle.unique_id = first_id + i
                handle.pos = None
                handle.index = i
                append(handle)
        finally:
            if was_enabled:
                gc.enable()
        return out

    def _col(self, name: str) -> np.ndarray:
        return getattr(self.model.customers, name)

    @property
    def product(self) -> int:
        """Wanted product."""
        return int(self._col("product")[self.index])

    @property
    def quantity(self) -> int:
        """Units wanted."""
        return int(self._col("quantity")[self.index])

    @property
    def willingness_to_pay(self) -> float:
        """Private valuation per unit (setting it writes the ``wtp`` column)."""
        return float(self._col("wtp")[self.index])

    @willingness_to_pay.setter
    def willingness_to_pay(self, value: float) -> None:
        self._col("wtp")[self.index] = float(value)

    @property
    def status(self) -> Status:
        """Life-cycle status (setting it writes the ``status`` column)."""
        return Status(int(self._col("status")[self.index]))

    @status.setter
    def status(self, value: Status | int) -> None:
        self._col("status")[self.index] = Status(value)

    @property
    def coalition_id(self) -> int:
        """Coalition the customer is in, -1 if none."""
        return int(self._col("coalition")[self.index])

    @property
    def tactic(self) -> str:
        """Name of its negotiation tactic."""
        return self.model.tactic_names[int(self._col("tactic")[self.index])]

    def __repr__(self) -> str:
        return (
            f"CustomerAgent(index={self.index}, product={self.product}, quantity={self.quantity}, "
            f"wtp={self.willingness_to_pay:.2f}, status={self.status.name})"
        )
