"""A checked study: the market, the search space, the objective and the seeds.

:func:`make_plan` checks a composed ``optimise`` config (the optimiser's own keys, the
market, the search space and the objective) and turns it into a :class:`StudyPlan`, which
derives the run config of every seed of a trial as plain data.
"""

from __future__ import annotations

import copy
import importlib.util
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hydra.core.override_parser.types import Override
from omegaconf import DictConfig

from experiments.campaign.plan import market_config
from experiments.optimise.objective import HEADLINE, Objective, allowed_metrics, parse_objective
from experiments.optimise.samplers import SAMPLERS, available_samplers
from experiments.optimise.space import Param, search_space
from experiments.optimise.spec import RESERVED
from experiments.overrides import InputError, override_key
from sim.config import ConfigError, validate
from sim.results.identity import config_hash


@dataclass(frozen=True)
class StudyPlan:
    """A checked study: the market, the search space, the objective and the seeds.

    Attributes:
        cfg: The composed ``optimise`` config.
        params: The search space.
        objective: What a trial's seeds are scored by.
        base: The market's run config as plain data (the searched keys at their defaults).
        seeds: The seeds every trial runs.
    """

    cfg: DictConfig
    params: tuple[Param, ...]
    objective: Objective
    base: dict[str, Any]
    seeds: tuple[int, ...]

    @property
    def name(self) -> str:
        """The study's name."""
        return str(self.cfg.study)

    @property
    def recorded(self) -> tuple[str, ...]:
        """Metrics kept per seed for every trial: the objective's, then the headline ones."""
        return tuple(dict.fromkeys([*self.objective.names, *HEADLINE]))

    def spec(self) -> dict[str, Any]:
        """What a study's results mean; a resumed study must keep it."""
        market = copy.deepcopy(self.base)
        for p in self.params:
            # The searched keys' starting values do not matter to the study.
            _set(market, p.key, None)
        market.pop("seed", None)
        return {
            "search": {p.key: p.as_dict() for p in self.params},
            "objective": self.objective.as_dict(),
            "direction": self.objective.direction,
            "seeds": list(self.seeds),
            "market": config_hash(market),
        }

    def configs(self, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The run config of every seed at the searched ``values``."""
        out = []
        for seed in self.seeds:
            config = copy.deepcopy(self.base)
            for key, value in values.items():
                _set(config, key, value)
            config["seed"] = seed
            out.append(config)
        return out


def _set(config: dict[str, Any], key: str, value: Any) -> None:
    node = config
    *path, last = key.split(".")
    for part in path:
        node = node[part]
    node[last] = value


def check_reserved(market: Sequence[str]) -> None:
    """Refuse market overrides of keys the optimiser sets itself (``seed``).

    Raises:
        InputError: naming the override and what to use instead.
    """
    for o in market:
        head = override_key(o).split(".", 1)[0]
        if head in RESERVED:
            raise InputError(f"{o} cannot be given here: {RESERVED[head]}")


def study_name_problem(name: Any) -> str | None:
    """Why ``study`` cannot name a study folder, or None."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        return f"study={name!r} is invalid; allowed: letters, digits, '_', '.' and '-'"
    return None


def check_settings(cfg: DictConfig) -> None:
    """Check the optimiser's own keys.

    Raises:
        InputError: naming the first bad key and what is allowed.
    """
    problem = study_name_problem(cfg.study)
    if problem:
        raise InputError(problem)
    for key, low in (("trials", 1), ("seeds", 1), ("jobs", 1), ("first_seed", 0)):
        if cfg[key] < low:
            raise InputError(f"{key}={cfg[key]} is invalid; allowed: an integer >= {low}")
    if not 0 < cfg.report.conf_level < 1:
        raise InputError(
            f"report.conf_level={cfg.report.conf_level} is invalid; allowed: a number in (0, 1)"
        )
    if cfg.sampler not in SAMPLERS:
        raise InputError(
            f"sampler={cfg.sampler!r} is invalid; allowed: {' | '.join(available_samplers())}"
        )
    needs = SAMPLERS[cfg.sampler]
    if needs and not importlib.util.find_spec(needs):
        raise InputError(
            f"sampler={cfg.sampler} needs the {needs} package, which is not installed; "
            f"allowed here: {' | '.join(available_samplers())}"
        )


def make_plan(cfg: DictConfig, sweeps: Sequence[Override], market: Sequence[str]) -> StudyPlan:
    """Check a composed ``optimise`` config and the command line's sweeps; plan the study.

    Args:
        cfg: The composed config.
        sweeps: The sweep overrides of the command line (the search).
        market: The plain market overrides of the command line.

    Raises:
        InputError: naming the first problem.
    """
    check_settings(cfg)
    check_reserved(market)
    try:
        validate(cfg)
    except ConfigError as exc:
        raise InputError(str(exc)) from None
    params = search_space(cfg, sweeps, market)
    objective = parse_objective(cfg.objective, cfg.direction, allowed_metrics(cfg, params))
    first = int(cfg.first_seed)
    seeds = tuple(range(first, first + int(cfg.seeds)))
    return StudyPlan(cfg, params, objective, market_config(cfg), seeds)
