"""The catalogue of bad input: every entry is refused in one line, and nothing is written.

Each entry is a command line of ``python -m sim.run`` (run in this process: a refusal
happens before Hydra runs anything, so no interpreter start-up is needed per entry) and a
text the line must contain (the key, file or folder it names). For every entry: exit code 2,
exactly one line on stderr starting with ``error:``, no traceback, the field named, and
nothing written: a fresh output folder is not created (nor anything else in the working
folder), and an existing results folder stays byte-identical. Hostile files are generated
here. The subprocess path (the real command) is covered entry by entry in
``test_cli_hardening.py`` and ``test_graph_files.py``.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sim import run

GRAPHML_HEAD = b'<?xml version="1.0"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'

#: A file name -> its bytes (written into the test's folder as ``files/NAME``).
FILES: dict[str, bytes] = {
    "edges_ok.txt": b"0 1\n1 2\n2 0\n",
    "empty.txt": b"",
    "one_column.txt": b"0\n1\n2\n",
    "negative.txt": b"0 1\n1 -3\n",
    "mixed_ids.txt": b"0 1\n1 bob\n",
    "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "nul.txt": b"0 1\n1 2\x00\n",
    "binary.graphml": b"\x00\x01\x02\x03garbage\xff\xfe",
    "truncated.graphml": GRAPHML_HEAD
    + b'<graph edgedefault="undirected">\n<node id="0"/><node id="1"/>\n<edge source="0" ',
    "xxe.graphml": b'<?xml version="1.0"?>\n'
    + b'<!DOCTYPE g [<!ENTITY secret SYSTEM "file:///etc/hostname">]>\n'
    + b'<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
    + b'<graph edgedefault="undirected"><node id="&secret;"/></graph></graphml>\n',
    "bomb.graphml": b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b'<!ENTITY lol2 "'
    + b"&lol;" * 10
    + b'">'
    + b'<!ENTITY lol3 "'
    + b"&lol2;" * 10
    + b'">]>\n'
    + b'<graphml><graph><node id="&lol3;"/></graph></graphml>\n',
    "not_graphml.graphml": b'<?xml version="1.0"?>\n<html><body>hello</body></html>\n',
}

#: ``(arguments, text the line must contain)``; ``{files}`` is the generated files' folder,
#: ``{a_file}`` an existing regular file. ``hydra.run.dir`` is added by the test.
CATALOGUE: list[tuple[list[str], str]] = [
    # ---- types
    (["customers.n=abc"], "customers.n"),
    (["steps=1.5"], "steps"),
    (["seed=x"], "seed"),
    (["coalition.forward_p=high"], "coalition.forward_p"),
    (["community.enabled=maybe"], "community.enabled"),
    (["network.avg_degree=[1,2]"], "network.avg_degree"),
    (["customers.n=2e9"], "customers.n"),
    # ---- ranges
    (["customers.n=0"], "customers.n"),
    (["customers.n=-5"], "customers.n"),
    (["steps=0"], "steps"),
    (["coalition.forward_p=1.5"], "coalition.forward_p"),
    (["coalition.max_size=1"], "coalition.max_size"),
    (["sellers.products_per_seller=99"], "sellers.products_per_seller"),
    (["negotiation.buyer_opening=2"], "negotiation.buyer_opening"),
    (["customers.quantity_max=0"], "customers.quantity_max"),
    (["negotiation.max_rounds=0"], "negotiation.max_rounds"),
    # ---- NaN and infinities
    (["customers.wtp_mean=nan"], "customers.wtp_mean"),
    (["customers.wtp_mean=inf"], "customers.wtp_mean"),
    (["coalition.forward_p=nan"], "coalition.forward_p"),
    (["pricing.posted.markup=inf"], "pricing.posted.markup"),
    (["pricing.adaptive.arms=[1.0,inf]"], "pricing.adaptive.arms"),
    (["customers.wtp_sd=-inf"], "customers.wtp_sd"),
    (["pricing.mix=[posted:1e308,volume_discount:1e308]"], "pricing.mix"),
    # ---- huge values
    (["customers.n=2000000000"], "customers.n"),
    (["customers.n=1000000000000"], "customers.n"),
    (["customers.quantity_max=1000000000000000000"], "customers.quantity_max"),
    (["sellers.n=1000000000"], "sellers.n"),
    (["steps=100000000"], "steps"),
    (["coalition.max_size=100000000"], "coalition.max_size"),
    (["negotiation.max_rounds=100000000"], "negotiation.max_rounds"),
    (["network.avg_degree=100000000"], "network.avg_degree"),
    # ---- unknown and injected keys, deletions
    (["customers.nn=1"], "customers.nn"),
    (["+customers.extra=1"], "customers.extra"),
    (["++customers.bogus=2"], "customers.bogus"),
    (["+foo=1"], "foo"),
    (["pricing.posted.extra=1"], "pricing.posted.extra"),
    (["+_target_=os.system"], "_target_"),
    (["+customers._target_=os.system"], "_target_"),
    (["+hydra.callbacks.x._target_=builtins.open"], "hydra.callbacks"),
    (["hydra.callbacks.aggregate._target_=os.system"], "hydra.callbacks"),
    (["~hydra.callbacks.progress"], "hydra.callbacks"),
    (["hydra.launcher._target_=os.system"], "_target_"),
    (["hydra.searchpath=[file:///tmp]"], "hydra.searchpath"),
    (["--config-dir=/tmp"], "--config-dir"),
    (["~customers"], "~customers"),
    (["~seed"], "~seed"),
    (["~pricing.mix"], "~pricing.mix"),
    # ---- list and override syntax
    (["pricing.mix=[posted:0.5,"], "pricing.mix"),
    (["negotiation.buyer_tactics=[boulware"], "negotiation.buyer_tactics"),
    (["seed=["], "seed"),
    (["customers.n=(1"], "customers.n"),
    (["pricing.mix='posted"], "pricing.mix"),
    # ---- tactic, policy and option names
    (["negotiation.buyer_tactics=[nope]"], "negotiation.buyer_tactics"),
    (["negotiation.seller_tactics=[boulware:-1]"], "negotiation.seller_tactics"),
    (["pricing=nope"], "pricing"),
    (["pricing.mix=[nope:1]"], "pricing.mix"),
    (["network=nope"], "network"),
    (["coalition=nope"], "coalition"),
    (["coalition.algorithm=nope"], "coalition.algorithm"),
    (["coalition.division=nope"], "coalition.division"),
    (["negotiation.first_mover=nobody"], "negotiation.first_mover"),
    (["community.seller_response=nope"], "community.seller_response"),
    (["network.kind=hypercube"], "network.kind"),
    # ---- graph files of every kind (customers.n=3 unless the case is about the count)
    (["network=file", "network.path={files}/missing.txt", "customers.n=3"], "network.path"),
    (["network=file", "network.path={files}", "customers.n=3"], "network.path"),
    (["network=file", "network.path={files}/empty.txt", "customers.n=3"], "network.path"),
    (["network=file", "network.path={files}/one_column.txt", "customers.n=3"], "network.path"),
    (["network=file", "network.path={files}/negative.txt", "customers.n=3"], "network.path"),
    (["network=file", "network.path={files}/mixed_ids.txt", "customers.n=3"], "network.path"),
    (["network=file", "network.path={files}/binary.txt", "customers.n=3"], "network.path"),
    (["network=file", "network.path={files}/nul.txt", "customers.n=3"], "network.path"),
    (["network=file", "network.path={files}/edges_ok.txt", "customers.n=7"], "network.path"),
    (["network=file", "network.path={files}/binary.graphml", "customers.n=3"], "network.path"),
    (["network=file", "network.path={files}/truncated.graphml", "customers.n=2"], "network.path"),
    (["network=file", "network.path={files}/xxe.graphml", "customers.n=1"], "network.path"),
    (["network=file", "network.path={files}/bomb.graphml", "customers.n=1"], "network.path"),
    (["network=file", "network.path={files}/not_graphml.graphml", "customers.n=1"], "network.path"),
    (
        [
            "network=file",
            "network.path={files}/edges_ok.txt",
            "customers.n=3",
            "network.max_file_mb=0.000001",
        ],
        "network.max_file_mb",
    ),  # fmt: skip
    (["network=file", "network.path={files}/edges_ok.txt", "network.max_file_mb=0"], "max_file_mb"),
    (["network=file", "customers.n=3"], "network.path"),
    # ---- sweeps: every value is checked, not only the first
    (["-m", "customers.n=100,0"], "customers.n"),
    (["-m", "customers.n=1000,2000000000"], "customers.n"),
    (["-m", "coalition.algorithm=greedy_merge,nope"], "coalition.algorithm"),
    (["-m", "network=small_world,nope"], "network"),
]

#: Output folders refused up front: ``(arguments, text)``; no run folder is added.
FOLDERS: list[tuple[list[str], str]] = [
    (["hydra.run.dir="], "hydra.run.dir"),
    (["hydra.run.dir={a_file}"], "hydra.run.dir"),
    (["hydra.run.dir={a_file}/sub"], "hydra.run.dir"),
    (["-m", "seed=0,1", "hydra.sweep.dir="], "hydra.sweep.dir"),
    (["-m", "seed=0,1", "hydra.sweep.dir={a_file}"], "hydra.sweep.dir"),
]


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` (relative path -> SHA-256), folders included as ''."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
    return out


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Callable[[list[str]], list[str]]:
    """A working folder with the generated files; returns the argument formatter."""
    files = tmp_path / "files"
    files.mkdir()
    for name, data in FILES.items():
        (files / name).write_bytes(data)
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("not a folder\n")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)

    def fmt(args: list[str]) -> list[str]:
        return [a.format(files=files, a_file=a_file) for a in args]

    return fmt


def refuse(args: list[str], capsys, monkeypatch) -> str:
    """Run ``python -m sim.run ARGS`` here; assert a clean refusal; return its line."""
    monkeypatch.setattr(sys, "argv", ["sim.run", *args])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        run.main()
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2, (args, err)
    assert "Traceback" not in err and out == "", (args, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), (args, err)
    return lines[0]


def test_the_catalogue_is_large_and_covers_every_category():
    assert len(CATALOGUE) + len(FOLDERS) >= 60
    joined = " ".join(" ".join(args) for args, _ in CATALOGUE)
    for marker in ("nan", "inf", "_target_", "~", "network.path", "[", "-m", "tactics"):
        assert marker in joined, marker


@pytest.mark.parametrize(("args", "named"), CATALOGUE, ids=lambda v: " ".join(v)[:60])
def test_refused_in_one_line_and_nothing_written(args, named, workspace, capsys, monkeypatch):
    work = Path.cwd()
    folder = work / "out" / "run"
    key = "hydra.sweep.dir" if "-m" in args else "hydra.run.dir"
    line = refuse([*workspace(args), f"{key}={folder}"], capsys, monkeypatch)
    assert named in line, line
    assert list(work.iterdir()) == [], "something was written"


@pytest.mark.parametrize(("args", "named"), CATALOGUE[::3], ids=lambda v: " ".join(v)[:60])
def test_an_existing_results_folder_stays_byte_identical(
    args, named, workspace, capsys, monkeypatch
):
    folder = Path.cwd() / "previous"
    (folder / ".hydra").mkdir(parents=True)
    (folder / ".hydra" / "config.yaml").write_text("seed: 0\n")
    (folder / "summary.json").write_text('{"welfare": 1.0}\n')
    (folder / "run.log").write_text("an earlier run\n")
    before = snapshot(Path.cwd())
    key = "hydra.sweep.dir" if "-m" in args else "hydra.run.dir"
    line = refuse([*workspace(args), f"{key}={folder}"], capsys, monkeypatch)
    assert named in line, line
    assert snapshot(Path.cwd()) == before


@pytest.mark.parametrize(("args", "named"), FOLDERS, ids=lambda v: " ".join(v)[:60])
def test_output_folders_are_refused_first(args, named, workspace, capsys, monkeypatch):
    line = refuse(workspace(args), capsys, monkeypatch)
    assert named in line, line
    assert list(Path.cwd().iterdir()) == []


def test_an_unknown_jit_setting_is_refused(workspace, capsys, monkeypatch):
    monkeypatch.setenv("CROWDBARGAIN_JIT", "fast")
    line = refuse([f"hydra.run.dir={Path.cwd() / 'out'}"], capsys, monkeypatch)
    assert "CROWDBARGAIN_JIT" in line
    assert list(Path.cwd().iterdir()) == []


def test_a_hostile_file_leaks_nothing(workspace, capsys, monkeypatch):
    secret = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""
    args = ["network=file", "network.path={files}/xxe.graphml", "customers.n=1"]
    line = refuse([*workspace(args), f"hydra.run.dir={Path.cwd() / 'o'}"], capsys, monkeypatch)
    assert "DTD" in line or "entit" in line, line
    if secret:
        assert secret not in line
