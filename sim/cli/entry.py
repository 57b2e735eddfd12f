"""What every command does around its Hydra app: check first, fail in one line."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from mechanisms.jit import jit_mode

#: Exit code of a command that rejects its input.
BAD_INPUT = 2
#: Exit code of a command stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
INTERRUPTED = 130


def fail(message: str) -> NoReturn:
    """Print ``error: message`` on stderr and exit with :data:`BAD_INPUT`."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(BAD_INPUT)


def checked_main(check: Callable[[list[str]], str | None], app: Callable[[], Any]) -> None:
    """Run ``check`` on the command line; on a problem fail in one line, else run ``app``.

    The check (and that of ``CROWDBARGAIN_JIT``) runs before Hydra creates any output
    folder, so bad input leaves nothing behind. Ctrl-C or SIGTERM during ``app`` ends it
    with one line and exit code 130.
    """
    try:
        jit_mode()
    except ValueError as exc:
        fail(str(exc))
    problem = check(sys.argv[1:])
    if problem:
        fail(problem)
    # SIGTERM unwinds like Ctrl-C, so worker pools (joblib's, a campaign's) stop their
    # workers on the way out instead of leaving them orphaned.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        app()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(INTERRUPTED)


def _raise_interrupt(signum: int, frame: Any) -> NoReturn:
    raise KeyboardInterrupt


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``error: ...``) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        """Fail in one line, without the usage block."""
        fail(message)
