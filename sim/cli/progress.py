"""A progress bar for a Hydra multirun, fed by the run folders the jobs write.

With the joblib launcher the jobs run in other processes, so the parent never sees a job
end. What every launcher shares is the sweep folder: a run that succeeded has written its
``manifest.json`` there (its last file), a run that failed a :data:`FAILED` note, written
in the job's own process (by ``on_job_end`` for an exception, see :mod:`sim.cli.callbacks`,
or by :mod:`sim.run` before it exits on a bad value). A thread of the parent counts those
written since the sweep started and draws a tqdm bar on stderr: runs finished of the total,
the failed ones, the rate and the time left.

On a terminal the bar redraws in place, and what this process prints on the same terminal
(Hydra's job lines, run summaries: the basic launcher runs the jobs here) goes above it
rather than after it. Anywhere else (CI, a redirected log) each redraw is one line, printed
less often, so a log shows the progress without carriage returns.
"""

from __future__ import annotations

import atexit
import io
import math
import os
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import IO

from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf
from tqdm import tqdm

from sim.results.io import write_text

#: The file a failed job leaves in its run folder (its error, one line).
FAILED = "failed.txt"
#: The file a successful run writes last (:mod:`sim.cli.run_folder`).
MANIFEST = "manifest.json"

#: Hydra's sweeper whose jobs are the product of the sweeps (the only one we can count).
BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"

#: Seconds between scans of the sweep folder, at least; a scan of a large folder waits
#: SCAN_SHARE times its own duration, so counting never takes more than ~5% of a core (with
#: the basic launcher it shares the jobs' interpreter).
POLL_S = 1.0
SCAN_SHARE = 20
#: Seconds between redraws: on a terminal the bar moves smoothly; a log gets a line every
#: 10 s at most (a 1,000-run sweep of ~26 min prints ~160 lines, not thousands).
REDRAW_TTY_S = 1.0
REDRAW_LOG_S = 10.0


def note_failure(run_dir: Path | str, error: BaseException) -> None:
    """Leave ``error`` (one line) in the run folder's :data:`FAILED` note, for the bar."""
    text = " ".join(str(error).split())
    write_text(Path(run_dir) / FAILED, f"{type(error).__name__}: {text}\n")


def clear_failure(run_dir: Path | str) -> None:
    """Remove the note an earlier failed run left in a run folder that now succeeded."""
    (Path(run_dir) / FAILED).unlink(missing_ok=True)


def filesystem_now_ns(folder: Path | str) -> int:
    """The filesystem's clock now: the mtime of a file created (and removed) in ``folder``.

    Run files are compared with this stamp, not with ``time.time()``: a file's mtime comes
    from the kernel's coarse clock (or a network filesystem's own), which can lag the
    process clock, and a coarse filesystem (1–2 s steps) truncates both sides alike.
    ``folder`` is created if missing (Hydra would create it for the first job anyway).
    """
    Path(folder).mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".sweep-start-") as stamp:
        return os.fstat(stamp.fileno()).st_mtime_ns


def sweep_size(config: DictConfig) -> int | None:
    """How many jobs Hydra's basic sweeper will launch for ``config``'s overrides.

    As :meth:`BasicSweeper.split_arguments` does: ``hydra.sweeper.params`` then the
    command line, the last override of a key wins, the jobs are the product of the sweeps'
    lengths (counted, not listed). None for another sweeper or overrides we cannot expand.
    """
    sweeper = config.hydra.sweeper
    if sweeper.get("_target_") != BASIC_SWEEPER:
        return None
    params = sweeper.get("params") or {}
    overrides = [f"{k}={v}" for k, v in params.items()]
    overrides += OmegaConf.to_container(config.hydra.overrides.task, resolve=False)
    gh = GlobalHydra.instance()
    # A group glob (``network=glob(*)``) needs the config loader to list the group's options.
    loader = gh.config_loader() if gh.is_initialized() else None
    try:
        parsed = OverridesParser.create(config_loader=loader).parse_overrides(overrides)
        lengths: OrderedDict[str, int] = OrderedDict()
        for o in parsed:
            n = sum(1 for _ in o.sweep_iterator()) if o.is_sweep_override() else 1
            lengths[o.get_key_element()] = n
    except Exception:  # an override the sweeper would reject: it reports that itself
        return None
    return math.prod(lengths.values())


class RunCounter:
    """Counts the runs below a sweep folder that finished since the sweep started.

    A run is done when its ``manifest.json`` (the last file a run writes) is fresh, failed
    when its :data:`FAILED` note is; either way it is final, so later scans skip its
    folder and stay cheap however many runs have finished (a walk of every run folder took
    ~0.3 s at 2,000 runs here).

    Args:
        root: The sweep folder.
        since_ns: The sweep's start (a filesystem timestamp, :func:`filesystem_now_ns`).
    """

    def __init__(self, root: Path | str, since_ns: int) -> None:
        self.root = str(root)
        self.since_ns = since_ns
        self._done: set[str] = set()
        self._failed: set[str] = set()

    def count(self) -> tuple[int, int]:
        """Scan the folders not yet final; returns ``(done, failed)``."""
        final = self._done | self._failed
        for folder, dirs, files in os.walk(self.root):
            # Hydra's own files are never a result; a final run folder does not change.
            dirs[:] = [d for d in dirs if d != ".hydra" and os.path.join(folder, d) not in final]
            if FAILED in files and self._fresh(folder, FAILED):
                self._failed.add(folder)
            elif MANIFEST in files and self._fresh(folder, MANIFEST):
                self._done.add(folder)
        return len(self._done), len(self._failed)

    def _fresh(self, folder: str, name: str) -> bool:
        try:
            return os.stat(os.path.join(folder, name)).st_mtime_ns >= self.since_ns
        except FileNotFoundError:  # removed since listed (a run clearing its folder)
            return False


