"""The objective: which run metrics a study optimises, and how one seed is run.

``objective=METRIC`` (a run summary metric or ``profit.POLICY``) or a weighted mix
``objective={welfare: 0.5, consumer_surplus: 0.5}``, with ``direction=maximize|minimize``,
becomes an :class:`Objective` (:func:`parse_objective`). A trial's value is the mean over
seeds of the objective of each seed's metrics (:func:`run_seed`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, OmegaConf

from experiments.campaign.runner import run_config
from experiments.optimise.space import Param, is_number, policies_in_play
from experiments.overrides import InputError

#: The directions a study may optimise in.
DIRECTIONS = ("maximize", "minimize")

#: Metrics recorded for every trial besides those of the objective (the report's trade-offs).
HEADLINE = ("consumer_surplus", "seller_profit", "welfare")

_TINY_RUN = {"seed": 0, "steps": 1, "customers": {"n": 20}, "sellers": {"n": 1}}


def summary_metric_names() -> list[str]:
    """Names of the numeric run metrics every run reports (from a tiny default run).

    Every run's summary has the same keys (``sim.cli.run_folder.run_summary`` always passes
    every log), so a 20-customer, one-step run lists them without knowing the market.
    """
    _, metrics = run_config(_TINY_RUN)
    # NaN counts as numeric here: a metric can be undefined in a tiny run (no coalitions).
    numeric = {
        k for k, v in metrics.items() if isinstance(v, int | float) and not isinstance(v, bool)
    }
    return sorted(k for k in numeric if not k.startswith("profit."))


@dataclass(frozen=True)
class Objective:
    """A weighted sum of run metrics, averaged over seeds, to maximise or minimise."""

    terms: tuple[tuple[str, float], ...]
    direction: str

    @property
    def names(self) -> tuple[str, ...]:
        """The metrics of the objective."""
        return tuple(name for name, _ in self.terms)

    def describe(self) -> str:
        """Text such as ``maximize 0.5 welfare + 0.5 consumer_surplus``."""
        if len(self.terms) == 1 and self.terms[0][1] == 1.0:
            return f"{self.direction} {self.terms[0][0]}"
        parts = [f"{w:g} {name}" for name, w in self.terms]
        return f"{self.direction} " + " + ".join(parts).replace("+ -", "- ")

    def as_dict(self) -> dict[str, float]:
        """The objective as ``{metric: weight}``."""
        return dict(self.terms)

    def value(self, metrics: Mapping[str, float]) -> float:
        """The objective of one run's metrics (NaN if a metric is undefined in that run)."""
        return float(sum(w * metric_value(metrics, name) for name, w in self.terms))


def run_seed(config: Mapping[str, Any]) -> dict[str, float]:
    """Run one seed of a trial (in this process or a worker); its numeric metrics."""
    _, metrics = run_config(config)
    return {
        k: float(v)
        for k, v in metrics.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def metric_value(metrics: Mapping[str, Any], name: str) -> float:
    """One metric of a run; ``profit.NAME`` is 0 when no seller used NAME in that run."""
    if name.startswith("profit.") and name not in metrics:
        # With sellers.n searched a policy of the mix may have no seller in some trials.
        return 0.0
    return float(metrics[name])


def parse_objective(node: Any, direction: str, allowed: Sequence[str]) -> Objective:
    """Read ``objective`` (a metric name or ``{metric: weight}``) and ``direction``.

    Args:
        node: The ``objective`` value of the composed config.
        direction: ``maximize`` or ``minimize``.
        allowed: The metric names a run of this market reports.

    Raises:
        InputError: naming the bad value and what is allowed.
    """
    if direction not in DIRECTIONS:
        raise InputError(f"direction={direction!r} is invalid; allowed: {' | '.join(DIRECTIONS)}")
    data = OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node
    syntax = "objective=METRIC or objective={METRIC: WEIGHT, ...}"
    if isinstance(data, str):
        terms = [(data, 1.0)]
    elif isinstance(data, dict) and data:
        terms = []
        for name, w in data.items():
            if not is_number(w):
                raise InputError(f"objective.{name}={w!r} is invalid; allowed: a number (weight)")
            terms.append((str(name), float(w)))
        if all(w == 0 for _, w in terms):
            raise InputError(f"objective={data!r} is invalid; allowed: weights not all 0")
    else:
        raise InputError(f"objective={data!r} is invalid; allowed: {syntax}")
    for name, _ in terms:
        if name not in allowed:
            raise InputError(
                f"objective: {name!r} is not a metric of this market; allowed: "
                + " | ".join(allowed)
            )
    return Objective(tuple(terms), direction)


def allowed_metrics(cfg: DictConfig, params: Sequence[Param]) -> list[str]:
    """Metric names an objective may use: run summary metrics and ``profit.POLICY``."""
    in_play = policies_in_play(cfg, {p.key for p in params})
    return [*summary_metric_names(), *(f"profit.{name}" for name in in_play)]
