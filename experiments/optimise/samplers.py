"""Optuna's samplers by name, each trial drawn by a sampler seeded for that trial."""

from __future__ import annotations

import importlib.util

import numpy as np
import optuna

#: Samplers by name, with the package each needs beyond Optuna's own dependencies.
SAMPLERS: dict[str, str | None] = {
    "tpe": None,
    "random": None,
    "qmc": "scipy",
    "gp": "torch",
    "cmaes": "cmaes",
}


def available_samplers() -> list[str]:
    """Samplers whose extra package (if any) is installed."""
    return [n for n, pkg in SAMPLERS.items() if pkg is None or importlib.util.find_spec(pkg)]


def make_sampler(name: str, seed: int, index: int) -> optuna.samplers.BaseSampler:
    """The sampler that draws trial ``index`` of a study.

    Each trial gets a sampler seeded from ``(seed, index)``: what it draws then depends only
    on the earlier trials in the storage, never on how many processes the study took, so a
    resumed study samples what an uninterrupted one would have.

    Args:
        name: A key of :data:`SAMPLERS`.
        seed: The study's ``sampler_seed``.
        index: The trial's number.

    Raises:
        ValueError: for an unknown ``name``.
    """
    trial_seed = int(np.random.SeedSequence([seed, index]).generate_state(1)[0])
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=trial_seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=trial_seed)
    if name == "qmc":
        # The scramble seed stays fixed: the sequence's position is kept in the storage.
        return optuna.samplers.QMCSampler(
            seed=seed,
            independent_sampler=optuna.samplers.RandomSampler(seed=trial_seed),
            warn_independent_sampling=False,
        )
    if name == "gp":
        return optuna.samplers.GPSampler(seed=trial_seed)
    if name == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=trial_seed, warn_independent_sampling=False)
    raise ValueError(f"unknown sampler {name!r}")
