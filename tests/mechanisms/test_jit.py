"""The JIT switch: who imports numba, when kernels serve, and how the setting is read."""

import ast
import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mechanisms import jit
from mechanisms.jit import LazyKernel, collector_paused

ROOT = Path(__file__).resolve().parents[2]


def test_only_the_kernel_modules_import_numba():
    importers = set()
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] not in ("mechanisms", "agents", "sim", "experiments"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n == "numba" or n.startswith("numba.") for n in names):
                importers.add(path.relative_to(ROOT).parts[:2])
    assert importers == {("mechanisms", "kernels")}


@pytest.mark.parametrize(
    ("value", "mode"),
    [("auto", "auto"), ("", "auto"), ("1", "on"), (" ON ", "on"), ("0", "off"), ("false", "off")],
)
def test_settings_are_read_case_and_space_insensitively(value, mode):
    assert jit.jit_mode(value) == mode


def test_an_unknown_setting_names_the_variable_and_the_allowed_values():
    with pytest.raises(ValueError, match=r"CROWDBARGAIN_JIT='fast' is invalid; allowed: auto"):
        jit.jit_mode("fast")


def test_auto_uses_kernels_for_large_work_and_for_smaller_work_once_loaded(monkeypatch):
    monkeypatch.setattr(jit, "MODE", "auto")
    monkeypatch.setattr(jit, "_LOADED", False)
    assert not jit.use_kernels(jit.MIN_WORK - 1) and jit.use_kernels(jit.MIN_WORK)
    monkeypatch.setattr(jit, "_LOADED", True)
    assert not jit.use_kernels(jit.LOADED_MIN_WORK - 1)
    assert jit.use_kernels(jit.LOADED_MIN_WORK)
    assert jit.LOADED_MIN_WORK < jit.MIN_WORK
    monkeypatch.setattr(jit, "MODE", "off")
    assert not jit.use_kernels(10**9)
    monkeypatch.setattr(jit, "MODE", "on")
    assert jit.use_kernels(0)


def test_a_small_run_and_a_run_without_jit_never_load_numba():
    script = (
        "import sys; from sim import MarketModel; MarketModel(customers={'n': 300}, steps=5)"
        ".run(); print('numba' in sys.modules)"
    )
    for mode in ("auto", "0"):
        out = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
            env={**os.environ, "CROWDBARGAIN_JIT": mode},
        )  # fmt: skip
        assert out.stdout.strip() == "False", mode


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_pauses_for_a_block_and_comes_back_as_it_was(enabled):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        with pytest.raises(RuntimeError), collector_paused():
            assert not gc.isenabled()
            raise RuntimeError
        assert gc.isenabled() == enabled
    finally:
        gc.enable() if was else gc.disable()


def test_a_kernels_first_call_runs_with_the_collector_paused():
    kernel = LazyKernel("mechanisms.kernels", "noop")
    kernel.__dict__["compiled"] = lambda: gc.isenabled()  # stands in for the dispatcher
    assert gc.isenabled()
    assert kernel() is False  # loading machine code: paused
    assert kernel() is True  # later calls: untouched
    assert gc.isenabled()
