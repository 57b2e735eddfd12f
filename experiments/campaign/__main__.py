"""``python -m experiments.campaign +campaign=NAME [executor=...] [jobs=N] [--retry-failed]``.

Checks the command line and plans every run before Hydra creates the campaign folder, so
bad input leaves nothing behind; then runs (or resumes) the campaign in ``hydra.run.dir``
(default ``results/campaigns/<name>``) and prints what it did. Ctrl-C or SIGTERM stops the
workers, saves what finished and exits 130; the same command resumes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra import compose
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import MissingConfigException
from omegaconf import DictConfig, OmegaConf

from agents.params import ConfigError
from experiments.analysis.discovery import campaign_discovery
from experiments.analysis.sensitivity import analyse_folder
from experiments.campaign.engine import Interrupted, Outcome, check_options, run_campaign
from experiments.campaign.plan import MARKET_KEYS, Plan, compose_market, make_plan
from experiments.campaign.spec import CAMPAIGN_KEYS, register_campaign_configs
from experiments.campaign.store import CampaignBusy, CampaignFolder
from experiments.overrides import hydra_context
from sim.cli.entry import checked_main, fail
from sim.cli.preflight import one_line
from sim.config import CONFIG_DIR
from sim.config.validation import unknown_key
from sim.network import graph_file_problem

CONFIG_NAME = "run_campaign"
RETRY_FLAG = "--retry-failed"


def _overrides(argv: list[str]) -> list[str]:
    # A deletion (~key) may have no value; every other override has one.
    return [
        a
        for a in argv
        if not a.startswith("-")
        and ("=" in a or a.startswith("~"))
        and not a.lstrip("+~").startswith("hydra.")
    ]


def campaign_names() -> list[str]:
    """The campaigns in ``configs/campaign/``."""
    return sorted(p.stem for p in (Path(CONFIG_DIR) / "campaign").glob("*.yaml"))


def preflight(argv: list[str]) -> str | None:
    """A one-line problem with the command line, or None: composes and plans the campaign."""
    if any(a in ("--help", "-h", "--hydra-help", "--info", "--cfg", "-c") for a in argv):
        return None
    if any(a in ("-m", "--multirun") for a in argv):
        return (
            "a campaign plans its own runs; allowed: no -m/--multirun (list the varied keys "
            "in campaign.parameters)"
        )
    overrides = _overrides(argv)
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except Exception as exc:  # Hydra's grammar errors come in several types
        return one_line(exc)
    sweeps = [o.input_line for o in parsed if o.is_sweep_override()]
    if sweeps:
        return (
            f"{sweeps[0]}: a campaign takes no sweep overrides; allowed: the varied keys in "
            "campaign.parameters (e.g. '+campaign.parameters.coalition.max_size.values=[5,20]')"
        )
    names = " | ".join(campaign_names())
    try:
        cfg = compose_market(CONFIG_NAME, overrides)
    except MissingConfigException as exc:
        chosen = next((o for o in overrides if o.lstrip("+~").startswith("campaign=")), None)
        if chosen and "campaign" in str(exc.missing_cfg_file or ""):
            return f"{chosen} is invalid; allowed: {names}"
        return one_line(exc)
    except Exception as exc:
        return one_line(exc)
    if OmegaConf.is_missing(cfg.campaign, "name"):
        return f"campaign is not chosen; allowed: +campaign={names}"
    extra = [k for k in cfg if k not in (*MARKET_KEYS, *CAMPAIGN_KEYS)]
    if extra:
        return unknown_key(str(extra[0]), (*MARKET_KEYS, *sorted(CAMPAIGN_KEYS)))
    try:
        check_options(cfg)
        plan = make_plan(cfg, overrides=overrides)
        problem = _graph_problem(plan)
        if problem:
            return problem
        root = Path(_run_dir(overrides, argv))
        folder = CampaignFolder(root)
        foreign = (
            set(folder.statuses()) - {t.run_id for t in plan.tasks} if root.is_dir() else set()
        )
    except ConfigError as exc:
        return str(exc)
    except Exception as exc:
        return one_line(exc)
    if foreign:
        return (
            f"{root} holds {len(foreign)} runs this campaign does not plan (changed "
            "parameters?); allowed: the same campaign or one that extends it, or a new folder "
            "with hydra.run.dir=PATH"
        )
    return None


def _graph_problem(plan: Plan) -> str | None:
    """The first problem with a graph file the planned runs read (each file read once)."""
    seen: set[tuple[str, int, float]] = set()
    for task in plan.tasks:
        net, n = task.config["network"], task.config["customers"]["n"]
        key = (str(net.get("path")), int(n), float(net.get("max_file_mb", 0)))
        if net.get("kind") != "file" or key in seen:
            continue
        seen.add(key)
        problem = graph_file_problem(OmegaConf.create(dict(net)), int(n))
        if problem:
            return problem
    return None


def _run_dir(overrides: list[str], argv: list[str]) -> str:
    """The campaign folder ``hydra.run.dir`` resolves to for this command line."""
    run_dir = [a for a in argv if a.lstrip("+~").startswith("hydra.run.dir=")]
    with hydra_context():
        cfg = compose(CONFIG_NAME, overrides=[*overrides, *run_dir], return_hydra_config=True)
        return str(cfg.hydra.run.dir)


def format_outcome(out: Outcome, jobs: int) -> str:
    """What an invocation did, its timings and where the dataset is."""
    t = out.timings
    runs = int(t.get("runs", 0))
    lines = [
        f"campaign: {out.planned} runs planned ({out.distinct} distinct), {out.skipped} already "
        f"done, {out.done} done now, {out.failed} failed",
    ]
    if runs:
        workers = max(1, min(jobs, runs))
        overhead = (
            t["planning_s"]
            + t["writing_s"]
            + max(0.0, t["running_s"] - t["simulation_s"] / workers)
        )
        lines.append(
            f"  planning {t['planning_s']:.2f} s | running {t['running_s']:.1f} s "
            f"(simulation {t['simulation_s']:.1f} s over {workers} workers) | writing "
            f"{t['writing_s']:.2f} s | overhead {1000 * overhead / runs:.0f} ms per run"
        )
    failed = (
        int((out.runs["status"] == "failed").sum()) if out.runs is not None and len(out.runs) else 0
    )
    if failed:
        lines.append(f"  {failed} failed runs: see errors/*.log; re-run them with --retry-failed")
    lines.append(
        f"  results in {out.folder}: runs.parquet, timeseries/ (read: pandas.read_parquet)"
    )
    return "\n".join(lines)


def analyse(cfg: DictConfig, root: Path) -> list[str]:
    """The campaign's analysis step; returns what it wrote (or why it could not)."""
    spec = cfg.campaign
    notes = []
    if spec.design in ("sobol", "morris"):
        try:
            analyse_folder(
                root,
                outputs=list(spec.analysis.outputs),
                conf_level=spec.analysis.conf_level,
                resamples=spec.analysis.resamples,
                figures=spec.analysis.figures,
            )
            notes.append(f"  sensitivity indices in {root / 'sensitivity.csv'}")
        except (ValueError, ConfigError) as exc:
            notes.append(f"  sensitivity analysis skipped: {exc}")
    two_arms = [k for k, v in spec.arms.items() if len(v) == 2]
    if two_arms and len(spec.parameters) >= 2 and spec.analysis.figures:
        try:
            campaign_discovery(root)
            notes.append(f"  scenario discovery in {root / 'discovery.png'}")
        except (ValueError, ConfigError) as exc:
            notes.append(f"  scenario discovery skipped: {exc}")
    return notes


