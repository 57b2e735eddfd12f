"""Planning a policy comparison: command-line overrides, checks before anything runs, the runs.

The command line of ``python -m experiments.compare_policies`` mixes the comparison's own
keys (``policies``, ``seeds``, ``vary``, ...) with market overrides. This module splits them
(:func:`split_overrides`), checks them before Hydra creates any folder (:func:`preflight`)
and composes the resolved config of every run, policy x vary value x seed
(:func:`plan_runs`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf

from experiments.compare_config import COMPARE_KEYS, VaryConfig
from sim.cli.preflight import check_overrides, one_line
from sim.config import CONFIG_DIR

# --------------------------------------------------------------------------- overrides


RESERVED = {
    "seed": "it is set for each run; use seeds=K (runs use seeds 0..K-1)",
    "pricing": "it is set for each run; list the policies with policies=[a,b,...]",
    "pricing.mix": "it is set for each run by the policy; list policies with policies=[a,b,...]",
}
"""Market keys the comparison sets itself and a user may therefore not override."""


class InputError(ValueError):
    """Bad command-line input; the message is the one line shown to the user."""


def override_key(override: str) -> str:
    """The key (or group) an override sets, without ``+``/``~``/``++`` prefixes."""
    return override.split("=", 1)[0].lstrip("+~").strip()


def split_overrides(overrides: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split overrides into (comparison, market) ones; ``hydra.*`` overrides are dropped."""
    compare_side, market = [], []
    for o in overrides:
        key = override_key(o)
        if key.split(".", 1)[0] == "hydra":
            continue
        # A scenario file sets comparison keys (and maybe market keys): it goes with the
        # comparison, and every run is composed from the comparison config.
        head = key.split(".", 1)[0]
        (compare_side if head in COMPARE_KEYS or head == "scenario" else market).append(o)
    return compare_side, market


def format_value(value: Any) -> str:
    """A value written as a Hydra override value (strings quoted when needed)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{format_value(v)}" for k, v in value.items()) + "}"
    text = str(value)
    if text and all(c.isalnum() or c in "_-./:" for c in text) and not text[0].isdigit():
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


@contextmanager
def hydra_context() -> Iterator[None]:
    """Initialise Hydra on ``configs/`` for composing (clearing an app's global state first)."""
    gh = GlobalHydra.instance()
    if gh.is_initialized():
        gh.clear()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base=None):
        yield


def pricing_options() -> list[str]:
    """Names of the options of the ``pricing`` config group (inside :func:`hydra_context`)."""
    return sorted(GlobalHydra.instance().config_loader().get_group_options("pricing"))


VARY_SYNTAX = "vary={key:KEY,values:[V1,V2,...]} (or +vary.key=KEY '+vary.values=[V1,V2]')"


def parse_vary(node: Any) -> VaryConfig | None:
    """The ``vary`` node as a :class:`VaryConfig` (None when not used).

    Raises:
        InputError: if the node is not ``{key: str, values: [non-empty list of distinct values]}``
            or names a key the comparison sets itself.
    """
    if node is None:
        return None
    data = OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node
    if not isinstance(data, dict) or set(data) != {"key", "values"}:
        raise InputError(f"vary={data!r} is invalid; allowed: {VARY_SYNTAX}")
    key, values = data["key"], data["values"]
    if (
        not isinstance(key, str)
        or not key
        or key.split(".", 1)[0] in COMPARE_KEYS | {"hydra"}
        or key in RESERVED
    ):
        raise InputError(
            f"vary.key={key!r} is invalid; allowed: a market config key such as "
            "coalition.max_size (not seed, pricing or pricing.mix)"
        )
    if not isinstance(values, list) or not values:
        raise InputError(f"vary.values={values!r} is invalid; allowed: a non-empty list")
    if len({format_value(v) for v in values}) != len(values):
        raise InputError(f"vary.values={values!r} is invalid; allowed: distinct values")
    return VaryConfig(key=key, values=values)


def vary_override(vary: VaryConfig | None, value: Any) -> list[str]:
    """The override that sets the varied key to ``value`` (none without ``vary``)."""
    return [f"{vary.key}={format_value(value)}"] if vary else []


