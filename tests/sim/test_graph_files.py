"""Graph files are untrusted input: every problem is one line, found before any folder exists.

Hostile and damaged files are made here: an external entity pointing at a local file, an
entity-expansion bomb, truncated GraphML, binary junk, short lines, negative or mixed ids,
a file over ``network.max_file_mb``, a node count other than ``customers.n``.
"""

import hashlib
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import networkx as nx
import pytest

from agents.params import ConfigError
from sim.cli.preflight import check_overrides
from sim.config import CONFIG_DIR
from sim.network import MAX_FILE_MB, build_graph, from_file, graph_file_problem
from tests.sim.test_cli import run_cli

GRAPHML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
GRAPHML_OPEN = '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
SAFE = "allowed: GraphML without DTD or entities"
JUNK = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def refusal(path, n=None, max_mb=MAX_FILE_MB) -> str:
    """The one-line message ``from_file`` refuses ``path`` with."""
    with pytest.raises(ConfigError) as err:
        from_file(path, n=n, max_mb=max_mb)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"network.path={str(path)!r}")
    assert "; allowed: " in message
    return message


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def xxe_file(tmp_path: Path) -> tuple[Path, str]:
    """A GraphML file whose node id is an external entity reading a local secret."""
    secret = "TOP-SECRET-7f3a9c"
    target = write(tmp_path / "secret.txt", secret)
    doc = (
        f"{GRAPHML_HEAD}<!DOCTYPE graphml [<!ENTITY s SYSTEM {target.as_uri()!r}>]>\n"
        f'{GRAPHML_OPEN}<graph edgedefault="undirected">'
        '<node id="&s;"/><node id="b"/><edge source="&s;" target="b"/></graph></graphml>\n'
    )
    return write(tmp_path / "xxe.graphml", doc), secret


