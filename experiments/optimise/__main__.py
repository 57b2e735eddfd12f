"""``python -m experiments.optimise [market overrides] [search] [optimiser keys]``.

Checks the command line and plans the study before Hydra creates the study folder, so bad
input leaves nothing behind; then runs (or continues) the study in ``hydra.run.dir``
(default ``results/optimise/<study>``), writes its results and prints a short summary.
Exits 2 on bad input, 1 if no trial completed, 130 on Ctrl-C or SIGTERM (the same command
continues the study).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Sequence
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.optimise.command import CONFIG_NAME, command_line, preflight, split_overrides
from experiments.optimise.plan import make_plan
from experiments.optimise.report import summary_text, write_results
from experiments.optimise.space import split_sweeps
from experiments.optimise.study import ERROR_ATTR, run_study
from experiments.overrides import InputError
from sim.cli.entry import checked_main, fail
from sim.config import CONFIG_DIR


def optimise(cfg: DictConfig, argv: Sequence[str]) -> None:
    """Run the study of a composed config inside the Hydra app, write and print its results.

    Args:
        cfg: The config Hydra composed (without the sweeps).
        argv: The command line as given, with the sweeps Hydra never saw.
    """
    hc = HydraConfig.get()
    folder = Path(hc.runtime.output_dir)
    _, market = split_overrides(list(hc.overrides.task))
    try:
        plan = make_plan(cfg, split_sweeps(argv)[0], market)
        run = run_study(plan, folder)
    except InputError as exc:
        fail(str(exc))
    report, files = write_results(plan, run, folder, command_line(argv))
    if report is None:
        errors = [t.user_attrs.get(ERROR_ATTR) for t in run.study.get_trials(deepcopy=False)]
        why = next((e for e in errors if e), "every trial was interrupted")
        print(
            f"error: no trial of study {plan.name!r} completed (first failure: {why}); see "
            f"{folder / 'trials.parquet'}",
            file=sys.stderr,
        )
        sys.exit(1)
    print(summary_text(plan, report, run, folder, files))


def run_app(argv: Sequence[str]) -> None:
    """Run :func:`optimise` as a Hydra app on ``argv``.

    Hydra refuses sweep overrides outside ``-m``, so it gets the command line without them;
    the app receives the whole of ``argv``.
    """

    @hydra.main(version_base=None, config_path=CONFIG_DIR, config_name=CONFIG_NAME)
    def app(cfg: DictConfig) -> None:
        optimise(cfg, argv)

    sys.argv = [sys.argv[0], *split_sweeps(argv)[1]]
    app()


def main() -> None:
    """Check the command line, then run the study."""
    checked_main(preflight, functools.partial(run_app, sys.argv[1:]), CONFIG_NAME)


if __name__ == "__main__":
    main()
