"""Same config and seed give identical results, in one process and across processes."""

import subprocess
import sys

import pandas as pd
import pytest

from sim import MarketModel

SMALL = {"customers": {"n": 300}, "steps": 30}


def test_same_seed_same_frames_in_process():
    a = MarketModel(seed=7, **SMALL).run()
    b = MarketModel(seed=7, **SMALL).run()
    pd.testing.assert_frame_equal(a.deals_frame(), b.deals_frame())
    pd.testing.assert_frame_equal(a.timeseries_frame(), b.timeseries_frame())


def test_different_seeds_differ():
    a = MarketModel(seed=1, **SMALL).run().deals_frame()
    b = MarketModel(seed=2, **SMALL).run().deals_frame()
    assert not a.equals(b)


def test_population_and_graph_do_not_depend_on_pricing():
    a = MarketModel(seed=3, pricing={"mix": {"posted": 1.0}}, **SMALL)
    b = MarketModel(seed=3, pricing={"mix": {"volume_discount": 1.0}}, **SMALL)
    assert (a.customers.wtp == b.customers.wtp).all()
    assert (a.graph.indices == b.graph.indices).all()


@pytest.mark.slow
def test_byte_identical_files_across_processes(tmp_path, repo_root):
    outs = []
    for i in range(2):
        out = tmp_path / f"run{i}"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "sim.run",
                "customers.n=300",
                "steps=25",
                "seed=11",
                "output.figures=false",
                "output.quiet=true",
                f"hydra.run.dir={out}",
            ],
            check=True,
            cwd=repo_root,
            capture_output=True,
        )
        outs.append(out)
    for name in ("summary.json", "timeseries.parquet", "deals.parquet", "config.yaml"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


@pytest.mark.slow
def test_parallel_sweep_matches_sequential_runs_byte_for_byte(tmp_path, repo_root):
    common = [
        "seed=0,1",
        "customers.n=200",
        "steps=12",
        "output.figures=false",
        "output.quiet=true",
    ]
    seq, par = tmp_path / "seq", tmp_path / "par"
    subprocess.run(
        [sys.executable, "-m", "sim.run", "-m", *common, f"hydra.sweep.dir={seq}"],
        check=True,
        cwd=repo_root,
        capture_output=True,
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.run",
            "-m",
            "hydra/launcher=joblib",
            "hydra.launcher.n_jobs=2",
            *common,
            f"hydra.sweep.dir={par}",
        ],
        check=True,
        cwd=repo_root,
        capture_output=True,
    )
    for job in ("0", "1"):
        for name in ("summary.json", "timeseries.parquet", "deals.parquet"):
            assert (seq / job / name).read_bytes() == (par / job / name).read_bytes()
