"""Fixtures of the classroom tests: a live server process (the browser is in tests/conftest.py).

Browser tests drive Debian's ``chromium`` (installed by ``scripts/install-browser``, which
``make test`` runs) through Playwright; nothing is downloaded. Screenshots go to
``$CLASSROOM_SCREENSHOTS`` (``make screenshots`` points it at ``docs/img``), else to a
temporary folder.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """A ``python -m classroom`` process on 127.0.0.1 and its results folder."""

    def __init__(self, results: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.results = results
        self.log = results.parent / f"server-{self.port}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "classroom", "--port", str(self.port), "--results", results],
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Block until the dashboard answers at ``/`` (or fail with the server's log)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if httpx.get(self.url + "/", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"classroom server did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        """Terminate the server."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One classroom server for the session (per xdist worker)."""
    server = LiveServer(tmp_path_factory.mktemp("classroom") / "results")
    server.wait_ready()
    yield server
    server.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """A failed test against the live server shows the end of the server's log.

    The server is another process: its tracebacks (a play loop's error, say) are otherwise
    lost with its temporary folder.
    """
    outcome = yield
    report = outcome.get_result()
    server = getattr(item, "funcargs", {}).get("live_server")
    if report.failed and isinstance(server, LiveServer) and server.log.is_file():
        report.sections.append(("classroom server log (end)", server.log.read_text()[-5000:]))


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where browser tests save their screenshots."""
    target = os.environ.get("CLASSROOM_SCREENSHOTS")
    path = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
