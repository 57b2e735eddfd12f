"""The executor contract: batches in, each batch's results out as it finishes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from experiments.campaign.runner import RunResult

#: A batch: ``(plan index, run id, run config)`` triples, run in order by one task.
Batch = Sequence[tuple[int, str, Any]]


class Executor:
    """Runs batches of runs; a context manager that stops its workers when left.

    Args:
        jobs: Parallel workers (local processes, local Ray CPUs, concurrent local jobs).
        options: The ``executor`` config node (``experiments.campaign.spec.ExecutorConfig``).
        folder: The campaign folder (for an engine's own logs).
    """

    name = "base"
    #: Most runs per batch (None: no cap): small batches lose less work to a kill.
    max_batch: int | None = 16
    #: Most runs per batch (None: no cap); small batches lose less work to a kill.
    #: How many batches to make per worker (more: finer progress and resume, more overhead).
    batches_per_worker = 8

    def __init__(self, jobs: int, options: Any, folder: Path) -> None:
        self.jobs = max(1, int(jobs))
        self.options = options
        self.folder = Path(folder)

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker and cancel what is still queued."""

    def run(self, batches: list[Batch], keep: Sequence[str]) -> Iterator[list[RunResult]]:
        """Yield the results of each batch as it finishes (in any order).

        ``keep`` names the per-run tables each result carries (see ``KeepSpec``).
        """
        raise NotImplementedError
