"""Importing ``sim`` pauses the cyclic collector for the import only."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("enabled", [True, False])
def test_import_leaves_the_collector_as_it_found_it(enabled, repo_root):
    code = (
        "import gc\n"
        f"{'gc.enable()' if enabled else 'gc.disable()'}\n"
        "frozen = gc.get_freeze_count()\n"
        "import sim\n"
        "print(gc.isenabled(), gc.get_freeze_count() > frozen + 100_000)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=repo_root, capture_output=True, text=True, check=True
    )
    # The import's objects leave the collector's generations; its state is restored.
    assert out.stdout.split() == [str(enabled), "True"]
