"""The market model: a Mesa ``Model`` that builds the market state and runs its phases.

Each step runs an ordered list of phases (``MarketModel.phases``), each a function or small
object over the one :class:`~sim.state.MarketState`:

1. ``arrive``    — customers whose arrival step has come start shopping;
2. ``expire``    — customers out of patience leave unserved (and leave their coalition);
3. ``price``     — adaptive and demand-based sellers set today's prices; price lists refresh;
4. ``discover``  — word of mouth: coalition members and informed bots forward invitations;
5. ``form``      — customers join, switch, found or merge coalitions; backers pay escrow;
6. ``trade``     — ready coalitions and solo buyers order, negotiate, get capacity and pay;
7. ``community`` — reviews, fairness, reputation, outrage, boycotts, seller responses;
8. ``learn``     — adaptive sellers score today's multiplier by today's profit;
9. ``collect``   — the step's figures (then the DataCollector records them).

The alternatives are chosen once, here: the coalition-formation strategy
(``coalition.algorithm``; with ``none``, ``discover`` and ``form`` are left out) and the
community (``community`` runs only when enabled). The model never imports visualisation.

Customers' Mesa handles (:class:`CustomerHandles`) are made when first asked for, not at
build: the phases work on the population columns and never need them.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

import mesa
import numpy as np
import pandas as pd
from mesa.experimental.mesa_signals import ModelSignals
from omegaconf import DictConfig, OmegaConf

from agents.coalition import CoalitionTable
from agents.customer import CustomerAgent, CustomerPopulation
from agents.learning import SellerLearning
from agents.params import ConfigError
from agents.seller import SellerAgent, SellerBook
from sim.community import ActiveCommunity
from sim.config import MODEL_NODES, resolve
from sim.market import build_market
from sim.network import Graph
from sim.phases.collect import collect
from sim.phases.community import CommunityPhase
from sim.phases.discovery import discover
from sim.phases.formation import make_formation
from sim.phases.learning import learn
from sim.phases.lifecycle import arrive, expire
from sim.phases.pricing import set_prices
from sim.phases.trade import Trade
from sim.results.frames import cascades_frame, coalitions_frame, deals_frame, sellers_frame
from sim.results.metrics import RUN_TOTALS, TIMESERIES_COLUMNS
from sim.state import MarketState

Phase = Callable[[MarketState], None]


class MarketModel(mesa.Model):
    """Collective negotiation market: customer bots, buying coalitions and sellers on a graph.

    Keyword arguments mirror the config nodes 1:1 (see :mod:`sim.config.schema`); each node
    may be a dict, a DictConfig or its dataclass, and missing keys take their defaults.

    Args:
        seed: Seed of every random stream in the run.
        steps: Number of steps after which ``running`` turns False.
        customers: ``customers`` node.
        products: ``products`` node.
        sellers: ``sellers`` node.
        network: ``network`` node.
        pricing: ``pricing`` node.
        coalition: ``coalition`` node.
        negotiation: ``negotiation`` node.
        community: ``community`` node (reviews, reputation, boycotts; off by default).
        rng: Alias of ``seed`` (``mesa.batch_run`` passes ``rng``); must be an int if given.
        graph: A prebuilt :class:`~sim.network.Graph` to use instead of building one.

    Raises:
        ConfigError: if any value is out of range.
    """

    def __init__(
        self,
        seed: int = 0,
        steps: int = 100,
        customers: Any = None,
        products: Any = None,
        sellers: Any = None,
        network: Any = None,
        pricing: Any = None,
        coalition: Any = None,
        negotiation: Any = None,
        community: Any = None,
        *,
        rng: int | None = None,
        graph: Graph | None = None,
    ) -> None:
        if rng is not None:
            if not isinstance(rng, int | np.integer):
                raise ConfigError(f"rng={rng!r} is invalid; allowed: an integer seed")
            seed = int(rng)
        cfg = resolve(
            seed,
            steps,
            customers=customers,
            products=products,
            sellers=sellers,
            network=network,
            pricing=pricing,
            coalition=coalition,
            negotiation=negotiation,
            community=community,
        )
        super().__init__(rng=int(seed))
        self.cfg = cfg
        self.seed = int(seed)
        self.n_steps = int(steps)
        self.state = build_market(cfg, self.rng, graph)
        # Customer i's handle gets unique_id i + 1 when it is made; sellers come after.
        self.customer_agents = CustomerHandles(self, cfg.customers.n)
        self.agent_id_counter += cfg.customers.n
        self.seller_agents = [SellerAgent(self, s) for s in range(self.state.sellers.n)]
        self.phases = self._phases()
        self.totals: dict[str, float] = dict.fromkeys(RUN_TOTALS, 0)
        reporters = {k: _step_reporter(k) for k in TIMESERIES_COLUMNS}
        reporters |= {k: _total_reporter(k) for k in RUN_TOTALS}
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self.running = True

    def _phases(self) -> list[Phase]:
        """The ordered phases of a step, with this run's alternatives chosen once."""
        formation = make_formation(self.cfg.coalition.algorithm)
        phases: list[Phase] = [arrive, expire, set_prices]
        if formation.forms_coalitions:
            phases += [discover, formation.form]
        phases.append(Trade(formation))
        if isinstance(self.state.community, ActiveCommunity):
            phases.append(CommunityPhase(self.state.community))
        return [*phases, learn, collect]

    @classmethod
    def from_config(cls, cfg: Any, **overrides: Any) -> MarketModel:
        """Build a model from a composed config (DictConfig, dict or :class:`Config`)."""
        if not isinstance(cfg, DictConfig):
            cfg = OmegaConf.create(cfg if isinstance(cfg, dict) else OmegaConf.structured(cfg))
        kwargs: dict[str, Any] = {"seed": cfg.get("seed", 0), "steps": cfg.get("steps", 100)}
        for name in MODEL_NODES:
            if name in cfg:
                kwargs[name] = cfg[name]
        kwargs.update(overrides)
        return cls(**kwargs)

    # ------------------------------------------------------------------ Mesa's agent sets

    @property
    def agents(self) -> Any:
        """Mesa's set of all agents (customers' handles made now if need be).

        Customers come first, in index order, then the sellers and any other agents.
        """
        self.customer_agents.make_all()
        return super().agents

    @agents.setter
    def agents(self, value: Any) -> None:
        mesa.Model.agents.fset(self, value)  # Mesa's error: model.agents is read-only

    @property
    def agents_by_type(self) -> dict[type, Any]:
        """Mesa's agent sets by type (customers' handles made now if need be)."""
        self.customer_agents.make_all()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """Agent types of the model (customers' handles made now if need be)."""
        self.customer_agents.make_all()
        return super().agent_types

    def remove_all_agents(self) -> None:
        """Remove every agent, customers' handles included (Mesa's ``remove_all_agents``)."""
        self.customer_agents.make_all()
        super().remove_all_agents()

    # ------------------------------------------------------------------ the step

    def step(self) -> None:
        """Advance the market by one step (the phases in order), then record its figures."""
        self.state.begin_step(self.steps - 1)
        for phase in self.phases:
            phase(self.state)
        figures = self.state.step.figures
        for total, flow in RUN_TOTALS.items():
            self.totals[total] += figures[flow]
        self.datacollector.collect(self)
        if self.steps >= self.n_steps:
            self.running = False

    def run(self, steps: int | None = None) -> MarketModel:
        """Run ``steps`` more steps (default: until ``running`` is False)."""
        if steps is None:
            while self.running:
                self.step()
        else:
            for _ in range(steps):
                self.step()
        return self

    def refresh_prices(self) -> None:
        """Recompute the public price lists after a seller changed its prices or policy."""
        self.state.refresh_prices()

    # ------------------------------------------------------------------ state views

    @property
    def customers(self) -> CustomerPopulation:
        """Customer columns."""
        return self.state.customers

    @property
    def sellers(self) -> SellerBook:
        """Seller tables and policies."""
        return self.state.sellers

    @property
    def coalitions(self) -> CoalitionTable:
        """Every coalition ever founded."""
        return self.state.coalitions

    @property
    def graph(self) -> Graph:
        """The social graph."""
        return self.state.graph

    @property
    def learning(self) -> SellerLearning:
        """What sellers learn (adaptive multipliers, demand-based prices)."""
        return self.state.learning

    @property
    def community(self) -> ActiveCommunity | None:
        """The community (reputation, reviews, boycotts), or None when it is off."""
        c = self.state.community
        return c if isinstance(c, ActiveCommunity) else None

    @property
    def tactic_names(self) -> list[str]:
        """Names of the negotiation tactics, indexed by the tactic columns."""
        return self.state.tactic_names

    @property
    def escrow_in(self) -> float:
        """Money ever paid into crowdfunding escrow."""
        return self.state.escrow_in

    @property
    def step_stats(self) -> dict[str, Any]:
        """The last step's time-series figures (flows of that step)."""
        return self.state.step.figures

    # ------------------------------------------------------------------ results

    def deals_frame(self) -> pd.DataFrame:
        """The event log: one row per customer purchase (``sim.records.DEAL_COLUMNS``)."""
        return deals_frame(self.state.deal_log)

    def coalitions_frame(self) -> pd.DataFrame:
        """One row per coalition ever founded: its terms and outcome."""
        return coalitions_frame(self.state.coalitions, self.state.sellers)

    def sellers_frame(self) -> pd.DataFrame:
        """Per step and seller: sales, profit, market share and reputation."""
        return sellers_frame(self.state.seller_log)

    def cascades_frame(self) -> pd.DataFrame:
        """Outrage cascades: seller, start and end step, size (ongoing ones end at -1)."""
        return cascades_frame(self.state.community.cascade_rows())

    def timeseries_frame(self) -> pd.DataFrame:
        """Model-level metrics per step (flows of that step), from the DataCollector."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        return df[list(TIMESERIES_COLUMNS)]


class CustomerHandles(Sequence[CustomerAgent]):
    """``MarketModel.customer_agents``: the customers' Mesa handles, made when first asked for.

    Building a model makes no handle: the phases work on the population columns, and one
    :class:`mesa.Agent` per customer cost 80% of the build at 10^6 customers (50 s and
    2.3 GB at 10^7). ``handles[i]`` makes customer ``i``'s handle and registers it with the
    model on first access; iterating, and the model's ``agents``, ``agents_by_type`` and
    ``agent_types``, make every remaining handle in one batch
    (:meth:`~agents.customer.CustomerAgent.batch`). Either way the result is what building
    them all up front gave: handle ``i`` has ``unique_id`` ``i + 1``, and ``model.agents``
    lists the customers in index order, then the sellers and any other agents.

    Args:
        model: The model the handles belong to.
        n: Number of customers.
    """

    def __init__(self, model: MarketModel, n: int) -> None:
        self._model = model
        self._n = int(n)
        self._made: dict[int, CustomerAgent] = {}
        self._all: list[CustomerAgent] | None = None

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> CustomerAgent: ...

    @overload
    def __getitem__(self, i: slice) -> list[CustomerAgent]: ...

    def __getitem__(self, i: int | slice) -> CustomerAgent | list[CustomerAgent]:
        if self._all is not None:
            return self._all[i]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self._n))]
        k = operator.index(i)
        if k < 0:
            k += self._n
        if not 0 <= k < self._n:
            raise IndexError(f"customer index {i} out of range for {self._n} customers")
        handle = self._made.get(k)
        if handle is None:
            (handle,) = CustomerAgent.batch(self._model, [k])
            self._made[k] = handle
            self._register([handle])
        return handle

    def __iter__(self) -> Iterator[CustomerAgent]:
        return iter(self.make_all())

    @property
    def made(self) -> int:
        """Number of handles made so far."""
        return self._n if self._all is not None else len(self._made)

    def make_all(self) -> list[CustomerAgent]:
        """Make every handle not made yet and register it; returns all handles by index."""
        if self._all is not None:
            return self._all
        model, made = self._model, self._made
        fresh = CustomerAgent.batch(model, (i for i in range(self._n) if i not in made))
        if made:
            mine = set(made.values())
            removed = {h for h in mine if h not in model._all_agents}  # by ``agent.remove()``
            rest = iter(fresh)
            handles = [made[i] if i in made else next(rest) for i in range(self._n)]
            live = [h for h in handles if h not in removed] if removed else handles
        else:
            mine = set()
            handles = live = fresh
        # Customers first, in index order, then the agents already registered (sellers).
        all_agents = model._all_agents
        others = [a for a in all_agents if a not in mine]
        all_agents._update(itertools.chain(live, others))
        by_type = model._agents_by_type
        other_types = {k: v for k, v in by_type.items() if k is not CustomerAgent}
        by_type.clear()
        by_type[CustomerAgent] = type(all_agents)(live, random=model.random)
        by_type.update(other_types)
        self._announce(fresh)
        self._all = handles
        self._made = {}
        return handles

    def _register(self, handles: list[CustomerAgent]) -> None:
        """Register handles as :meth:`mesa.Model.register_agent` does, ids already set."""
        model = self._model
        for h in handles:
            model._all_agents.add(h)
            if CustomerAgent in model._agents_by_type:
                model._agents_by_type[CustomerAgent].add(h)
            else:
                model._agents_by_type[CustomerAgent] = type(model._all_agents)(
                    [h], random=model.random
                )
        self._announce(handles)

    def _announce(self, handles: list[CustomerAgent]) -> None:
        """Finish registering handles as Mesa does after adding an agent.

        :meth:`mesa.Model.register_agent` signals ``AGENT_ADDED`` (here only when someone
        listens) and ``Agent.__init__`` adds the agent to the data sets tracking its class.
        """
        model = self._model
        if model._has_subscribers("agents", ModelSignals.AGENT_ADDED):
            for h in handles:
                model.notify("agents", ModelSignals.AGENT_ADDED, args=(h,))
        for dataset in CustomerAgent._datasets:
            for h in handles:
                model.data_registry[dataset].add_agent(h)


def _step_reporter(key: str) -> Callable[[MarketModel], Any]:
    def report(model: MarketModel) -> Any:
        return model.state.step.figures[key]

    report.__name__ = key
    return report


def _total_reporter(key: str) -> Callable[[MarketModel], Any]:
    def report(model: MarketModel) -> Any:
        return model.totals[key]

    report.__name__ = key
    return report
