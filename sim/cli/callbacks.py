"""Hydra callbacks: a multirun's progress bar, failure notes and one table; a run's undo.

The multirun callbacks stamp the sweep's start (the filesystem's clock) in
``on_multirun_start``, so they see only this sweep's runs even when ``hydra.sweep.dir`` holds
an earlier sweep's run folders. :class:`NoteRunFolder` notes what a single run's folder held
before Hydra created or wrote to it, so that a run failing inside its job can take back what
it created (:func:`undo_run`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.cli.progress import (
    SweepBar,
    clear_failure,
    filesystem_now_ns,
    note_failure,
    sweep_size,
)
from sim.cli.run_folder import FolderBefore
from sim.results.aggregate import collect_summaries
from sim.results.io import write_parquet


class AggregateSummaries(Callback):
    """After a multirun, write ``summaries.parquet``: one row per run of this sweep."""

    def __init__(self) -> None:
        self.started_ns: int | None = None

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Stamp the start: summaries older than this belong to an earlier sweep."""
        self.started_ns = filesystem_now_ns(config.hydra.sweep.dir)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Collect the ``summary.json`` files written below the sweep folder since the start."""
        root = Path(config.hydra.sweep.dir)
        table = collect_summaries(root, since_ns=self.started_ns)
        if len(table):
            write_parquet(root / "summaries.parquet", table)
            print(f"sweep: {len(table)} runs aggregated in {root / 'summaries.parquet'}")


class SweepProgress(Callback):
    """A progress bar on stderr for a multirun, whatever the launcher (see sim.cli.progress).

    ``on_job_end`` runs where the job runs (a joblib worker, or this process): a failed job
    leaves its error in ``failed.txt`` in its run folder, which the bar counts; a job that
    succeeds removes a note an earlier failure left there.
    """

    def __init__(self) -> None:
        self._bar: SweepBar | None = None

    def __getstate__(self) -> dict[str, Any]:
        # Launchers that run jobs in other processes pickle the callbacks; the bar and its
        # thread stay in the parent.
        return {"_bar": None}

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Start the bar, its total from the sweep's overrides."""
        root = Path(config.hydra.sweep.dir)
        self._bar = SweepBar(root, sweep_size(config), filesystem_now_ns(root)).start()

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        """Note a failed job of a multirun in its run folder (or clear a stale note)."""
        if config.hydra.mode != RunMode.MULTIRUN:
            return
        run_dir = config.hydra.runtime.output_dir
        if job_return.status == JobStatus.COMPLETED:
            clear_failure(run_dir)
        else:
            # The exception; the public .return_value would raise it here.
            note_failure(run_dir, job_return._return_value)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Draw the final count and close the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


#: What each single run's folder held before Hydra made it, by absolute path; filled by
#: :class:`NoteRunFolder` in the process that runs the job (Hydra runs a single run's job
#: in its own process, right after ``on_run_start``).
_BEFORE: dict[str, FolderBefore] = {}


class NoteRunFolder(Callback):
    """Note what a single run's folder holds before Hydra creates it or writes to it."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Note ``hydra.run.dir`` as this job will resolve it (the same config object)."""
        folder = OmegaConf.select(config, "hydra.run.dir")
        if folder:
            before = FolderBefore.take(str(folder))
            _BEFORE[str(before.folder)] = before


def undo_run(out_dir: Path | str) -> bool:
    """Take back what a failed single run created in ``out_dir``; whether it was noted.

    A folder the run created is removed; in one that existed, the entries it added are
    removed and Hydra's own files (``.hydra/*``, the log) get back their earlier bytes.
    """
    before = _BEFORE.pop(os.path.abspath(out_dir), None)
    if before is None:
        return False
    before.undo()
    return True
