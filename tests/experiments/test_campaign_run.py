"""Running campaigns: resume after SIGKILL, clean shutdown, failure isolation, executors agree.

The end-to-end tests start ``python -m experiments.campaign`` as a user would; the failure
test runs the engine in this process so that one run can be made to raise.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import psutil
import pytest

from experiments.analysis.sensitivity import analyse_folder
from experiments.campaign import runner as runner_module
from experiments.campaign.__main__ import preflight
from experiments.campaign.engine import run_campaign
from experiments.campaign.plan import compose_market

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["+campaign=example", "customers.n=120", "steps=10", "campaign.seeds=2"]


def campaign(folder: Path, *args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "experiments.campaign", *args, f"hydra.run.dir={folder}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def finish(folder: Path, *args: str) -> subprocess.CompletedProcess:
    proc = campaign(folder, *args)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def dataset(root: Path) -> dict[str, object]:
    """Everything a campaign's dataset holds: part files as bytes, runs without runtimes."""
    files: dict[str, object] = {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.glob("*/part-*.parquet"))
    }
    runs = pd.read_parquet(root / "runs.parquet")
    files["runs"] = runs.drop(columns="runtime_s")
    files["plan"] = (root / "plan.parquet").read_bytes()
    return files


def assert_same(a: dict[str, object], b: dict[str, object]) -> None:
    assert a.keys() == b.keys()
    pd.testing.assert_frame_equal(a["runs"], b["runs"])
    for key in a.keys() - {"runs"}:
        assert a[key] == b[key], key


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def wait_gone(procs: list[psutil.Process], timeout: float = 20.0) -> list[psutil.Process]:
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    return alive


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reference")
    result = finish(folder, *SMALL, "jobs=2")
    assert "12 done now, 0 failed" in result.stdout
    # The progress bar (stderr): runs done of the total, done/failed/skipped.
    assert "12/12" in result.stderr and "done=12, failed=0, skipped=0" in result.stderr
    return folder


@pytest.mark.slow
def test_sigkilled_five_times_and_resumed_gives_the_same_dataset(tmp_path, reference):
    rng = random.Random(7)
    folder = tmp_path / "killed"
    for _ in range(5):
        proc = campaign(folder, *SMALL, "jobs=2")
        deadline = time.monotonic() + 120
        while not (folder / "plan.parquet").exists() and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 4.0))
        workers = descendants(proc.pid)
        proc.kill()  # SIGKILL: no handler runs, nothing is compacted
        proc.communicate()
        # Workers notice their parent is gone and exit: nothing is left running.
        assert wait_gone(workers) == []
    result = finish(folder, *SMALL, "jobs=2")
    assert "12 runs planned" in result.stdout
    assert_same(dataset(folder), dataset(reference))
    assert not (folder / "_store").exists()
    # Running it again finds everything done and changes nothing.
    before = dataset(folder)
    again = finish(folder, *SMALL, "jobs=2")
    assert "12 already done, 0 done now" in again.stdout
    assert_same(dataset(folder), before)


@pytest.mark.slow
def test_sigterm_stops_workers_and_saves_what_finished(tmp_path):
    folder = tmp_path / "stopped"
    proc = campaign(folder, *SMALL, "steps=60", "campaign.seeds=4", "jobs=2")
    deadline = time.monotonic() + 120
    while not list(folder.glob("_store/*.runs.parquet")):  # a first batch is saved
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    workers = descendants(proc.pid)
    assert workers, "the campaign should be running worker processes"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "resume" in err
    assert err.count("Traceback") == 0
    assert wait_gone(workers) == []
    runs = pd.read_parquet(folder / "runs.parquet")
    assert 0 < len(runs) < 24 and (runs["status"] == "ok").all()
    assert not (folder / "_store").exists()