class _Lines(io.TextIOBase):
    """A stream that prints each of tqdm's in-place redraws as a line of its own."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write ``text`` without tqdm's carriage return and padding, newline-terminated."""
        line = text.replace("\r", "").rstrip()
        if line:
            self._stream.write(line + "\n")
            self._stream.flush()
        return len(text)

    def flush(self) -> None:
        """Flush the underlying stream."""
        self._stream.flush()


class _AboveBar:
    """``sys.stdout`` while a bar is drawn on the same terminal: whole lines go above the bar.

    A line is held until its newline, then the bar is erased, the line written and the bar
    drawn again, all under the bar's lock (the counting thread draws too).
    """

    def __init__(self, stream: IO[str], bar: tqdm, lock: threading.RLock) -> None:
        self._stream = stream
        self._bar = bar
        self._lock = lock
        self._pending = ""

    def write(self, text: str) -> int:
        """Hold ``text`` until a newline, then write the whole lines above the bar."""
        with self._lock:
            self._pending += text
            if "\n" in self._pending:
                lines, _, self._pending = self._pending.rpartition("\n")
                self._bar.clear()
                self._stream.write(lines + "\n")
                self._stream.flush()
                self._bar.refresh()
        return len(text)

    def release(self) -> IO[str]:
        """Write what is held and return the stream this stood for."""
        with self._lock:
            self._stream.write(self._pending)
            self._pending = ""
            self._stream.flush()
        return self._stream

    def flush(self) -> None:
        """Flush the terminal (a partial line stays held until its newline)."""
        self._stream.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)  # isatty, fileno, encoding...


class SweepBar:
    """A tqdm bar on stderr counting the runs of one sweep folder, from a thread.

    Args:
        root: The sweep folder (``hydra.sweep.dir``).
        total: The number of jobs (None: unknown, the bar counts without a total).
        since_ns: Count only runs finished at or after this filesystem timestamp.
        stream: Where to draw (default: ``sys.stderr``).
    """

    def __init__(
        self,
        root: Path | str,
        total: int | None,
        since_ns: int,
        stream: IO[str] | None = None,
    ) -> None:
        self._runs = RunCounter(root, since_ns)
        stream = sys.stderr if stream is None else stream
        tty = stream.isatty()
        self._bar = tqdm(
            total=total,
            desc="sweep",
            unit="run",
            # tqdm is silent off a terminal unless told otherwise; CI logs want progress.
            disable=False,
            file=stream if tty else _Lines(stream),
            mininterval=REDRAW_TTY_S if tty else REDRAW_LOG_S,
            dynamic_ncols=tty,
            postfix={"failed": 0},
        )
        self._tty = tty
        self._failed = 0
        self._stop = threading.Event()
        # Re-entrant: something printed while the bar is drawn must not wait for itself.
        self._lock = threading.RLock()
        self._closed = False
        self._thread = threading.Thread(target=self._watch, name="sweep-progress", daemon=True)
        self._stdout: _AboveBar | None = None
        if tty and sys.stdout is not None and sys.stdout.isatty():
            self._stdout = _AboveBar(sys.stdout, self._bar, self._lock)

    def start(self) -> SweepBar:
        """Start counting, and register :meth:`close` to run at exit.

        A failed sweep skips Hydra's ``on_multirun_end``; the bar should still show where
        it stopped.
        """
        atexit.register(self.close)
        if self._stdout is not None:
            sys.stdout = self._stdout
        self._thread.start()
        return self

    def _watch(self) -> None:
        wait = POLL_S
        while not self._stop.wait(wait):
            t0 = time.perf_counter()
            self._show(final=False)
            wait = max(POLL_S, SCAN_SHARE * (time.perf_counter() - t0))

    def _show(self, final: bool) -> None:
        done, failed = self._runs.count()
        bar = self._bar
        with self._lock:
            if failed != self._failed:
                self._failed = failed
                bar.set_postfix(failed=failed, refresh=False)
            if final:
                bar.n = done + failed  # close() draws it once
            elif done + failed != bar.n:
                bar.update(done + failed - bar.n)
            elif self._tty:
                bar.refresh()  # keep the elapsed time and ETA moving during long runs

    def close(self) -> None:
        """Stop counting, draw the final count and close the bar (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()
        self._show(final=True)
        self._bar.close()
        if self._stdout is not None:
            stream = self._stdout.release()
            if sys.stdout is self._stdout:
                sys.stdout = stream
        atexit.unregister(self.close)
