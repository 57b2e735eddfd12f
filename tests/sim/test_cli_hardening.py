"""Bad command lines stop before anything runs: one line, exit code 2, nothing written.

Every command (``sim.run``, its ``-m`` sweeps, the policy comparison, the campaign and the
optimiser) refuses overrides that could run code, unknown keys, deletions of model nodes,
broken override syntax and output folders it could not write; a run starts clean in a
reused folder; a single run that fails inside its job takes back what it created.
"""

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.preflight import check_command_line, check_output_folder

ROOT = Path(__file__).resolve().parents[2]
TINY = ["customers.n=60", "steps=4", "output.figures=false"]
CODE = "allowed: no _target_ or hydra.callbacks overrides"


def run(module, args, cwd, code=None):
    """``python -m module args`` (or ``python -c code``) in ``cwd``, with this checkout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = ["-c", code] if code else ["-m", module]
    return subprocess.run(
        [sys.executable, *command, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def files(folder):
    """Every path below ``folder`` with the hash of each file's bytes (None for folders)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else None
        for p in sorted(Path(folder).rglob("*"))
    }


def assert_refused(proc, *names):
    """Exit code 2, exactly one ``error:`` line naming ``names``, and no traceback."""
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    for name in names:
        assert name in lines[0], lines[0]
    return lines[0]


REFUSED = [
    (["+_target_=os.system"], ["+_target_=os.system is refused", CODE]),
    (["++customers._target_=os.system"], ["customers._target_", CODE]),
    (["+hydra.callbacks.x._target_=builtins.open"], ["hydra.callbacks.x._target_", CODE]),
    (["hydra.callbacks.progress._target_=builtins.print"], ["hydra.callbacks.progress", CODE]),
    (["~hydra.callbacks.aggregate"], ["~hydra.callbacks.aggregate is refused", CODE]),
    (["hydra/callbacks=mine"], ["hydra/callbacks=mine is refused", CODE]),
    (["hydra.launcher._target_=builtins.print"], ["hydra.launcher._target_", CODE]),
    (["--experimental-rerun", "x.pickle"], ["--experimental-rerun is refused"]),
    (["+customers.extra=1"], ["customers.extra is not a config key; allowed: n, wtp_dist,"]),
    (["++customers.extra=1"], ["customers.extra is not a config key"]),
    (["customers.nn=1"], ["customers.nn is not a config key; allowed: n, wtp_dist,"]),
    (["+pricing.posted.extra=1"], ["pricing.posted.extra is not a config key; allowed:"]),
    (["+foo=1"], ["foo is not a config key; allowed: seed, steps, customers,"]),
    (["~customers"], ["~customers is refused; allowed: no deletion of model config nodes"]),
    (["~seed"], ["~seed is refused"]),
    (["~pricing.mix"], ["~pricing.mix is refused"]),
    (
        ["pricing.mix=[posted:0.5,"],
        [
            "pricing.mix=[posted:0.5, is not a valid override: unclosed '['; allowed: "
            "KEY=VALUE with lists as [a,b] and quoted strings"
        ],
    ),
    (["pricing.mix='posted:1"], ["is not a valid override: unclosed quote"]),
    (["customers.n=5)"], ["customers.n=5) is not a valid override: unmatched ')'"]),
]


@pytest.mark.parametrize(("args", "expected"), REFUSED, ids=lambda a: " ".join(a)[:40])
def test_run_refuses_in_one_line_and_writes_nothing(tmp_path, args, expected):
    # Run from an empty folder with the default (timestamped) run folder below it: nothing
    # at all may appear there (no results/, no .hydra/, no log).
    proc = run("sim.run", [*TINY, *args], tmp_path)
    assert_refused(proc, *expected)
    assert files(tmp_path) == {}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["+customers.extra=1"], "customers.extra is not a config key"),
        (["~seed"], "~seed is refused"),
        (["+hydra.callbacks.x._target_=builtins.open"], CODE),
        (["pricing.mix=[posted:0.5,"], "unclosed '['"),
        (["hydra.sweep.dir="], "hydra.sweep.dir= is empty"),
    ],
)
def test_sweep_refuses_in_one_line_and_writes_nothing(tmp_path, args, expected):
    proc = run("sim.run", ["-m", "seed=0,1", *TINY, *args], tmp_path)
    assert_refused(proc, expected)
    assert files(tmp_path) == {}


def earlier_run(tmp_path):
    """A finished run's folder ``tmp_path/run``."""
    out = tmp_path / "run"
    assert run("sim.run", [*TINY, f"hydra.run.dir={out}"], tmp_path).returncode == 0
    return out


