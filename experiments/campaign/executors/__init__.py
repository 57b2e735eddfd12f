"""Executors by name (``executor=NAME``); optional engines load only when chosen."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from agents.params import ConfigError
from experiments.campaign.executors.base import Batch, Executor
from experiments.campaign.executors.local import InProcess, LocalProcesses

#: ``executor.kind`` -> (module, class, the extra that installs its engine).
OPTIONAL = {
    "ray": ("experiments.campaign.executors.ray_tasks", "RayTasks", "ray"),
    "submitit_local": ("experiments.campaign.executors.submitit_jobs", "SubmititJobs", "slurm"),
    "slurm": ("experiments.campaign.executors.submitit_jobs", "SubmititJobs", "slurm"),
}
KINDS = ("local", *OPTIONAL)


def executor_class(kind: str, jobs: int) -> type[Executor]:
    """The executor class of ``executor.kind``.

    Raises:
        ConfigError: on an unknown kind, or when the engine's extra is not installed.
    """
    if kind == "local":
        return InProcess if jobs <= 1 else LocalProcesses
    if kind not in OPTIONAL:
        raise ConfigError(f"executor.kind={kind!r} is invalid; allowed: {' | '.join(KINDS)}")
    module, cls, extra = OPTIONAL[kind]
    try:
        # Engines are optional extras: import one only when a campaign asks for it.
        return getattr(importlib.import_module(module), cls)
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"executor={kind} needs {exc.name}, which is not installed; "
            f"install the extra: pip install -e '.[{extra}]'"
        ) from None


def make_executor(kind: str, jobs: int, options: Any, folder: Path) -> Executor:
    """An executor for ``executor.kind`` (see :func:`executor_class`)."""
    return executor_class(kind, jobs)(jobs, options, folder)


__all__ = ["KINDS", "Batch", "Executor", "executor_class", "make_executor"]
