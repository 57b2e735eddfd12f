"""A command's refusal of bad input: nothing on stdout, one line on stderr, exit status 2."""

from collections.abc import Callable

import pytest


def one_line_refusal(capsys: pytest.CaptureFixture[str], main: Callable, args: list[str]) -> str:
    """Run ``main(args)``; assert it exits 2 with one stderr line and no stdout; that line."""
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.strip().splitlines()
    return line
