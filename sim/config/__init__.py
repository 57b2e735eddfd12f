"""Configuration: the typed schema, value checks, and its registration with Hydra.

``CONFIG_DIR`` is the ``configs/`` folder every command composes from;
:func:`register_configs` stores the schema as ``base_config`` in Hydra's ConfigStore (the
first entry of ``configs/config.yaml``'s defaults), so every value is type-checked when
overrides are merged and value-checked by :func:`validate` before anything runs.
"""

from pathlib import Path

from hydra.core.config_store import ConfigStore

from agents.params import ConfigError, mix_to_list, parse_mix
from sim.config.schema import (
    MODEL_NODES,
    NODE_SCHEMAS,
    CoalitionConfig,
    CommunityConfig,
    Config,
    CustomersConfig,
    NegotiationConfig,
    NetworkConfig,
    OutputConfig,
    PricingConfig,
    ProductsConfig,
    SellersConfig,
)
from sim.config.validation import command_schema, resolve, to_node, validate

#: The ``configs/`` folder of the project.
CONFIG_DIR = str(Path(__file__).resolve().parents[2] / "configs")


def register_configs() -> None:
    """Register the schema in Hydra's ConfigStore as ``base_config`` (idempotent)."""
    ConfigStore.instance().store(name="base_config", node=Config)


# Every composition of ``configs/`` needs the schema, so importing the config registers it.
register_configs()


__all__ = [
    "CONFIG_DIR",
    "MODEL_NODES",
    "NODE_SCHEMAS",
    "CoalitionConfig",
    "CommunityConfig",
    "Config",
    "ConfigError",
    "CustomersConfig",
    "NegotiationConfig",
    "NetworkConfig",
    "OutputConfig",
    "PricingConfig",
    "ProductsConfig",
    "SellersConfig",
    "command_schema",
    "mix_to_list",
    "parse_mix",
    "register_configs",
    "resolve",
    "to_node",
    "validate",
]
