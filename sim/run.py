"""Command-line entry point: ``python -m sim.run [key=value ...]`` (a Hydra app).

Composes ``configs/config.yaml`` with the overrides, builds :class:`~sim.model.MarketModel`,
runs it and writes the run folder (:mod:`sim.cli.run_folder`). Bad input is reported as one
line naming the key and the allowed values, with exit code 2 and nothing written.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.cli.entry import checked_main, fail
from sim.cli.preflight import check_overrides
from sim.cli.run_folder import format_summary, write_run
from sim.config import CONFIG_DIR, ConfigError, validate


@hydra.main(version_base=None, config_path=CONFIG_DIR, config_name="config")
def _app(cfg: DictConfig) -> float:
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        validate(cfg)
        summary = write_run(cfg, out_dir, figures=cfg.output.figures)
    except ConfigError as exc:
        fail(str(exc))
    if not cfg.output.quiet:
        print(format_summary(summary, out_dir))
    return float(summary["welfare"])


def main() -> None:
    """Check the overrides, then hand over to Hydra."""
    checked_main(partial(check_overrides, config_dir=CONFIG_DIR), _app)


if __name__ == "__main__":
    main()
