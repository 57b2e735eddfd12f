import os
import shutil
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings
from playwright.sync_api import Browser, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Hypothesis profiles, chosen by HYPOTHESIS_PROFILE (default: ``ci`` when CI is set, else
# ``dev``):
# - ``dev``: fresh random examples, 40 per property;
# - ``ci``: a fixed set of 25 (derandomized: reproducible runs);
# - ``thorough``: 1,000 fresh examples per property, for a search before a release
#   (``HYPOTHESIS_PROFILE=thorough make test``).
# A profile sets the example count of every property test that does not set its own: the
# model invariants, the override fuzz, the policy and mechanism properties. Tests with an
# explicit ``@settings(max_examples=...)`` (the numba kernel equivalence tests, the division
# rules, the campaign store) keep their count in every profile: explicit settings win.
settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


@pytest.fixture(scope="session")
def repo_root():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent


def chromium_path() -> str:
    """Debian's Chromium, which ``scripts/install-browser`` installs (never downloaded)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("chromium is not installed: run scripts/install-browser (make test does)")
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """A headless Chromium driven by Playwright, shared by every browser test of a session."""
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()
