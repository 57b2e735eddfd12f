"""Hydra sweeps (``python -m sim.run -m ...``): figures, progress, the sweep table, pre-flight."""

import os
import re
import signal
import subprocess
import sys
import time

import pandas as pd
import psutil
import pytest
from hydra import compose, initialize_config_dir
from hydra.core.utils import JobReturn, JobStatus
from hydra.types import RunMode
from omegaconf import OmegaConf

import sim.cli.preflight as preflight
from sim.cli.callbacks import SweepProgress
from sim.cli.preflight import check_overrides
from sim.cli.progress import (
    BASIC_SWEEPER,
    FAILED,
    MANIFEST,
    RunCounter,
    filesystem_now_ns,
    sweep_size,
)
from sim.cli.run_folder import FIGURE
from sim.config import CONFIG_DIR
from sim.results.aggregate import collect_summaries
from sim.results.io import write_json
from sim.run import draw_figures

SMALL = ["customers.n=60", "steps=5", "output.quiet=true"]


def run_cli(args, cwd):
    """``python -m sim.run ARGS`` with stdout and stderr captured (so neither is a TTY)."""
    return subprocess.run(
        [sys.executable, "-m", "sim.run", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def final_bar(stderr):
    """The last progress line on stderr."""
    lines = [line for line in stderr.splitlines() if line.startswith("sweep:")]
    assert lines, stderr
    return lines[-1]


# ---------------------------------------------------------------- two sweeps, one folder


@pytest.fixture(scope="module")
def two_sweeps(tmp_path_factory, repo_root):
    """Three runs into a sweep folder, then one run (figures asked for) into the same one."""
    sweep = tmp_path_factory.mktemp("sweeps") / "sweep"
    first = run_cli(["-m", *SMALL, "seed=0,1,2", f"hydra.sweep.dir={sweep}"], repo_root)
    assert first.returncode == 0, first.stderr
    after_first = {
        "figures": sorted(p.relative_to(sweep) for p in sweep.rglob(FIGURE)),
        "table": pd.read_parquet(sweep / "summaries.parquet"),
    }
    second = run_cli(
        ["-m", *SMALL, "seed=7", "output.figures=true", f"hydra.sweep.dir={sweep}"], repo_root
    )
    assert second.returncode == 0, second.stderr
    return sweep, first, second, after_first


def test_sweep_progress_is_printed_as_lines_on_a_non_tty_stderr(two_sweeps):
    _, first, second, _ = two_sweeps
    assert "\r" not in first.stderr  # one line per redraw, not carriage returns
    assert re.search(r"^sweep: +0%.* 0/3 ", first.stderr, re.MULTILINE), first.stderr
    last = final_bar(first.stderr)
    assert " 3/3 " in last and "100%" in last and "failed=0" in last, last
    # The second sweep's bar counts its own run only, not the leftovers of the first.
    assert " 1/1 " in final_bar(second.stderr)


def test_a_sweep_draws_no_figure_unless_asked(two_sweeps):
    sweep, _, _, after_first = two_sweeps
    assert after_first["figures"] == []
    assert (sweep / "0" / FIGURE).exists()  # the second sweep asked: output.figures=true
    assert not (sweep / "1" / FIGURE).exists()


def test_a_second_sweep_into_the_same_folder_aggregates_only_its_runs(two_sweeps):
    sweep, _, _, after_first = two_sweeps
    first = after_first["table"]
    assert first["run_dir"].tolist() == ["0", "1", "2"]
    assert first["seed"].tolist() == [0, 1, 2]
    assert (sweep / "2" / "summary.json").exists()  # the first sweep's leftovers are there
    table = pd.read_parquet(sweep / "summaries.parquet")
    assert table["run_dir"].tolist() == ["0"]
    assert table["seed"].tolist() == [7] and table["override.seed"].tolist() == [7]


@pytest.mark.slow
def test_joblib_sweep_shows_progress_of_runs_in_other_processes(tmp_path, repo_root):
    sweep = tmp_path / "sweep"
    proc = run_cli(
        [
            "-m",
            "hydra/launcher=joblib",
            "hydra.launcher.n_jobs=2",
            *SMALL,
            "seed=0,1",
            f"hydra.sweep.dir={sweep}",
        ],
        repo_root,
    )
    assert proc.returncode == 0, proc.stderr
    last = final_bar(proc.stderr)
    assert " 2/2 " in last and "failed=0" in last, last
    assert len(pd.read_parquet(sweep / "summaries.parquet")) == 2


def test_a_run_that_fails_is_counted_and_noted(tmp_path, repo_root):
    sweep = tmp_path / "sweep"
    missing = tmp_path / "missing.edgelist"  # passes pre-flight, fails in the job
    proc = run_cli(
        [
            "-m",
            *SMALL,
            "network.kind=small_world,file",
            f"network.path={missing}",
            f"hydra.sweep.dir={sweep}",
        ],
        repo_root,
    )
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "network.path" in errors[0], proc.stderr
    last = final_bar(proc.stderr)
    assert " 2/2 " in last and "failed=1" in last, last
    assert (sweep / "1" / FAILED).read_text().startswith("ConfigError: network.path=")
    assert not (sweep / "0" / FAILED).exists()


# ---------------------------------------------------------------- the pieces, in process


def test_figures_default_to_single_runs_only_and_an_explicit_setting_wins():
    assert draw_figures(None, RunMode.RUN) is True
    assert draw_figures(None, RunMode.MULTIRUN) is False
    for mode in RunMode:
        assert draw_figures(True, mode) is True
        assert draw_figures(False, mode) is False


def test_the_schema_default_is_automatic_and_overrides_are_typed():
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base=None):
        default = compose("config")
        explicit = compose("config", overrides=["output.figures=false"])
    assert default.output.figures is None and explicit.output.figures is False
    assert check_overrides(["output.figures=null"], CONFIG_DIR) is None
    problem = check_overrides(["output.figures=maybe"], CONFIG_DIR)
    assert "output.figures=maybe" in problem and "not a valid bool" in problem


def hydra_job_config(run_dir, mode=RunMode.MULTIRUN):
    return OmegaConf.create({"hydra": {"mode": mode, "runtime": {"output_dir": str(run_dir)}}})


def test_a_failed_job_leaves_a_one_line_note_that_a_success_clears(tmp_path):
    callback = SweepProgress()
    error = RuntimeError("boom\n  on two lines")
    failed = JobReturn(status=JobStatus.FAILED, _return_value=error)
    callback.on_job_end(hydra_job_config(tmp_path, RunMode.RUN), failed)
    assert not (tmp_path / FAILED).exists()  # a single run shows its own traceback
    callback.on_job_end(hydra_job_config(tmp_path), failed)
    assert (tmp_path / FAILED).read_text() == "RuntimeError: boom on two lines\n"
    callback.on_job_end(hydra_job_config(tmp_path), JobReturn(status=JobStatus.COMPLETED))
    assert not (tmp_path / FAILED).exists()


def age(path, since_ns):
    """Give ``path`` a modification time one second before ``since_ns``."""
    os.utime(path, ns=(since_ns - 10**9, since_ns - 10**9))


def test_run_counter_counts_only_runs_finished_since_the_start(tmp_path):
    since = filesystem_now_ns(tmp_path)
    for job in range(4):
        (tmp_path / str(job) / ".hydra").mkdir(parents=True)
    write_json(tmp_path / "0" / MANIFEST, {})
    age(tmp_path / "0" / MANIFEST, since)  # an earlier sweep's run
    write_json(tmp_path / "1" / MANIFEST, {})
    (tmp_path / "2" / FAILED).write_text("RuntimeError: x\n")
    write_json(tmp_path / "3" / "summary.json", {})  # still running: no manifest yet
    write_json(tmp_path / "3" / ".hydra" / MANIFEST, {})  # Hydra's folder holds no result
    counter = RunCounter(tmp_path, since)
    assert counter.count() == (1, 1)
    write_json(tmp_path / "0" / MANIFEST, {})  # rerun in this sweep
    write_json(tmp_path / "3" / MANIFEST, {})
    assert counter.count() == (3, 1)


def test_collect_summaries_keeps_only_summaries_written_since(tmp_path):
    since = filesystem_now_ns(tmp_path)
    for job, seed in ((0, 5), (1, 6), (2, 7)):
        write_json(tmp_path / str(job) / "summary.json", {"seed": seed})
    age(tmp_path / "1" / "summary.json", since)
    assert collect_summaries(tmp_path)["seed"].tolist() == [5, 6, 7]
    assert collect_summaries(tmp_path, since_ns=since)["seed"].tolist() == [5, 7]


def sweep_config(task, sweeper=BASIC_SWEEPER, params=None):
    return OmegaConf.create(
        {
            "hydra": {
                "sweeper": {"_target_": sweeper, "params": params},
                "overrides": {"task": task},
            }
        }
    )


def test_sweep_size_is_the_product_of_the_sweeps_as_the_basic_sweeper_runs_them():
    assert sweep_size(sweep_config(["seed=range(0,3)", "customers.n=60,70", "steps=5"])) == 6
    assert sweep_size(sweep_config(["steps=5"])) == 1
    # hydra.sweeper.params first, the command line last: the last override of a key wins.
    params = {"seed": "0,1,2,3", "steps": "4,5"}
    assert sweep_size(sweep_config(["seed=1,2"], params=params)) == 4
    assert sweep_size(sweep_config(["seed=1,2"], sweeper="some.OtherSweeper")) is None


# ---------------------------------------------------------------- pre-flight of sweeps


@pytest.fixture
def count_validations(monkeypatch):
    calls = []
    real = preflight.validate

    def counted(cfg):
        calls.append(1)
        return real(cfg)

    monkeypatch.setattr(preflight, "validate", counted)
    return calls


@pytest.mark.parametrize("sweep", ["seed=range(0,300)", "customers.wtp_mean=range(1,2,0.005)"])
def test_a_plain_key_sweep_is_checked_without_a_full_validate_per_value(count_validations, sweep):
    assert check_overrides([sweep], CONFIG_DIR) is None
    assert len(count_validations) == 1  # the base config only


def test_a_cross_node_key_sweep_gets_the_full_check_per_value(count_validations):
    problem = check_overrides(["sellers.products_per_seller=1,2,3,9"], CONFIG_DIR)
    assert problem.startswith("sellers.products_per_seller=9 is invalid")
    assert len(count_validations) == 1 + 3
    problem = check_overrides(["products.n=4,1"], CONFIG_DIR)
    assert problem.startswith("sellers.products_per_seller=2 is invalid")


SWEEP_PROBLEMS = [
    (["seed=range(0,2000)", "steps=5"], None),
    (["seed=0,1,abc"], "seed='abc' is invalid; allowed: an integer"),
    (["seed=0,1.5"], "seed='1.5' is invalid; allowed: an integer"),
    (["steps=3,0"], "steps=0 is invalid"),
    (["customers.wtp_mean=range(1,3,0.001)"], None),
    (["customers.wtp_mean=1,2,-1"], "customers.wtp_mean=-1.0 is invalid"),
    (["customers.n=10,20", "seed=1,-1"], "seed=-1 is invalid"),
    (["coalition.forward_p=0.5,1.5"], "coalition.forward_p=1.5 is invalid"),
    (["coalition.algorithm=greedy_merge,magic"], "coalition.algorithm='magic' is invalid"),
    (["pricing.adaptive.epsilon=0.1,2"], "pricing.adaptive.epsilon=2.0 is invalid"),
    (["pricing.mix=[posted],[nobody]"], "pricing.mix.nobody='nobody' is invalid"),
    (["negotiation.buyer_tactics=[linear],[nobody]"], "negotiation.buyer_tactics.nobody"),
    (["tags=[a,b],[c]"], None),
    # A rule within a node reads the node's other fields (file graphs need a path).
    (["network.kind=small_world,file"], "network.path=None is invalid"),
    # Graph files are read in the pre-flight: a missing one is named there.
    (
        ["network.path=a.edgelist,b.edgelist", "network.kind=file"],
        "network.path='a.edgelist' does not exist",
    ),
    (["customers={n:5},{n:0}"], "customers.n=0 is invalid"),
    (["customers.nope=1,2"], "customers.nope is not a config key; allowed: n, "),
    (["seed=range(0,0)"], "seed=range(0,0) is invalid; allowed: a sweep with"),
    # Group sweeps compose every choice, also an added group and a glob of a group.
    (["network=small_world,foo"], "network=foo is invalid; allowed: communities"),
    (["+experiment=group_buying,pledges_on_communities"], None),
    (["network=glob(*,exclude=file)"], None),
    (["network=glob(*)"], "network.path=None is invalid"),
]


@pytest.mark.parametrize(("argv", "expected"), SWEEP_PROBLEMS)
def test_sweep_values_are_checked_one_line_each(argv, expected):
    problem = check_overrides(argv, CONFIG_DIR)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and problem.startswith(expected), problem
        assert "\n" not in problem


@pytest.mark.slow
def test_sigterm_on_a_parallel_sweep_stops_its_workers(tmp_path, repo_root):
    """SIGTERM unwinds like Ctrl-C: joblib's workers stop with the sweep, none is orphaned."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim.run",
            "-m",
            "hydra/launcher=joblib",
            "hydra.launcher.n_jobs=2",
            "seed=range(0,24)",
            "customers.n=1000",
            "steps=60",
            "output.quiet=true",
            f"hydra.sweep.dir={tmp_path / 'sweep'}",
        ],
        cwd=repo_root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    workers: list[psutil.Process] = []
    for _ in range(1200):  # up to 120 s for the pool to start
        workers = psutil.Process(proc.pid).children(recursive=True)
        if len(workers) >= 2 and list((tmp_path / "sweep").glob("*/manifest.json")):
            break
        time.sleep(0.1)
    assert len(workers) >= 2, "the joblib pool should be running"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "interrupted" in err.strip().splitlines()
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert alive == []


@pytest.mark.parametrize(
    ("argv", "composes"),
    [
        (["customers.n=300", "hydra.run.dir=/tmp/x"], 1),  # the folder check's is reused
        (["hydra.run.dir=/tmp/x", "pricing=personalised", "seed=2"], 1),
        (["-m", "seed=1,2"], 2),  # a sweep composes its first values afresh
        (["customers.n=abc"], 2),  # Hydra refuses it in the folder check: nothing to reuse
    ],
)
def test_sim_run_checks_compose_a_plain_line_once(monkeypatch, argv, composes):
    calls = []
    real = preflight.compose

    def counting(**kwargs):
        calls.append(kwargs["overrides"])
        return real(**kwargs)

    monkeypatch.setattr(preflight, "compose", counting)
    preflight.forget_compositions()
    folder = preflight.check_output_folder(argv, "config")
    problem = check_overrides(argv, CONFIG_DIR)
    assert folder is None
    assert len(calls) == composes
    assert (problem is None) == ("customers.n=abc" not in argv)


def test_a_kept_composition_is_only_reused_for_the_same_line(monkeypatch):
    preflight.forget_compositions()
    assert preflight.check_output_folder(["customers.n=300"], "config") is None
    # A different line composes afresh and is checked on its own values.
    assert "customers.n" in check_overrides(["customers.n=0"], CONFIG_DIR)
