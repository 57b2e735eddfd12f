"""What every command does around its Hydra app: check first, fail in one line."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from mechanisms.jit import jit_mode
from sim.cli.preflight import check_command_line, check_output_folder, forget_compositions

#: Exit code of a command that rejects its input.
BAD_INPUT = 2
#: Exit code of a command stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
INTERRUPTED = 130


def fail(message: str) -> NoReturn:
    """Print ``error: message`` on stderr and exit with :data:`BAD_INPUT`."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(BAD_INPUT)


def checked_main(
    check: Callable[[list[str]], str | None],
    app: Callable[[], Any],
    config_name: str | None = None,
) -> None:
    """Check the command line; on a problem fail in one line, else run ``app``.

    In order: ``CROWDBARGAIN_JIT``; what no command takes
    (:func:`~sim.cli.preflight.check_command_line`: unparsable overrides, overrides that
    could run code, deletions of model nodes, unknown model keys); the output folder, when
    ``config_name`` is given (:func:`~sim.cli.preflight.check_output_folder`); then the
    command's own ``check``. All of it runs before Hydra creates any output folder, so bad
    input leaves nothing behind. Ctrl-C or SIGTERM during ``app`` ends it with one line and
    exit code 130.

    Args:
        check: The command's check of its arguments: a one-line problem, or None.
        app: The Hydra app.
        config_name: The app's primary config, whose ``hydra.run.dir`` (``hydra.sweep.dir``
            with ``-m``) is checked; None skips that check.
    """
    try:
        jit_mode()
    except ValueError as exc:
        fail(str(exc))
    argv = sys.argv[1:]
    forget_compositions()
    problem = check_command_line(argv)
    if not problem and config_name is not None:
        problem = check_output_folder(argv, config_name)
    if not problem:
        problem = check(argv)
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


def integer_at_least(low: int) -> Callable[[str], int]:
    """An argparse ``type`` that takes a whole number of at least ``low``.

    A bad value reads ``argument --flag: 'x' is invalid; allowed: an integer >= 1``.
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(f"{text!r} is invalid; allowed: an integer >= {low}")
        return value

    return parse
