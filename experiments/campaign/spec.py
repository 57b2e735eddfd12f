"""The campaign's config schema: what ``configs/run_campaign.yaml`` adds to the run config.

A campaign is the run config (the base market, composed once) plus a ``campaign`` node
naming the parameters to vary, the design, the seeds and the outputs to keep, an
``executor`` node (``configs/executor/``) and ``jobs``. Importing this module registers
:func:`campaign_schema` as ``campaign_schema`` in Hydra's ConfigStore.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig

from sim.config import Config, command_schema

#: Top-level keys of the campaign command itself; every other key describes the market.
CAMPAIGN_KEYS = frozenset({"campaign", "executor", "jobs", "retry_failed"})


@dataclass
class ParameterSpec:
    """One varied config key: a list of ``values``, or bounds ``low``..``high``.

    With ``step`` the bounds are a range (``low``, ``low + step``, ... up to ``high``
    inclusive) for a grid; without, they are a uniform distribution (log-uniform with
    ``log``) for the sampling designs. ``type`` is ``int`` or ``float``; by default the
    type of the base market's value.
    """

    values: list[Any] | None = None
    low: float | None = None
    high: float | None = None
    step: float | None = None
    log: bool = False
    type: str | None = None


@dataclass
class KeepSpec:
    """Which per-run tables a campaign writes besides ``runs.parquet``."""

    timeseries: bool = True
    deals: bool = False
    #: Per step and seller (``sellers.parquet`` of a run): sales, profit, reputation.
    sellers: bool = False
    #: Runs per Parquet part file of ``timeseries/`` and ``deals/`` (in plan order).
    part_runs: int = 1000


@dataclass
class AnalysisSpec:
    """The campaign's analysis step (sensitivity indices for Sobol/Morris designs)."""

    outputs: list[str] = field(
        default_factory=lambda: ["consumer_surplus", "seller_profit", "welfare"]
    )
    conf_level: float = 0.95
    resamples: int = 1000
    figures: bool = True


@dataclass
class CampaignSpec:
    """What a campaign varies and keeps (the ``campaign`` node)."""

    name: str = MISSING
    description: str = ""
    #: ``{key: ParameterSpec}``; keys dotted (``coalition.max_size: {...}``) or nested
    #: (``coalition: {max_size: {...}}``, as a command-line override writes them).
    parameters: dict[str, Any] = field(default_factory=dict)
    #: Categorical keys crossed with every design point (same seeds): e.g. ``{pricing:
    #: [posted, volume_discount]}``. Config groups (``pricing``, ``network``...) allowed;
    #: keys dotted or nested as for ``parameters``.
    arms: dict[str, Any] = field(default_factory=dict)
    design: str = "grid"
    #: Points of a Latin hypercube; base samples N of Sobol; trajectories of Morris.
    samples: int = 8
    second_order: bool = False
    levels: int = 4
    #: Seed of the design's own random draws (not of the runs).
    design_seed: int = 0
    #: Every design point runs on seeds first_seed .. first_seed + seeds - 1 (common
    #: random numbers: the same seeds at every point and arm).
    seeds: int = 2
    first_seed: int = 0
    keep: KeepSpec = field(default_factory=KeepSpec)
    analysis: AnalysisSpec = field(default_factory=AnalysisSpec)


@dataclass
class ExecutorConfig:
    """Where runs execute (``executor=local|ray|submitit_local|slurm``)."""

    kind: str = "local"
    #: Runs per task sent to a worker; 0 picks a size from the campaign and ``jobs``.
    batch_size: int = 0
    #: Ray: ``auto``, ``ray://host:port`` or null for a local instance.
    address: str | None = None
    #: Slurm (submitit): partition, wall time per array task, memory, cores per task, how
    #: many array tasks run at once, and extra ``#SBATCH`` parameters.
    partition: str | None = None
    time_min: int = 60
    mem_gb: float = 4.0
    cpus_per_task: int = 1
    array_parallelism: int = 64
    additional: dict[str, Any] = field(default_factory=dict)


@dataclass
class CampaignRunConfig(Config):
    """The run config plus the campaign command's own keys."""

    campaign: CampaignSpec = field(default_factory=CampaignSpec)
    executor: ExecutorConfig = field(default_factory=ExecutorConfig)
    jobs: int = 2
    retry_failed: bool = False


def campaign_schema() -> DictConfig:
    """:class:`CampaignRunConfig` with every field of :class:`Config` left MISSING.

    ``run_campaign.yaml`` lists it after ``config``: merging it types the campaign's keys
    while MISSING values keep the market values ``config`` chose.
    """
    return command_schema(CampaignRunConfig)


def register_campaign_configs() -> None:
    """Register the schemas in Hydra's ConfigStore (``campaign_schema``, executor schema)."""
    cs = ConfigStore.instance()
    cs.store(name="campaign_schema", node=campaign_schema())
    cs.store(group="executor", name="executor_schema", node=ExecutorConfig)


register_campaign_configs()
