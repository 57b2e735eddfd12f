"""``executor=ray``: Ray tasks, each running a batch of runs.

A local Ray instance (``jobs`` CPUs) unless ``executor.address`` names a cluster
(``auto`` or ``ray://host:port``). Ray is called directly (no Hydra launcher, whose pins
break joblib); batching many runs per task keeps Ray's per-task overhead out of short runs.
Needs the ``ray`` extra.
"""

from __future__ import annotations

import os

import ray

from experiments.campaign.executors.base import Executor
from experiments.campaign.runner import run_batch


class RayTasks(Executor):
    """Batches as Ray tasks of one CPU each; pending tasks are cancelled when left."""

    name = "ray"
    max_batch = 64
    batches_per_worker = 4

    def __enter__(self) -> RayTasks:
        address = self.options.address
        kwargs = {"include_dashboard": False, "log_to_driver": False, "logging_level": "WARNING"}
        if address:
            ray.init(address=address, **kwargs)
        else:
            # A private local instance needs no token (Ray >= 2.5x asks for one by default).
            os.environ.setdefault("RAY_AUTH_MODE", "disabled")
            ray.init(num_cpus=self.jobs, **kwargs)
        self._remote = ray.remote(num_cpus=1)(run_batch)
        self._pending: list = []
        return self

    def close(self) -> None:  # noqa: D102
        for ref in getattr(self, "_pending", []):
            ray.cancel(ref, force=True)
        self._pending = []
        if ray.is_initialized():
            ray.shutdown()

    def run(self, batches, keep):  # noqa: D102
        self._pending = [self._remote.remote(b, keep) for b in batches]
        while self._pending:
            done, self._pending = ray.wait(self._pending, num_returns=1)
            yield ray.get(done[0])