def bomb_file(tmp_path: Path) -> Path:
    """The "billion laughs": 10 levels of 10 references, 10^9 copies of "lol" if expanded."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    doc = (
        f"{GRAPHML_HEAD}<!DOCTYPE lolz [{''.join(entities)}]>\n"
        f'{GRAPHML_OPEN}<graph edgedefault="undirected"><node id="&lol9;"/></graph></graphml>\n'
    )
    return write(tmp_path / "bomb.graphml", doc)


def truncated_file(tmp_path: Path) -> Path:
    full = tmp_path / "full.graphml"
    nx.write_graphml(nx.path_graph(50), full)
    data = full.read_bytes()
    return write(tmp_path / "truncated.graphml", data[: len(data) // 2])


# ------------------------------------------------------------------------------ GraphML


def test_external_entity_is_refused_and_never_read(tmp_path) -> None:
    path, secret = xxe_file(tmp_path)
    message = refusal(path)
    assert message == (
        f"network.path={str(path)!r} is not a safe GraphML file: it declares a DTD "
        f"(<!DOCTYPE graphml>); {SAFE}"
    )
    assert secret not in message


def test_entity_expansion_bomb_fails_fast(tmp_path) -> None:
    path = bomb_file(tmp_path)
    start = time.perf_counter()
    message = refusal(path)
    assert time.perf_counter() - start < 1.0
    assert "is not a safe GraphML file: it declares a DTD (<!DOCTYPE lolz>)" in message
    assert message.endswith(SAFE)


def test_truncated_graphml_names_the_line(tmp_path) -> None:
    path = truncated_file(tmp_path)
    message = refusal(path)
    assert f"network.path={str(path)!r} line " in message
    assert ": XML error: " in message and "Traceback" not in message


def test_binary_junk_named_graphml(tmp_path) -> None:
    path = write(tmp_path / "junk.graphml", JUNK)
    message = refusal(path)
    assert message.startswith(f"network.path={str(path)!r} line 1, column ")
    assert "XML error: not well-formed (invalid token)" in message


def test_xml_that_is_not_graphml(tmp_path) -> None:
    path = write(tmp_path / "page.graphml", "<html><body>hello</body></html>")
    assert "holds no GraphML <graph> (its root is <html>)" in refusal(path)
    undeclared = write(
        tmp_path / "undeclared.graphml",
        f'{GRAPHML_OPEN}<graph><node id="a"><data key="d9">1</data></node></graph></graphml>',
    )
    assert "is not a readable GraphML file: Bad GraphML data: no key d9;" in refusal(undeclared)


def test_graphml_without_namespace_still_reads(tmp_path) -> None:
    # networkx reads a bare <graphml> root as if it declared the GraphML namespace.
    path = write(
        tmp_path / "bare.graphml",
        '<graphml><graph><node id="a"/><node id="b"/><edge source="a" target="b"/></graph>'
        "</graphml>",
    )
    g = from_file(path, n=2)
    assert g.n == 2 and g.n_edges == 1


def test_graphml_node_count_must_match(tmp_path) -> None:
    path = tmp_path / "g.graphml"
    nx.write_graphml(nx.path_graph(6), path)
    assert from_file(path, n=6, max_mb=MAX_FILE_MB).n == 6
    assert refusal(path, n=7) == (
        f"network.path={str(path)!r} has 6 nodes but customers.n=7; "
        "allowed: customers.n=6, or a file with 7 nodes"
    )


# ---------------------------------------------------------------------------- edge lists


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"0 1\n1 2\n2\x003\n", "line 3: binary data (a NUL byte); allowed: a UTF-8 text"),
        (b"0 1\n1 2\n" + JUNK, "line 3: byte 0x89 is not UTF-8 text; allowed: a UTF-8 text"),
        (b"0 1\n# \xc3\xa9 is fine\n1 2\n2 \xff\xfe\n", "line 4: byte 0xff is not UTF-8 text"),
        ("0 1\n1 2\n\n5\n", "line 4: '5' holds 1 node id; allowed: two node ids per line"),
        ("# a,b\n0,1\n1,\n", "line 3: '1,' holds 1 node id; allowed: two node ids per line"),
        ("0 1\n1 2\n2 -3\n", "line 3: node id '-3' is negative; allowed: integer node ids 0"),
        ("0 1\n1 2\n2 bob\n", "line 3: node id 'bob' is not an integer but line 1 has integer"),
        ("ann bob\nbob 7\n", "line 2: node id '7' is an integer but line 1 has names"),
        ("0 1\n1 2.5\n", "line 2: node id '2.5' is not an integer but line 1 has integer ids"),
    ],
)
def test_edge_list_problem_names_its_line(tmp_path, text, expected) -> None:
    path = write(tmp_path / "edges.txt", text)
    message = refusal(path)
    assert message.startswith(f"network.path={str(path)!r} {expected}"), message


def test_binary_junk_named_txt(tmp_path) -> None:
    path = write(tmp_path / "junk.txt", JUNK)
    message = refusal(path)
    assert message.startswith(f"network.path={str(path)!r} line 1: byte 0x89 is not UTF-8 text")


def test_edge_list_out_of_range_id_and_short_count(tmp_path) -> None:
    path = write(tmp_path / "edges.txt", "# ids 0..3\n0 1\n1 2\n2 3\n3 999\n")
    assert refusal(path, n=4) == (
        f"network.path={str(path)!r} line 5: node id '999' is out of range for customers.n=4 "
        "(ids 0..3); allowed: ids 0..3, or customers.n=5"
    )
    one_based = write(tmp_path / "one_based.txt", "1 2\n2 3\n3 40\n")
    assert "line 3: node id '40' is out of range for customers.n=3 (ids 1..3)" in refusal(
        one_based, n=3
    )
    assert refusal(path, n=9) == (
        f"network.path={str(path)!r} has 5 nodes but customers.n=9 (an edge list holds only "
        "nodes with edges); allowed: customers.n=5, or a file with 9 nodes"
    )


def test_edge_list_semantics_kept(tmp_path) -> None:
    path = write(tmp_path / "e.csv", "# a comment\n10,9\n 9 , 2 # inline\n2,10,3\n")
    g = from_file(path, n=3, max_mb=MAX_FILE_MB)
    assert g.n == 3 and g.n_edges == 3
    names = write(tmp_path / "names.edges", "bob alice\ncarol bob\n")
    assert from_file(names, n=3).n == 3
    comments_only = write(tmp_path / "comments.txt", "# nothing\n")
    assert from_file(comments_only).n == 0
    assert "holds no edges" in refusal(comments_only, n=3)


# ------------------------------------------------------------------------- the file itself


def test_missing_directory_empty_and_device(tmp_path) -> None:
    allowed = "allowed: an edge list or .graphml file"
    assert refusal(tmp_path / "nope.txt").endswith(f"does not exist; {allowed}")
    assert refusal(tmp_path).endswith(f"is a directory; {allowed}")
    empty = write(tmp_path / "empty.graphml", b"")
    assert refusal(empty).endswith(f"is empty; {allowed} with edges")
    if Path("/dev/zero").exists():
        assert "is not a regular file" in refusal(Path("/dev/zero"))


def test_file_over_the_limit_is_refused_unread(tmp_path) -> None:
    path = write(tmp_path / "edges.txt", "0 1\n" * 500)  # 2,000 bytes
    assert refusal(path, max_mb=0.001) == (
        f"network.path={str(path)!r} is 0.002 MB, over network.max_file_mb=0.001; "
        "allowed: a smaller file, or raise network.max_file_mb"
    )
    sparse = tmp_path / "huge.graphml"
    with sparse.open("wb") as fh:  # 190.2 MB of holes: nothing is written or read
        fh.truncate(190_200_000)
    start = time.perf_counter()
    message = refusal(sparse)
    assert time.perf_counter() - start < 1.0
    assert message == (
        f"network.path={str(sparse)!r} is 190.2 MB, over network.max_file_mb=100; "
        "allowed: a smaller file, or raise network.max_file_mb"
    )


def test_build_graph_applies_the_limit(tmp_path) -> None:
    path = write(tmp_path / "edges.txt", "0 1\n1 2\n")
    assert build_graph("file", 3, 0, path=str(path), max_file_mb=1.0).n == 3
    with pytest.raises(ValueError, match="over network.max_file_mb=1e-06"):
        build_graph("file", 3, 0, path=str(path), max_file_mb=1e-6)


# -------------------------------------------------------------------------- pre-flight


def network(path, kind="file", max_file_mb=MAX_FILE_MB) -> SimpleNamespace:
    return SimpleNamespace(kind=kind, path=str(path), max_file_mb=max_file_mb)


def test_graph_file_problem_reads_each_swept_path_and_count(tmp_path) -> None:
    good = write(tmp_path / "good.txt", "0 1\n1 2\n")
    bad = write(tmp_path / "bad.txt", "0 1\n1 -2\n")
    assert graph_file_problem(network(good), 3) is None
    assert graph_file_problem(network(bad, kind="small_world"), 3) is None
    problem = graph_file_problem(network(good), 3, {"network.path": [str(bad)]})
    assert problem is not None and "line 2: node id '-2' is negative" in problem
    problem = graph_file_problem(network(good), 3, {"customers.n": [3, "x", 4]})
    assert problem is not None and "has 3 nodes but customers.n=4" in problem
    assert "over network.max_file_mb" in graph_file_problem(network(good, max_file_mb=1e-6), 3)
    write(good, "0 1\n1 2\n2 x\n")  # changed since it was last checked: read again
    assert "line 3: node id 'x' is not an integer" in graph_file_problem(network(good), 3)


def test_preflight_checks_graph_files(tmp_path) -> None:
    good = write(tmp_path / "good.txt", "0 1\n1 2\n")
    bomb = bomb_file(tmp_path)
    base = ["network=file", f"network.path={good}", "customers.n=3"]
    assert check_overrides(base, CONFIG_DIR) is None
    problem = check_overrides([base[0], f"network.path={good},{bomb}", base[2]], CONFIG_DIR)
    assert problem is not None and problem.endswith(SAFE)
    problem = check_overrides([*base[:2], "customers.n=3,4"], CONFIG_DIR)
    assert problem is not None and "has 3 nodes but customers.n=4" in problem
    problem = check_overrides([*base, "network.max_file_mb=0"], CONFIG_DIR)
    assert problem == "network.max_file_mb=0.0 is invalid; allowed: a number in (0.0, inf)"


# ---------------------------------------------------------------------------- the command


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: network.path=")
    for needle in needles:
        assert needle in lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout


HOSTILE = {
    "xxe": lambda tmp: xxe_file(tmp)[0],
    "bomb": bomb_file,
    "truncated": truncated_file,
    "junk_graphml": lambda tmp: write(tmp / "junk.graphml", JUNK),
    "junk_txt": lambda tmp: write(tmp / "junk.txt", JUNK),
    "one_column": lambda tmp: write(tmp / "one.txt", "0 1\n2\n"),
    "wrong_count": lambda tmp: write(tmp / "edges.txt", "0 1\n1 2\n2 3\n"),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_cli_refuses_bad_graph_file_before_any_folder(tmp_path, repo_root, kind) -> None:
    path = HOSTILE[kind](tmp_path)
    out = tmp_path / "never"
    proc = run_cli(
        ["network=file", f"network.path={path}", "customers.n=3", f"hydra.run.dir={out}"],
        repo_root,
    )
    assert_one_line_error(proc, str(path))
    assert "TOP-SECRET" not in proc.stderr + proc.stdout
    assert not out.exists()


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_cli_rejected_graph_file_leaves_a_previous_run_untouched(tmp_path, repo_root) -> None:
    path = write(tmp_path / "edges.txt", "".join(f"{i} {i + 1}\n" for i in range(39)))
    out = tmp_path / "run"
    args = ["network=file", f"network.path={path}", "customers.n=40", "steps=3"]
    first = run_cli([*args, "output.figures=false", f"hydra.run.dir={out}"], repo_root)
    assert first.returncode == 0, first.stderr
    before = digests(out)
    assert ".hydra/config.yaml" in before and "config.yaml" in before
    write(path, JUNK)  # the file is damaged between the runs
    proc = run_cli([*args, f"hydra.run.dir={out}"], repo_root)
    assert_one_line_error(proc, "line 1: byte 0x89 is not UTF-8 text")
    assert digests(out) == before