def test_a_failing_run_is_isolated_and_retried_alone(tmp_path, monkeypatch):
    ov = [*SMALL, "customers.n=80", "steps=8", "campaign.seeds=2", "jobs=1"]
    cfg = compose_market("run_campaign", ov)
    real = runner_module.simulate

    def flaky(config):
        if config["seed"] == 1 and config["coalition"]["max_size"] == 20:
            raise RuntimeError("injected failure")
        return real(config)

    monkeypatch.setattr(runner_module, "simulate", flaky)
    out = run_campaign(cfg, tmp_path / "c", overrides=ov, progress=False)
    assert (out.done, out.failed) == (9, 3)
    runs = out.runs
    failed = runs[runs["status"] == "failed"]
    assert set(failed["seed"]) == {1} and set(failed["coalition.max_size"]) == {20}
    assert failed["error"].str.contains("RuntimeError: injected failure").all()
    for rid in failed["run_id"]:
        assert "injected failure" in (tmp_path / "c" / "errors" / f"{rid}.log").read_text()
    # Without --retry-failed a resume runs nothing; with it, only the failed runs.
    monkeypatch.setattr(runner_module, "simulate", real)
    again = run_campaign(cfg, tmp_path / "c", overrides=ov, progress=False)
    assert (again.done, again.failed, again.skipped) == (0, 0, 12)
    retried = run_campaign(cfg, tmp_path / "c", overrides=ov, retry_failed=True, progress=False)
    assert (retried.done, retried.failed, retried.skipped) == (3, 0, 9)
    clean = run_campaign(cfg, tmp_path / "clean", overrides=ov, progress=False)
    assert_same(dataset(tmp_path / "c"), dataset(tmp_path / "clean"))
    assert clean.runs["status"].eq("ok").all()


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["ray", "submitit_local"])
def test_executors_give_identical_datasets(tmp_path, reference, executor):
    folder = tmp_path / executor
    result = finish(folder, *SMALL, f"executor={executor}", "jobs=2")
    assert "12 done now, 0 failed" in result.stdout
    assert_same(dataset(folder), dataset(reference))


def test_pandas_and_duckdb_read_the_whole_campaign_in_one_call(reference):
    ts = pd.read_parquet(reference / "timeseries")
    runs = pd.read_parquet(reference / "runs.parquet")
    assert len(ts) == 10 * len(runs) and set(ts["run_id"]) == set(runs["run_id"])
    con = duckdb.connect()
    parts = f"read_parquet('{reference}/timeseries/*.parquet')"
    n, ids = con.execute(f"select count(*), count(distinct run_id) from {parts}").fetchone()
    assert (n, ids) == (len(ts), len(runs))
    joined = con.execute(
        f'select r."coalition.forward_p" as p, max(t.step) '
        f"from read_parquet('{reference}/runs.parquet') r join {parts} t using (run_id) "
        "group by 1 order by 1"
    ).fetchall()
    assert [p for p, _ in joined] == [0.2, 0.5, 0.8] and {s for _, s in joined} == {9}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["+campaign=nope"],
            "+campaign=nope is invalid; allowed: discovery | example | sensitivity",
        ),
        ([], "campaign is not chosen; allowed: +campaign="),
        (["+campaign=example", "campaign.design=sobol"], "campaign.parameters.coalition.forward_p"),
        (["+campaign=example", "executor=nope"], "executor"),
        (["+campaign=example", "coalition.max_size=1,2"], "no sweep overrides"),
        (["+campaign=example", "-m"], "no -m/--multirun"),
        (["+campaign=example", "customers.n=-3"], "customers.n"),
        (["+campaign=example", "~campaign.parameters.x"], "campaign.parameters.x"),
        (["+campaign=example", "jobs=0"], "jobs=0 is invalid; allowed: an integer >= 1"),
        (["+campaign=example", "+foo=1"], "foo is not a config key; allowed: seed, steps"),
        (["+campaign=example", "executor.kind=mpi"], "executor.kind='mpi' is invalid; allowed:"),
        (["+campaign=example", "executor.batch_size=-1"], "executor.batch_size=-1"),
        pytest.param(
            ["+campaign=example", "executor=slurm"],
            "executor=slurm needs Slurm (sbatch)",
            marks=pytest.mark.skipif(shutil.which("sbatch") is not None, reason="Slurm is here"),
        ),
    ],
)
def test_bad_input_is_named_in_one_line_before_anything_runs(args, expected):
    problem = preflight(args)
    assert problem is not None and "\n" not in problem and expected in problem, problem


def test_a_bad_graph_file_is_refused_before_anything_runs(tmp_path):
    bad = tmp_path / "edges.txt"
    bad.write_text("0 1\n1 -3\n")
    args = ["+campaign=example", "network=file", f"network.path={bad}", "customers.n=3"]
    problem = preflight(args)
    assert problem == (
        f"network.path='{bad}' line 2: node id '-3' is negative; allowed: integer node ids 0 "
        "or above on every line, or names on every line"
    )


def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path):
    folder = tmp_path / "never"
    proc = campaign(folder, "+campaign=example", "campaign.samples=3", "campaign.design=sobol")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 2
    assert err.count("\n") == 1 and err.startswith("error: campaign.parameters."), err
    assert not folder.exists()


