"""Exporting the session: the model's run folder plus PNGs of the charts and the network.

The folder is the one every run writes (``sim.cli.run_folder``), so a lesson's market can be
analysed like any other run; it goes under the server's results folder, in ``dashboard/``.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

from classroom.dashboard.chart_data import ChartData
from classroom.dashboard.charts import ChartsView
from classroom.dashboard.lesson import LessonModel
from classroom.dashboard.network import LAYOUTS, model_states, open_coalitions
from classroom.dashboard.network_view import NetworkView
from sim.cli.run_folder import model_config, write_model_folder

#: Files the export adds to the run folder.
CHARTS_PNG = "charts.png"
NETWORK_PNG = "network.png"

#: Resolution of exported figures (sharper than the live frames).
EXPORT_DPI = 110


def results_folder() -> Path:
    """The server's results folder (``python -m classroom --results``).

    The one place the dashboard learns it: the server passes it in ``CLASSROOM_RESULTS``.
    """
    return Path(os.environ.get("CLASSROOM_RESULTS", "results/classroom"))


def slug(text: str) -> str:
    """``text`` as a short file-name part (lower case, dashes)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower())[:40].strip("-") or "market"


def new_folder(root: Path, title: str, now: datetime | None = None) -> Path:
    """A folder name under ``root/dashboard`` that does not exist yet."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = root / "dashboard" / f"{stamp}-{slug(title)}"
    path, k = base, 1
    while path.exists():
        k += 1
        path = base.with_name(f"{base.name}-{k}")
    return path


def export_model(model: LessonModel, root: Path | None = None, title: str = "market") -> Path:
    """Write the run folder of ``model`` as it is now, with the dashboard's figures.

    Args:
        model: A lesson's model that has run at least one step.
        root: The results folder (default: :func:`results_folder`).
        title: Names the folder (e.g. the preset).

    Returns:
        The folder written.

    Raises:
        ValueError: if the model has not run a step yet (there is nothing to write).
    """
    if model.steps < 1:
        raise ValueError("run at least one step before exporting")
    out = new_folder(results_folder() if root is None else root, title)
    community = model.community is not None
    charts = ChartsView(model.sellers.n, model.n_steps, community, dpi=EXPORT_DPI)
    network = NetworkView(LAYOUTS.get(model.graph, model.seed), community, dpi=EXPORT_DPI)
    # Held throughout: a playing market would otherwise step between two of the files.
    with model.lock:
        write_model_folder(model, model_config(model.cfg), out, figures=True)
        charts.update(ChartData.of(model))
        states, coalition = model_states(model)
        network.update(states, coalition, model.steps, open_coalitions(model))
    (out / CHARTS_PNG).write_bytes(charts.png(fast=False))
    (out / NETWORK_PNG).write_bytes(network.png(fast=False))
    return out
