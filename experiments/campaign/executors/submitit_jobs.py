"""``executor=slurm`` and ``executor=submitit_local``: one submitit job array per campaign.

Each array task runs a batch of runs. On Slurm, ``executor.array_parallelism`` caps the
tasks running at once and ``partition``, ``time_min``, ``mem_gb``, ``cpus_per_task`` and
``additional`` (extra ``#SBATCH`` options) shape each task. ``submitit_local`` runs the same
code path as processes on this machine (submitit's local executor), which is how it is
tested here. Submitit keeps its job files and logs in ``<campaign>/_submitit``. Needs the
``slurm`` extra.
"""

from __future__ import annotations

import time

import submitit

from experiments.campaign.executors.base import Executor
from experiments.campaign.runner import run_batch


class SubmititJobs(Executor):
    """A job array; the parent polls it and cancels unfinished tasks when left."""

    name = "submitit"
    #: The local executor starts every array task at once: one batch per job.
    max_batch = None
    batches_per_worker = 1
    poll_s = 0.2

    def __enter__(self) -> SubmititJobs:
        o = self.options
        local = o.kind == "submitit_local"
        self.executor = submitit.AutoExecutor(
            folder=self.folder / "_submitit", cluster="local" if local else "slurm"
        )
        params = {"timeout_min": o.time_min, "mem_gb": o.mem_gb, "cpus_per_task": o.cpus_per_task}
        if not local:
            params |= {"slurm_array_parallelism": o.array_parallelism}
            if o.partition:
                params["slurm_partition"] = o.partition
            if o.additional:
                params["slurm_additional_parameters"] = dict(o.additional)
            self.batches_per_worker = 2
        self.executor.update_parameters(name="crowdbargain", **params)
        self._jobs: list = []
        return self

    def close(self) -> None:  # noqa: D102
        for job in getattr(self, "_jobs", []):
            if not job.done():
                job.cancel(check=False)
        self._jobs = []

    def run(self, batches, keep):  # noqa: D102
        n = len(batches)
        self._jobs = list(self.executor.map_array(run_batch, batches, [keep] * n))
        while self._jobs:
            finished = [j for j in self._jobs if j.done()]
            for job in finished:
                self._jobs.remove(job)
                yield job.result()
            if not finished:
                time.sleep(self.poll_s)
