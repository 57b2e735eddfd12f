"""The optimiser's config schema: what ``configs/optimise.yaml`` adds to the run config.

``python -m experiments.optimise`` composes ``configs/optimise.yaml``: the run config (the
market) plus the optimiser's own keys, typed by :class:`OptimiseConfig`. Importing this
module registers :func:`optimise_schema` as ``optimise_schema`` in Hydra's ConfigStore.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig

from sim.config import Config, command_schema


@dataclass
class SearchSpec:
    """One searched key as written in the ``search`` node of the config.

    Either bounds ``low``..``high`` (a float, or an integer with ``type: int`` or when the
    key is an integer; ``step`` makes them discrete, ``log`` samples on a log scale) or a
    list of ``choices``.
    """

    low: float | None = None
    high: float | None = None
    step: float | None = None
    log: bool = False
    type: str | None = None
    choices: list[Any] | None = None


@dataclass
class ReportConfig:
    """What the optimiser writes besides ``best.json`` and ``trials.parquet``."""

    figures: bool = True
    #: Level of the t-intervals over seeds in the report.
    conf_level: float = 0.95


@dataclass
class OptimiseConfig(Config):
    """The run config plus the optimiser's own keys."""

    #: Name of the study; the run folder defaults to ``results/optimise/<study>``, so the
    #: same command continues the same study.
    study: str = "default"
    # None or {KEY: SearchSpec}, checked by search_space (typed as Any: a structured dict
    # cannot be replaced from the command line, only merged into).
    search: Any = None
    #: A metric name or a weighted mix {metric: weight, ...} (typed as Any: either form).
    objective: Any = "seller_profit"
    direction: str = "maximize"
    #: Total number of trials in the study (a rerun only runs the missing ones).
    trials: int = 20
    #: Every trial runs seeds first_seed .. first_seed + seeds - 1 (common random numbers).
    seeds: int = 3
    first_seed: int = 0
    #: Processes running the seeds of a trial; results are identical to jobs=1.
    jobs: int = 1
    sampler: str = "tpe"
    sampler_seed: int = 0
    report: ReportConfig = field(default_factory=ReportConfig)


#: Top-level keys of the optimiser itself; every other key describes the market.
OPTIMISE_KEYS = frozenset(f.name for f in fields(OptimiseConfig)) - {f.name for f in fields(Config)}

#: Market keys the optimiser sets itself (or that are no market value), with what to use.
RESERVED = {
    "seed": "it is set for each run; use first_seed=S and seeds=K",
    "output": "it is not market data",
    "tags": "it is not market data",
}


def optimise_schema() -> DictConfig:
    """:class:`OptimiseConfig` with every field it inherits from :class:`Config` left MISSING.

    ``optimise.yaml`` lists it after ``config`` in its defaults: merging it types the
    optimiser's keys while MISSING values keep the market values ``config`` chose.

    Returns:
        The schema node.
    """
    return command_schema(OptimiseConfig)


def register_optimise_configs() -> None:
    """Register :func:`optimise_schema` as ``optimise_schema`` in Hydra's ConfigStore."""
    ConfigStore.instance().store(name="optimise_schema", node=optimise_schema())


register_optimise_configs()