def test_an_existing_results_folder_stays_byte_identical(tmp_path):
    out = earlier_run(tmp_path)
    before = files(tmp_path)
    assert ".hydra/config.yaml" in files(out)
    for bad in ("+customers.extra=1", "~customers", "+_target_=os.system", "hydra.run.dir="):
        args = [*TINY, f"hydra.run.dir={out}", bad]
        assert_refused(run("sim.run", args, tmp_path))
        assert files(tmp_path) == before


def _folders(tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("not a folder\n")
    return a_file


@pytest.mark.parametrize("multirun", [False, True])
def test_output_folders_are_checked_before_anything_runs(tmp_path, multirun):
    a_file = _folders(tmp_path)
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    head = ["-m", "seed=0,1"] if multirun else []
    cases = [
        (f"{key}=", f"{key}= is empty; allowed: a folder path"),
        (f"{key}={a_file}", f"{key}={a_file} is a file; allowed: a folder path"),
        (f"{key}={a_file}/sub", f"is inside the file {a_file}; allowed: a folder path"),
    ]
    if os.geteuid() != 0:  # root writes anywhere: the read-only case needs a normal user
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        cases.append((f"{key}={locked}/out", "is not writable"))
    before = files(tmp_path)
    for override, expected in cases:
        assert_refused(run("sim.run", [*head, *TINY, override], tmp_path), key, expected)
        assert files(tmp_path) == before


@pytest.mark.parametrize(
    ("module", "args"),
    [
        ("experiments.compare_policies", ["seeds=1", "policies=[posted]"]),
        ("experiments.campaign", ["+campaign=example"]),
        ("experiments.optimise", ["pricing.posted.markup=interval(0.0,1.0)", "trials=1"]),
    ],
)
def test_other_commands_share_the_checks(tmp_path, module, args):
    a_file = _folders(tmp_path)
    before = files(tmp_path)
    cases = [
        ([f"hydra.run.dir={a_file}"], f"hydra.run.dir={a_file} is a file"),
        (["+hydra.callbacks.x._target_=builtins.open"], CODE),
        (["~customers"], "~customers is refused"),
        (["+customers.extra=1"], "customers.extra is not a config key"),
    ]
    for extra, expected in cases:
        assert_refused(run(module, [*args, *extra], tmp_path), expected)
        assert files(tmp_path) == before


def test_documented_uses_still_pass():
    # A launcher shipped by an installed plugin, config-group additions, a forced set of an
    # existing key and the campaign's deletion of a key it does not have (its own message).
    ok = [
        ["-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "seed=range(0,4)"],
        ["+experiment=group_buying"],
        ["++customers.n=50"],
        ["+campaign=example", "~campaign.parameters.x"],
    ]
    for argv in ok:
        assert check_command_line(argv) is None, argv
    assert check_output_folder(ok[0], "config") is None


def test_a_run_starts_clean_in_a_reused_folder(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / ".deals.parquet.abc123.tmp").write_bytes(b"half a parquet file")
    (out / "price_surplus.png").write_bytes(b"an old figure")
    (out / "failed.txt").write_text("ValueError: an earlier failure\n")
    proc = run("sim.run", [*TINY, f"hydra.run.dir={out}"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    names = {p.name for p in out.iterdir()}
    assert not {".deals.parquet.abc123.tmp", "price_surplus.png", "failed.txt"} & names
    assert not list(out.glob(".*.tmp"))
    deals = pd.read_parquet(out / "deals.parquet")
    summary = pd.read_json(out / "summary.json", typ="series")
    assert summary["deals"] == len(deals)


#: Runs ``sim.run`` with its model building replaced by one that fails inside the job.
FAILING_RUN = textwrap.dedent(
    """
    import sys
    import sim.run as run
    from sim.config import ConfigError
    ERRORS = {"config": ConfigError("customers.n=60 is invalid; allowed: a failing test"),
              "value": ValueError("a failure inside the job\\nsecond line")}
    KIND = sys.argv.pop()
    def fail(*args, **kwargs):
        raise ERRORS[KIND]
    run.write_run = fail
    sys.argv = ["sim/run.py", *sys.argv[1:]]
    run.main()
    """
)


@pytest.mark.parametrize("error", ["config", "value"])
def test_a_run_failing_inside_its_job_removes_the_folder_it_created(tmp_path, error):
    out = tmp_path / "new" / "run"
    proc = run("", [*TINY, f"hydra.run.dir={out}", error], tmp_path, code=FAILING_RUN)
    expected = "a failing test" if error == "config" else "a failure inside the job"
    assert_refused(proc, expected)
    assert files(tmp_path) == {}


def test_a_run_failing_inside_its_job_leaves_an_existing_folder_as_it_was(tmp_path):
    out = earlier_run(tmp_path)
    before = files(tmp_path)
    proc = run("", [*TINY, "seed=3", f"hydra.run.dir={out}", "config"], tmp_path, FAILING_RUN)
    assert_refused(proc, "a failing test")
    assert files(tmp_path) == before
