"""The comparison's config schema: the keys ``configs/compare.yaml`` adds to the run config.

:class:`CompareConfig` is the run config (:class:`sim.config.Config`) plus ``policies``,
``seeds``, ``vary``, ``baseline``, ``jobs``, ``executor`` and ``report``. Importing this
module registers :func:`compare_schema` as ``compare_schema`` in Hydra's ConfigStore, which
``compare.yaml`` lists in its defaults, so every module that composes the ``compare`` config
imports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig

from experiments.campaign.spec import ExecutorConfig
from sim.config import Config, command_schema

DEFAULT_POLICIES: tuple[str, ...] = (
    "posted",
    "personalised",
    "volume_discount",
    "threshold",
    "crowdfunding",
    "negotiated",
    "reverse_auction",
)
"""Policies compared when ``policies`` is not given. Extend as ``configs/pricing/`` grows."""

COMPARE_KEYS = frozenset({"policies", "seeds", "vary", "baseline", "jobs", "executor", "report"})
"""Top-level keys of the comparison itself; every other override describes the market."""


@dataclass
class ReportConfig:
    """Report options.

    Attributes:
        title: The report's title.
        question: The question the comparison answers, in one sentence (a scenario's own).
        mechanism: The figure of the scenario's mechanism (``backlash``, ``reviews``,
            ``threshold_minimum``, ``auction_pair``), or None.
        figures: Draw and embed the figures.
    """

    title: str = "Pricing policy comparison"
    question: str = ""
    mechanism: str | None = None
    figures: bool = True


@dataclass
class CompareConfig(Config):
    """The run config plus the comparison's own keys."""

    policies: list[str] = field(default_factory=lambda: list(DEFAULT_POLICIES))
    seeds: int = 10
    # None, {key: ..., values: [...]}, a list of those (a grid) or {KEY: [values]}, checked
    # by compare_plan.parse_vary (typed as Any: OmegaConf cannot merge a dict override into a
    # structured node that is None).
    vary: Any = None
    # Policy the paired differences are taken against (default: posted if compared, else
    # the first policy).
    baseline: str | None = None
    jobs: int = 1
    executor: ExecutorConfig = field(default_factory=ExecutorConfig)
    report: ReportConfig = field(default_factory=ReportConfig)


def compare_schema() -> DictConfig:
    """:class:`CompareConfig` with every field it inherits from :class:`Config` left MISSING.

    ``compare.yaml`` lists it after ``config`` in its defaults: merging it turns the composed
    run config into a typed ``CompareConfig`` (so ``policies``, ``seeds``, ... are allowed
    and type-checked) while MISSING values keep the market values ``config`` chose.
    """
    return command_schema(CompareConfig)


def register_compare_configs() -> None:
    """Register :func:`compare_schema` as ``compare_schema`` in Hydra's ConfigStore."""
    ConfigStore.instance().store(name="compare_schema", node=compare_schema())


register_compare_configs()
