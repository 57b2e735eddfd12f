"""Design points of a campaign: full grid, Latin hypercube, Sobol (Saltelli) or Morris.

Pure functions of the campaign's parameter specs. The sampling designs come from SALib; a
log-scaled parameter is sampled uniformly in log space (so its SALib bounds, and the raw
sample kept for the analysis, are logarithms). Values are cast to each parameter's type:
an ``int`` parameter is rounded, so a Sobol design over it stays a valid SALib sample (the
analysis uses the raw, unrounded matrix).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from SALib.sample import latin, morris, sobol

from agents.params import ConfigError

#: Designs (``campaign.design``).
DESIGNS = ("grid", "lhs", "sobol", "morris")

#: Fields of a parameter spec (``experiments.campaign.spec.ParameterSpec``).
SPEC_FIELDS = ("values", "low", "high", "step", "log", "type")

#: Types a varied parameter can have (``ParameterSpec.type``).
TYPES = {"int": int, "float": float}


@dataclass(frozen=True)
class Parameter:
    """A varied key with its resolved spec (see ``experiments.campaign.spec.ParameterSpec``)."""

    key: str
    kind: type
    values: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    step: float | None = None
    log: bool = False

    def bounds(self) -> tuple[float, float]:
        """SALib bounds (logarithms for a log-scaled parameter)."""
        lo, hi = float(self.low), float(self.high)  # type: ignore[arg-type]
        return (math.log(lo), math.log(hi)) if self.log else (lo, hi)

    def cast(self, x: float) -> Any:
        """A raw sample value as this parameter's value (exp for log, rounded for int)."""
        v = math.exp(x) if self.log else float(x)
        return int(round(v)) if self.kind is int else v


@dataclass(frozen=True)
class Design:
    """The design points: ``values[i]`` maps every parameter key to its value at point i.

    ``raw`` is the SALib sample matrix (points x parameters; None for a grid), kept for the
    sensitivity analysis, with ``problem`` its SALib problem.
    """

    kind: str
    parameters: tuple[Parameter, ...]
    values: tuple[dict[str, Any], ...]
    raw: np.ndarray | None = None

    @property
    def problem(self) -> dict[str, Any]:
        """The SALib problem: names and bounds of the parameters."""
        return {
            "num_vars": len(self.parameters),
            "names": [p.key for p in self.parameters],
            "bounds": [list(p.bounds()) for p in self.parameters],
        }


def _fail(key: str, got: Any, allowed: str) -> ConfigError:
    return ConfigError(f"{key}={got!r} is invalid; allowed: {allowed}")


def resolve_parameter(key: str, spec: Mapping[str, Any], default_type: type) -> Parameter:
    """Check one parameter spec and resolve its type (``spec.type`` or the base value's)."""
    name = f"campaign.parameters.{key}"
    if not isinstance(spec, Mapping) or set(spec) - set(SPEC_FIELDS):
        extra = sorted(set(spec) - set(SPEC_FIELDS)) if isinstance(spec, Mapping) else spec
        raise _fail(name, extra, f"a mapping of {' | '.join(SPEC_FIELDS)}")
    type_name = spec.get("type")
    if type_name is not None and type_name not in TYPES:
        raise _fail(f"{name}.type", type_name, " | ".join(TYPES))
    kind = TYPES[type_name] if type_name else default_type
    values, low, high = spec.get("values"), spec.get("low"), spec.get("high")
    if values is not None:
        if low is not None or high is not None:
            raise _fail(name, dict(spec), "either values: [...] or low/high bounds, not both")
        if len(values) == 0:
            raise _fail(f"{name}.values", [], "a non-empty list")
        return Parameter(key, kind, values=tuple(values))
    if low is None or high is None:
        raise _fail(name, dict(spec), "values: [a, b, ...] or bounds {low: x, high: y}")
    if kind not in (int, float):
        raise _fail(name, dict(spec), "bounds only for a number key; use values: [...]")
    if not float(low) < float(high):
        raise _fail(f"{name}.high", high, f"a number above low={low}")
    if spec.get("log") and float(low) <= 0:
        raise _fail(f"{name}.low", low, "a positive number with log: true")
    step = spec.get("step")
    if step is not None and not float(step) > 0:
        raise _fail(f"{name}.step", step, "a positive number")
    return Parameter(key, kind, low=low, high=high, step=step, log=bool(spec.get("log", False)))


def grid_values(p: Parameter) -> tuple[Any, ...]:
    """The values of a parameter on a grid: its list, or its range ``low:high:step``."""
    if p.values is not None:
        return p.values
    if p.step is None:
        raise _fail(
            f"campaign.parameters.{p.key}",
            {"low": p.low, "high": p.high},
            "a list of values or a step on a grid (bounds alone only for lhs | sobol | morris)",
        )
    n = int(math.floor((float(p.high) - float(p.low)) / float(p.step) + 1e-9)) + 1
    return tuple(p.kind(round(float(p.low) + i * float(p.step), 12)) for i in range(n))


def make_design(
    kind: str,
    parameters: tuple[Parameter, ...],
    *,
    samples: int = 8,
    second_order: bool = False,
    levels: int = 4,
    seed: int = 0,
) -> Design:
    """The design points of ``parameters``.

    Args:
        kind: ``grid`` (every combination), ``lhs``, ``sobol`` or ``morris``.
        parameters: The varied keys (an empty tuple gives one point: the base market).
        samples: LHS points, Sobol base samples N (a power of 2), Morris trajectories.
        second_order: Sobol: also sample for second-order indices (N(2D+2) points).
        levels: Morris grid levels.
        seed: Seed of the sampler.

    Raises:
        ConfigError: naming the campaign key that makes the design impossible.
    """
    if kind not in DESIGNS:
        raise _fail("campaign.design", kind, " | ".join(DESIGNS))
    if kind == "grid" or not parameters:
        combos = itertools.product(*(grid_values(p) for p in parameters))
        keys = [p.key for p in parameters]
        return Design("grid", parameters, tuple(dict(zip(keys, c, strict=True)) for c in combos))
    for p in parameters:
        if p.values is not None:
            raise _fail(
                f"campaign.parameters.{p.key}",
                list(p.values),
                f"bounds {{low, high}} with design={kind}; put categorical keys in campaign.arms",
            )
    if samples < 1:
        raise _fail("campaign.samples", samples, "an integer >= 1")
    problem = Design(kind, parameters, ()).problem
    if kind == "lhs":
        raw = latin.sample(problem, samples, seed=seed)
    elif kind == "sobol":
        if samples & (samples - 1):
            raise _fail("campaign.samples", samples, "a power of 2 for sobol (16, 32...)")
        raw = sobol.sample(problem, samples, calc_second_order=second_order, seed=seed)
    elif kind == "morris":
        if levels < 2:
            raise _fail("campaign.levels", levels, "an integer >= 2")
        raw = morris.sample(problem, samples, num_levels=levels, seed=seed)
    else:
        raise AssertionError(kind)  # every design in DESIGNS is handled above
    raw = np.asarray(raw, dtype=float)
    values = tuple({p.key: p.cast(x) for p, x in zip(parameters, row, strict=True)} for row in raw)
    return Design(kind, parameters, values, raw)
