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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mesa
import numpy as np
import pandas as pd
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
        self.customer_agents = [CustomerAgent(self, i) for i in range(cfg.customers.n)]
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
