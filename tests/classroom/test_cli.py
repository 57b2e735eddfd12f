"""``python -m classroom``: bad arguments fail in one line; a taken port too."""

import socket
from types import SimpleNamespace

import pytest

from classroom.__main__ import main, parse_args


def run(capsys, *args):
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out = capsys.readouterr()
    return SimpleNamespace(returncode=exit_.value.code, stdout=out.out, stderr=out.err)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--port", "abc"], "allowed: an integer in 1..65535"),
        (["--port", "0"], "allowed: an integer in 1..65535"),
        (["--port", "70000"], "allowed: an integer in 1..65535"),
        (["--colour", "red"], "unrecognized arguments: --colour red"),
    ],
)
def test_bad_arguments_fail_in_one_line(capsys, args, says):
    out = run(capsys, *args)
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and says in out.stderr
    assert out.stdout == ""


def test_a_taken_port_fails_in_one_line_before_anything_is_served(capsys, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        taken = s.getsockname()[1]
        out = run(capsys, "--port", str(taken), "--results", str(tmp_path / "r"))
    assert out.returncode == 2
    assert out.stderr.startswith("error: --host/--port: cannot serve on 127.0.0.1:")
    assert out.stderr.strip().count("\n") == 0 and out.stdout == ""
    assert not (tmp_path / "r").exists()


def test_defaults_bind_to_this_machine_only(tmp_path):
    args = parse_args([])
    assert args.host == "127.0.0.1" and args.port == 8521


def test_results_must_be_a_folder(capsys, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    out = run(capsys, "--results", str(f))
    assert out.returncode == 2 and "allowed: a folder" in out.stderr
