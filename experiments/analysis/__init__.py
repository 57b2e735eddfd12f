"""Analyses of a campaign folder: sensitivity indices and the scenario-discovery plot.

:mod:`experiments.analysis.sensitivity` turns a Sobol or Morris campaign into sensitivity
indices; :mod:`experiments.analysis.discovery` maps where one arm beats the other. This
module reads the folder both use (``campaign.yaml``, ``runs.parquet``, ``design.parquet``,
written by ``python -m experiments.campaign``) and names its problems in one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf

#: The files of a campaign folder the analyses read.
SPEC_FILE = "campaign.yaml"
RUNS_FILE = "runs.parquet"
DESIGN_FILE = "design.parquet"

#: Columns of ``runs.parquet`` that are neither varied values nor metrics.
RUN_COLUMNS = ("index", "run_id", "point", "seed", "status", "error", "runtime_s")


class AnalysisError(ValueError):
    """A campaign folder or table cannot be analysed as asked (a one-line message)."""


def campaign_folder(folder: Path | str) -> Path:
    """``folder`` as a path, checked to hold a finished campaign's ``runs.parquet``.

    Raises:
        AnalysisError: if it is not a folder or has no ``runs.parquet``.
    """
    root = Path(folder)
    if not root.is_dir():
        raise AnalysisError(f"{root} is not a folder; allowed: a campaign folder")
    if not (root / RUNS_FILE).is_file():
        raise AnalysisError(
            f"{root} has no {RUNS_FILE}; allowed: a folder written by "
            "python -m experiments.campaign (after its runs)"
        )
    return root


def read_spec(folder: Path | str) -> dict[str, Any]:
    """The resolved ``campaign`` node of a campaign folder, as plain data.

    A file holding the whole config (a top-level ``campaign`` key) is accepted too.

    Raises:
        AnalysisError: if ``campaign.yaml`` is missing or is not a mapping.
    """
    path = Path(folder) / SPEC_FILE
    if not path.is_file():
        raise AnalysisError(f"{Path(folder)} has no {SPEC_FILE}; allowed: a campaign folder")
    node = OmegaConf.load(path)
    if not isinstance(node, DictConfig):
        raise AnalysisError(f"{path} is not a mapping; allowed: the campaign node as YAML")
    if "campaign" in node and "design" not in node:
        node = node.campaign
    data = OmegaConf.to_container(node, resolve=True)
    return dict(data) if isinstance(data, dict) else {}


def read_runs(folder: Path | str) -> pd.DataFrame:
    """``runs.parquet`` of a campaign folder (checked to exist)."""
    return pd.read_parquet(campaign_folder(folder) / RUNS_FILE)


def read_design(folder: Path | str) -> pd.DataFrame:
    """``design.parquet`` of a campaign folder (lhs, sobol and morris designs only).

    Raises:
        AnalysisError: if the folder has no ``design.parquet``.
    """
    path = Path(folder) / DESIGN_FILE
    if not path.is_file():
        raise AnalysisError(
            f"{Path(folder)} has no {DESIGN_FILE}; allowed: a campaign with "
            "campaign.design=lhs | sobol | morris"
        )
    return pd.read_parquet(path)


def metric_columns(runs: pd.DataFrame, varied: tuple[str, ...] = ()) -> list[str]:
    """The numeric metric columns of ``runs`` (not plan columns, not ``varied`` keys)."""
    skip = set(RUN_COLUMNS) | set(varied)
    return [
        c
        for c in runs.columns
        if c not in skip
        and pd.api.types.is_numeric_dtype(runs[c])
        and not pd.api.types.is_bool_dtype(runs[c])
    ]