def check_comparison(cfg: DictConfig, market: Sequence[str]) -> None:
    """Check the comparison's own keys and the market overrides it must not touch.

    Args:
        cfg: The composed ``compare`` config.
        market: The market overrides given on the command line.

    Raises:
        InputError: naming the first problem.
    """
    allowed = pricing_options()
    policies = list(cfg.policies)
    if not policies:
        raise InputError(f"policies: the list is empty; allowed: {' | '.join(allowed)}")
    for name in policies:
        if name not in allowed:
            raise InputError(
                f"policies: {str(name)!r} is not a pricing option; allowed: {' | '.join(allowed)}"
            )
    repeated = sorted({p for p in policies if policies.count(p) > 1})
    if repeated:
        raise InputError(f"policies: {repeated[0]!r} is listed twice; allowed: distinct names")
    if cfg.seeds < 1:
        raise InputError(f"seeds={cfg.seeds} is invalid; allowed: an integer >= 1")
    if cfg.jobs < 1:
        raise InputError(f"jobs={cfg.jobs} is invalid; allowed: an integer >= 1")
    for o in market:
        key = override_key(o)
        if key in RESERVED:
            raise InputError(f"{o} cannot be given here: {RESERVED[key]}")
    vary = parse_vary(cfg.vary)
    if vary is not None:
        key = vary.key
        clash = [o for o in market if override_key(o) == key]
        if clash:
            raise InputError(f"{clash[0]} cannot be given here: {key} is the varied key")


def preflight(argv: Sequence[str]) -> str | None:
    """Check the command line before Hydra creates any folder.

    Composes the ``compare`` config with the overrides, checks the policy names against the
    ``pricing`` options, the counts, ``vary`` and, through
    :func:`sim.cli.preflight.check_overrides`, every market config the comparison would run
    (each policy, each varied value).

    Returns:
        A one-line error message, or None if everything is fine.
    """
    if any(a in ("--help", "-h", "--hydra-help", "--info", "--cfg", "-c") for a in argv):
        return None
    if any(a in ("-m", "--multirun") for a in argv):
        return "-m/--multirun is not supported; the comparison sweeps policies, seeds and vary"
    overrides = [a for a in argv if not a.startswith("-") and "=" in a]
    try:
        OverridesParser.create().parse_overrides(overrides)
    except Exception as exc:  # Hydra's grammar errors come in several types
        return one_line(exc)
    compare_side, market = split_overrides(overrides)
    try:
        with hydra_context():
            cfg = compose(config_name="compare", overrides=compare_side)
            check_comparison(cfg, market)
    except InputError as exc:
        return str(exc)
    except Exception as exc:
        if any(override_key(o).startswith("vary.") for o in compare_side):
            return f"{one_line(exc)}; write {VARY_SYNTAX}"
        return one_line(exc)
    vary = parse_vary(cfg.vary)
    for policy in cfg.policies:
        for value in vary.values if vary else [None]:
            trial = [*market, f"pricing={policy}", *vary_override(vary, value)]
            problem = check_overrides(trial, CONFIG_DIR)
            if problem:
                return problem
    try:
        with hydra_context():
            compose(config_name="compare", overrides=[*compare_side, *market])
    except Exception as exc:
        return one_line(exc)
    return None


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class RunTask:
    """One run to execute: its position in the plan and its resolved config."""

    policy: str
    policy_index: int
    value: Any
    value_index: int
    seed: int
    config: dict[str, Any]

    @property
    def order(self) -> tuple[int, int, int]:
        """Sort key: policy, vary value and seed, in the order they were given."""
        return (self.policy_index, self.value_index, self.seed)


def plan_runs(
    cfg: DictConfig, market: Sequence[str], compare_side: Sequence[str] = ()
) -> list[RunTask]:
    """Compose the resolved config of every run (policies x vary values x seeds).

    Args:
        cfg: The composed ``compare`` config (policies, seeds, vary).
        market: Market overrides, applied to every run before ``pricing``, the varied key
            and ``seed``.
        compare_side: The comparison's own overrides (``policies``, ``+scenario``, ...): each
            run is composed from the ``compare`` config with them, then stripped of the
            comparison keys, so market values a scenario sets reach every run.

    Returns:
        The runs in plan order (policy, value, seed).
    """
    vary = parse_vary(cfg.vary)
    values = vary.values if vary is not None else [None]
    tasks = []
    with hydra_context():
        for pi, policy in enumerate(cfg.policies):
            for vi, value in enumerate(values):
                for seed in range(int(cfg.seeds)):
                    overrides = [
                        *compare_side,
                        *market,
                        f"pricing={policy}",
                        *vary_override(vary, value),
                        f"seed={seed}",
                    ]
                    run_cfg = compose(config_name="compare", overrides=overrides)
                    data = OmegaConf.to_container(run_cfg, resolve=True)
                    for key in ("hydra", *COMPARE_KEYS):
                        data.pop(key, None)
                    tasks.append(RunTask(str(policy), pi, value, vi, seed, data))
    return tasks
