"""Research campaigns: designs of many runs that resume, move between executors and analyse.

``python -m experiments.campaign +campaign=NAME [executor=local|ray|submitit_local|slurm]
[jobs=N] [--retry-failed]``. Modules: :mod:`~experiments.campaign.spec` (config schema),
:mod:`~experiments.campaign.design` (designs), :mod:`~experiments.campaign.plan` (runs and
their ids), :mod:`~experiments.campaign.runner` (what a worker does),
:mod:`~experiments.campaign.executors` (engines), :mod:`~experiments.campaign.store` (the
folder and its dataset), :mod:`~experiments.campaign.engine` (the loop).
"""
