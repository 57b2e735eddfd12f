"""Command-line entry point: ``python -m sim.run [key=value ...]`` (a Hydra app).

Composes ``configs/config.yaml`` with the overrides, builds :class:`~sim.model.MarketModel`,
runs it and writes the run folder (:mod:`sim.cli.run_folder`). Bad input is reported as one
line naming the key and the allowed values, with exit code 2 and nothing written: the
command line and the output folder are checked before Hydra starts
(:func:`sim.cli.entry.checked_main`), and a single run that still fails while building its
model takes back what it created in its folder (:func:`sim.cli.callbacks.undo_run`).

With ``-m`` (a sweep) the run figure is skipped unless ``output.figures=true``, a progress
bar counts the runs on stderr and ``summaries.parquet`` gathers this sweep's runs
(:mod:`sim.cli.callbacks`).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.cli.callbacks import undo_run
from sim.cli.entry import checked_main, fail
from sim.cli.preflight import check_overrides
from sim.cli.progress import note_failure
from sim.cli.run_folder import format_summary, write_run
from sim.config import CONFIG_DIR, ConfigError, validate


@hydra.main(version_base=None, config_path=CONFIG_DIR, config_name="config")
def _app(cfg: DictConfig) -> float:
    hydra_cfg = HydraConfig.get()
    out_dir = Path(hydra_cfg.runtime.output_dir)
    try:
        validate(cfg)
        summary = write_run(cfg, out_dir, figures=draw_figures(cfg.output.figures))
    except (ConfigError, ValueError) as exc:
        if hydra_cfg.mode == RunMode.MULTIRUN:
            # Exiting skips Hydra's on_job_end: note the failure for the sweep's bar here.
            note_failure(out_dir, exc)
        else:
            # A single run leaves its folder as it found it (see sim.cli.callbacks).
            undo_run(out_dir)
        fail(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    if not cfg.output.quiet:
        print(format_summary(summary, out_dir))
    return float(summary["welfare"])


def draw_figures(setting: bool | None, mode: RunMode | None = None) -> bool:
    """Whether this job draws the run figure.

    ``output.figures`` decides when set; null (automatic) draws it outside a multirun only.

    Args:
        setting: The ``output.figures`` value.
        mode: Hydra's run mode (default: this job's, from ``HydraConfig``).
    """
    if setting is not None:
        return bool(setting)
    mode = HydraConfig.get().mode if mode is None else mode
    return mode != RunMode.MULTIRUN


def main() -> None:
    """Check the overrides, then hand over to Hydra."""
    checked_main(partial(check_overrides, config_dir=CONFIG_DIR), _app, "config")


if __name__ == "__main__":
    main()
