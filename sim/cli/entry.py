"""What every command does around its Hydra app: check first, fail in one line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any, NoReturn

#: Exit code of a command that rejects its input.
BAD_INPUT = 2


def fail(message: str) -> NoReturn:
    """Print ``error: message`` on stderr and exit with :data:`BAD_INPUT`."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(BAD_INPUT)


def checked_main(check: Callable[[list[str]], str | None], app: Callable[[], Any]) -> None:
    """Run ``check`` on the command line; on a problem fail in one line, else run ``app``.

    The check runs before Hydra creates any output folder, so bad input leaves nothing
    behind.
    """
    problem = check(sys.argv[1:])
    if problem:
        fail(problem)
    app()


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``error: ...``) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        """Fail in one line, without the usage block."""
        fail(message)