def test_a_changed_campaign_in_an_old_folder_is_refused_and_the_folder_kept(tmp_path):
    folder = tmp_path / "c"
    tiny = ["+campaign=example", "customers.n=60", "steps=5", "jobs=1", f"hydra.run.dir={folder}"]
    cfg = compose_market("run_campaign", [*tiny[:-1], "campaign.seeds=1"])
    run_campaign(cfg, folder, overrides=[*tiny[:-1], "campaign.seeds=1"], progress=False)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    problem = preflight([*tiny, "customers.n=61", "campaign.seeds=1"])
    assert problem is not None and "does not plan" in problem and "hydra.run.dir" in problem
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    # Extending it (more seeds) reuses every run it holds; --retry-failed is accepted.
    assert preflight([*tiny, "campaign.seeds=2"]) is None
    more = finish(folder, *tiny[:-1], "campaign.seeds=2", "--retry-failed")
    assert "6 already done, 6 done now, 0 failed" in more.stdout


def test_a_sobol_design_round_trips_through_the_model(tmp_path):
    """Design -> run configs -> models -> runs.parquet -> SALib: the indices come back right.

    The model reports its own population (``n_customers``), so that output depends on
    ``customers.n`` alone: its total index for ``coalition.forward_p`` is exactly 0 and its
    first-order and total indices for ``customers.n`` 1, within their intervals.
    """
    ov = ["+campaign=sensitivity", "campaign.samples=16", "campaign.seeds=1", "steps=2", "jobs=1"]
    cfg = compose_market("run_campaign", ov)
    cfg.campaign.parameters = {
        "customers.n": {"low": 30, "high": 90, "type": "int"},
        "coalition.forward_p": {"low": 0.1, "high": 0.9},
    }
    out = run_campaign(cfg, tmp_path / "sobol", overrides=ov, progress=False)
    runs = out.runs
    assert len(runs) == 16 * (2 + 2) and runs["status"].eq("ok").all()
    assert (runs["n_customers"] == runs["customers.n"]).all()
    design = pd.read_parquet(tmp_path / "sobol" / "design.parquet")
    assert (design["customers.n"].round().astype(int) == runs["customers.n"]).all()
    table = analyse_folder(tmp_path / "sobol", outputs=["n_customers"], figures=False)
    rows = table.set_index(["parameter", "index"])
    # forward_p plays no part: exactly zero (a misaligned design would give it a share).
    assert rows.loc[("coalition.forward_p", "S1"), "value"] == pytest.approx(0.0, abs=1e-12)
    assert rows.loc[("coalition.forward_p", "ST"), "value"] == pytest.approx(0.0, abs=1e-12)
    # customers.n is everything: 1 lies within both bootstrap intervals (16 base samples).
    for index in ("S1", "ST"):
        low, high = rows.loc[("customers.n", index), ["low", "high"]]
        assert low <= 1.0 <= high, (index, low, high)


@pytest.mark.parametrize(
    ("sizes", "warms"), [((30, 40), False), ((30, 5_000), True), ((5_000,), False)]
)
def test_a_worker_loads_the_kernels_only_for_markets_large_enough(monkeypatch, sizes, warms):
    calls = []
    monkeypatch.setattr(runner_module, "warm_up", lambda: calls.append(1))
    monkeypatch.setattr(runner_module, "run_task", lambda i, rid, cfg, **_: (i, cfg))
    batch = [(i, f"r{i}", {"customers": {"n": n}}) for i, n in enumerate(sizes)]
    assert runner_module.run_batch(batch) == [(i, cfg) for i, _, cfg in batch]
    assert bool(calls) is warms


def test_kept_tables_hold_every_row_of_every_run(tmp_path):
    # Deals (no natural row key) and sellers (a row per step and seller) are kept whole.
    folder = tmp_path / "kept"
    args = ["+campaign=example", "customers.n=80", "steps=6", "jobs=1", "campaign.seeds=1"]
    args += ["campaign.keep.deals=true", "campaign.keep.sellers=true"]
    cfg = compose_market("run_campaign", args)
    out = run_campaign(cfg, folder, overrides=args, progress=False)
    runs = out.runs
    deals = pd.read_parquet(folder / "deals" / "part-00000.parquet")
    sellers = pd.read_parquet(folder / "sellers" / "part-00000.parquet")
    assert deals.groupby("run_id").size().reindex(runs["run_id"]).tolist() == runs["deals"].tolist()
    n_sellers = int(cfg.sellers.n)
    assert sellers.groupby("run_id").size().eq(6 * n_sellers).all()
    assert len(sellers) == len(runs) * 6 * n_sellers
