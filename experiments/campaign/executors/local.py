"""Local executors: in this process (``jobs=1``) or a pool of reused worker processes.

The pool is loky's (reused workers, detection of a worker that dies, ``kill_workers`` on
shutdown); each worker also exits on its own if the parent is SIGKILLed, so none is
orphaned.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import as_completed

from loky import ProcessPoolExecutor

from experiments.campaign.executors.base import Executor
from experiments.campaign.runner import run_batch


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: exit when the parent process is gone (so none is orphaned)."""

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


class InProcess(Executor):
    """``jobs=1``: run the batches here, one after another."""

    name = "in-process"

    def run(self, batches, keep):  # noqa: D102
        for batch in batches:
            yield run_batch(batch, keep)


class LocalProcesses(Executor):
    """``executor=local``: a pool of ``jobs`` reused worker processes."""

    name = "local"

    def __enter__(self) -> LocalProcesses:
        self.pool = ProcessPoolExecutor(
            max_workers=self.jobs, initializer=_exit_with_parent, initargs=(os.getpid(),)
        )
        return self

    def close(self) -> None:  # noqa: D102
        pool = getattr(self, "pool", None)
        if pool is not None:
            pool.shutdown(wait=True, kill_workers=True)
            self.pool = None

    def run(self, batches, keep):  # noqa: D102
        futures = [self.pool.submit(run_batch, b, keep) for b in batches]
        for fut in as_completed(futures):
            yield fut.result()
