"""The command line of ``python -m experiments.optimise``, checked before Hydra runs.

A command line mixes market overrides, the optimiser's own keys and sweep overrides (the
search, which Hydra refuses outside ``-m``; :func:`~experiments.optimise.space.split_sweeps`
takes them out). :func:`preflight` composes and plans the study it describes before Hydra
creates any folder, so bad input stops with one line and leaves nothing behind;
:func:`command_line` is the command that reproduces (continues) a study.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

from hydra import compose
from omegaconf import open_dict

from experiments.optimise.plan import StudyPlan, check_reserved, make_plan
from experiments.optimise.space import split_sweeps
from experiments.optimise.spec import OPTIMISE_KEYS
from experiments.optimise.study import check_resume
from experiments.overrides import InputError, hydra_context, override_key
from sim.cli.preflight import check_overrides, one_line
from sim.config import CONFIG_DIR

#: The command's config, ``configs/optimise.yaml``.
CONFIG_NAME = "optimise"


def split_overrides(overrides: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split plain overrides into (optimiser, market) ones; ``hydra.*`` ones are dropped."""
    own, market = [], []
    for o in overrides:
        head = override_key(o).split(".", 1)[0]
        if head == "hydra":
            continue
        (own if head in OPTIMISE_KEYS else market).append(o)
    return own, market


def plan_from_argv(argv: Sequence[str]) -> tuple[StudyPlan, Path]:
    """Compose and check the study a command line describes, without running anything.

    Args:
        argv: The command line's arguments (without the program).

    Returns:
        The plan and the folder Hydra will run it in.

    Raises:
        InputError: naming the first problem, in one line.
    """
    sweeps, rest = split_sweeps(argv)
    overrides = [a for a in rest if not a.startswith("-") and "=" in a]
    _, market = split_overrides(overrides)
    check_reserved(market)
    problem = check_overrides(market, CONFIG_DIR)
    if problem:
        raise InputError(problem)
    try:
        with hydra_context():
            cfg = compose(config_name=CONFIG_NAME, overrides=overrides, return_hydra_config=True)
            # The folder Hydra will use: a study already there must be continuable.
            folder = Path(str(cfg.hydra.run.dir))
            with open_dict(cfg):
                del cfg["hydra"]
    except Exception as exc:
        raise InputError(one_line(exc)) from None
    plan = make_plan(cfg, sweeps, market)
    check_resume(plan, folder)
    return plan, folder


def preflight(argv: Sequence[str]) -> str | None:
    """Check the command line before Hydra creates any folder.

    Args:
        argv: The command line's arguments (without the program).

    Returns:
        A one-line error message, or None if everything is fine.
    """
    if any(a in ("--help", "-h", "--hydra-help", "--info", "--cfg", "-c") for a in argv):
        return None
    if any(a in ("-m", "--multirun") for a in argv):
        return (
            "-m/--multirun is not supported; the optimiser runs its own trials (give the "
            "search as KEY=interval(LOW,HIGH) without -m)"
        )
    try:
        plan_from_argv(argv)
    except InputError as exc:
        return str(exc)
    return None


def command_line(argv: Sequence[str]) -> str:
    """The command that reproduces (continues) a study (``hydra.*`` overrides left out)."""
    kept = [a for a in argv if override_key(a).split(".", 1)[0] != "hydra"]
    return " ".join(["python -m experiments.optimise", *map(shlex.quote, kept)])
