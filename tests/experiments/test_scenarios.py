"""Every shipped scenario runs with one command (tiny settings here)."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

from sim.config import CONFIG_DIR

SCENARIOS = sorted(p.stem for p in (Path(CONFIG_DIR) / "scenario").glob("*.yaml"))


def test_the_four_scenarios_ship():
    assert {
        "one_to_many_vs_crowd",
        "personalisation_and_privacy",
        "threshold_deals",
        "auctions",
    } <= set(SCENARIOS)


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_runs_and_reports_its_sweep(tmp_path, repo_root, name):
    spec = OmegaConf.load(Path(CONFIG_DIR) / "scenario" / f"{name}.yaml")
    out = tmp_path / name
    subprocess.run(
        [
            sys.executable,
            "-m",
            "experiments.compare_policies",
            f"+scenario={name}",
            "seeds=1",
            "customers.n=80",
            "steps=6",
            "report.figures=false",
            f"hydra.run.dir={out}",
        ],
        cwd=repo_root,
        check=True,
        capture_output=True,
        timeout=600,
    )
    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs["policy"].unique()) == list(spec.policies)
    assert len(runs) == len(spec.policies) * len(spec.vary["values"])
    assert sorted(runs[spec.vary.key].unique()) == sorted(spec.vary["values"])
    assert (out / "report.md").read_text().count(spec.report.title) >= 1
