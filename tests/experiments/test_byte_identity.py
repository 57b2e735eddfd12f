"""The byte-identity check: it passes two trees that compute alike and catches one that does not."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from experiments import byte_identity
from experiments.byte_identity import COMPARED_FILES, RunResult, compare_config
from experiments.byte_identity_configs import CONFIGS
from experiments.file_diff import diff_json, diff_parquet
from tests.one_line import one_line_refusal

REPO = Path(__file__).resolve().parents[2]
#: What ``python -m sim.run`` imports from a tree (the layers below experiments).
RUN_PACKAGES = ("mechanisms", "agents", "sim", "configs")


def write_run(folder: Path, deals: int = 3, price: float = 10.0) -> None:
    """A run's compared files, small and deterministic."""
    folder.mkdir(parents=True)
    table = pd.DataFrame({"step": [0, 1, 2], "price": [price, 9.5, 9.0]})
    for name in COMPARED_FILES:
        if name.endswith(".parquet"):
            table.to_parquet(folder / name, index=False)
    (folder / "summary.json").write_text(json.dumps({"deals": deals, "welfare": {"total": 1.5}}))


def ok(name: str) -> dict[tuple[str, str], RunResult]:
    return {(side, name): RunResult(side, name, True, 0.1) for side in ("base", "head")}


def test_identical_runs_match_every_file(tmp_path: Path) -> None:
    write_run(tmp_path / "base" / "cfg")
    write_run(tmp_path / "head" / "cfg")
    verdict = compare_config("cfg", tmp_path, ok("cfg"))
    assert verdict.identical
    assert verdict.matched == len(COMPARED_FILES)
    assert verdict.deals == 3
    assert verdict.diagnostics == []


def test_a_changed_value_is_a_mismatch_that_names_the_file_and_column(tmp_path: Path) -> None:
    write_run(tmp_path / "base" / "cfg")
    write_run(tmp_path / "head" / "cfg", price=10.25)
    verdict = compare_config("cfg", tmp_path, ok("cfg"))
    assert not verdict.identical
    # Five parquet files differ (one table written under every name); summary.json matches.
    assert verdict.matched == 1
    assert "deals.parquet: differs" in verdict.diagnostics
    assert "    columns with differing values: ['price']" in verdict.diagnostics
    assert "    first differing row 0: price: 10.0 vs 10.25" in verdict.diagnostics


def test_a_missing_file_or_failed_run_is_never_identical(tmp_path: Path) -> None:
    write_run(tmp_path / "base" / "cfg")
    write_run(tmp_path / "head" / "cfg")
    (tmp_path / "head" / "cfg" / "cascades.parquet").unlink()
    verdict = compare_config("cfg", tmp_path, ok("cfg"))
    assert not verdict.identical
    assert "cascades.parquet: missing on head" in verdict.diagnostics

    results = ok("cfg") | {("base", "cfg"): RunResult("base", "cfg", False, 0.1, "exit code 1")}
    verdict = compare_config("cfg", tmp_path, results)
    assert verdict.failed_runs == ["base"]
    assert not verdict.identical


def test_diffs_say_what_differs(tmp_path: Path) -> None:
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    pd.DataFrame({"x": [1, 2], "y": [3, 4]}).to_parquet(a)
    pd.DataFrame({"x": [1, 2, 5], "z": [3, 4, 6]}).to_parquet(b)
    notes = diff_parquet(a, b)
    assert "columns only in base ['y'], only in head ['z']" in notes
    assert "rows: base 2, head 3" in notes

    ja, jb = tmp_path / "a.json", tmp_path / "b.json"
    ja.write_text(json.dumps({"deals": 3, "welfare": {"total": 1.5, "gini": 0.2}}))
    jb.write_text(json.dumps({"deals": 4, "welfare": {"total": 1.5}}))
    assert diff_json(ja, jb) == [
        "keys only in base ['welfare.gini'], only in head []",
        "deals: 3 vs 4",
    ]


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        ([], "--base"),
        (["--base", "HEAD", "--jobs", "0"], "--jobs"),
        (["--base", "HEAD", "--only", "default,no_such_config"], "--only"),
    ],
)
def test_bad_input_is_one_line_naming_the_flag(
    capsys: pytest.CaptureFixture[str], args: list[str], flag: str
) -> None:
    line = one_line_refusal(capsys, byte_identity.main, args)
    assert line.startswith(f"error: argument {flag}")
    if flag == "--only":
        assert "no_such_config" in line
        assert all(name in line for name in CONFIGS)


@pytest.mark.slow
def test_the_check_passes_a_copy_and_catches_a_changed_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """End to end on directory trees (no git worktree): same code passes, a new seed fails."""
    trees = {}
    for side in ("same", "changed"):
        trees[side] = tmp_path / side
        for package in RUN_PACKAGES:
            shutil.copytree(
                REPO / package, trees[side] / package, ignore=shutil.ignore_patterns("__pycache__")
            )
    config = trees["changed"] / "configs" / "config.yaml"
    text = config.read_text()
    assert "\nseed: 0\n" in text
    config.write_text(text.replace("\nseed: 0\n", "\nseed: 1\n"))

    common = ["--base", str(trees["same"]), "--only", "default", "--jobs", "2"]
    assert byte_identity.main([*common, "--head", str(trees["same"])]) == 0
    assert "ALL IDENTICAL: 1 configs" in capsys.readouterr().out

    assert byte_identity.main([*common, "--head", str(trees["changed"])]) == 1
    out = capsys.readouterr().out
    assert "MISMATCH in 1 configs" in out
    assert "summary.json: differs" in out