@hydra.main(version_base=None, config_path=CONFIG_DIR, config_name=CONFIG_NAME)
def _app(cfg: DictConfig) -> None:
    root = Path(HydraConfig.get().runtime.output_dir)
    overrides = list(HydraConfig.get().overrides.task)
    try:
        out = run_campaign(
            cfg, root, overrides=_overrides(overrides), retry_failed=bool(cfg.retry_failed)
        )
    except (ConfigError, CampaignBusy) as exc:
        fail(str(exc))
    except Interrupted as exc:
        outcome = getattr(exc, "outcome", None)
        if outcome is not None:
            print(format_outcome(outcome, cfg.jobs), file=sys.stderr)
        print(
            f"interrupted ({exc}): finished runs are saved; run the same command to resume",
            file=sys.stderr,
        )
        sys.exit(130)
    print(format_outcome(out, cfg.jobs))
    for line in analyse(cfg, root):
        print(line)


def main() -> None:
    """Take our own flags off the command line, check it, then hand over to Hydra."""
    register_campaign_configs()
    # Hydra's own parser knows no flags of ours: --retry-failed is the key retry_failed.
    sys.argv = ["retry_failed=true" if a == RETRY_FLAG else a for a in sys.argv]
    checked_main(preflight, _app, CONFIG_NAME)


if __name__ == "__main__":
    main()
