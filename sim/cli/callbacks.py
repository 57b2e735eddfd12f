"""Hydra callbacks: aggregate a sweep's run summaries into one table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from sim.results.aggregate import collect_summaries
from sim.results.io import write_parquet


class AggregateSummaries(Callback):
    """After a multirun, write ``summaries.parquet``: one row per run with its overrides."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Collect every ``summary.json`` below the sweep folder."""
        root = Path(config.hydra.sweep.dir)
        table = collect_summaries(root)
        if len(table):
            write_parquet(root / "summaries.parquet", table)
            print(f"sweep: {len(table)} runs aggregated in {root / 'summaries.parquet'}")
