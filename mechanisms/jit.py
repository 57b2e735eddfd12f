"""Compiled kernels: numba for the hot loops of large markets, the numpy reference otherwise.

Hot loops over the graph or over negotiations are written twice: a numpy reference (the
specification, always available) and a kernel compiled by numba (made for exactly this).
Both give identical results; the tests check it on random inputs. Kernels never draw random
numbers: the caller draws them with the run's numpy generator in the reference's order, so
a run is byte-identical whichever path each phase takes.

Compiling costs once per machine (kernels are cached beside their source, ``cache=True``),
but loading numba and the kernels' machine code costs about 0.25 s in every process (with
the collector paused, :func:`collector_paused`; twice that without). A 1,000-customer
market, whose whole run takes less, does not earn that back, so by default a phase uses its
kernel only when its work is large (:func:`use_kernels`); ``CROWDBARGAIN_JIT`` in the
environment overrides:

* ``auto`` (default): kernels for work of at least :data:`MIN_WORK` items (at least
  :data:`LOADED_MIN_WORK` once numba is loaded in the process);
* ``1`` / ``on``: kernels always (the kernel tests use this);
* ``0`` / ``off``: never: every phase runs its numpy reference and numba is never imported.

The kernels live in :mod:`mechanisms.kernels`, the only modules that import numba. The
reference modules name them with :func:`lazy_kernel` (module path and name), so that a
kernel's module, and numba, are imported on the kernel's first call and never by a small
run (or under ``CROWDBARGAIN_JIT=0``). Once loaded, kernels serve smaller work under
``auto`` (from :data:`LOADED_MIN_WORK` items): a process that has paid numba's start-up (a
campaign worker after :func:`warm_up`) gains from them on mid-sized markets, while on tiny
arrays a kernel call costs more than the few numpy calls it replaces (a warm 1,000-customer
run: 0.110 s with kernels everywhere, 0.078 s with this threshold; 3,000 customers: 0.161 s
and 0.113 s).
"""

from __future__ import annotations

import functools
import gc
import importlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: Work (customers, negotiations, edges) from which ``auto`` uses the kernels.
MIN_WORK = 20_000
#: Work from which ``auto`` uses the kernels once numba is loaded (no start-up to earn back).
LOADED_MIN_WORK = 5_000

_MODES = {"auto": "auto", "": "auto", "1": "on", "on": "on", "true": "on", "yes": "on"}
_MODES |= {"0": "off", "off": "off", "false": "off", "no": "off"}


def jit_mode(value: str | None = None) -> str:
    """The JIT mode, ``"auto"``, ``"on"`` or ``"off"``, from ``CROWDBARGAIN_JIT`` (or ``value``).

    Raises:
        ValueError: on a value that names no mode.
    """
    raw = os.environ.get("CROWDBARGAIN_JIT", "auto") if value is None else value
    mode = _MODES.get(raw.strip().lower())
    if mode is None:
        raise ValueError(f"CROWDBARGAIN_JIT={raw!r} is invalid; allowed: auto, 1/on, 0/off")
    return mode


def _process_mode() -> str:
    # An invalid value must not break an import; it falls back to ``auto`` here and the
    # command-line pre-flight reports it.
    try:
        return jit_mode()
    except ValueError:
        return "auto"


#: This process's JIT mode (``CROWDBARGAIN_JIT``).
MODE: str = _process_mode()

#: Whether kernels may be used at all in this process.
JIT_ENABLED: bool = MODE != "off"


#: Whether a kernel has been loaded in this process (numba's start-up is then paid).
_LOADED = False


def use_kernels(work: int) -> bool:
    """Whether a phase with ``work`` items should run its kernel rather than its reference.

    Under ``auto``: when the work is at least :data:`MIN_WORK`, or :data:`LOADED_MIN_WORK`
    once numba is loaded in this process.
    """
    threshold = LOADED_MIN_WORK if _LOADED else MIN_WORK
    return MODE == "on" or (MODE == "auto" and work >= threshold)


class LazyKernel:
    """A kernel of :mod:`mechanisms.kernels`, imported (with numba) on its first call.

    Attributes:
        module: Module path of the kernel (``mechanisms.kernels.NAME``).
        name: Name of the numba dispatcher in that module.
    """

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name
        self._ran = False

    @functools.cached_property
    def compiled(self) -> Callable[..., Any]:
        """The numba dispatcher (imports its module and numba; compiles or loads on call)."""
        global _LOADED
        _LOADED = True
        with collector_paused():
            return getattr(importlib.import_module(self.module), self.name)

    @property
    def py_func(self) -> Callable[..., Any]:
        """The kernel's plain Python function (runs interpreted)."""
        return self.compiled.py_func

    def __call__(self, *args: Any) -> Any:
        """Run the compiled kernel (the first call loads or compiles its machine code)."""
        if self._ran:
            return self.compiled(*args)
        with collector_paused():
            out = self.compiled(*args)
        self._ran = True
        return out


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a block, then restore its state.

    Loading numba, or a kernel's machine code, makes ~10^5 long-lived objects; collections
    in the middle of it rescan them all for nothing (~0.1 s of a cold 10^5-customer run).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def lazy_kernel(module: str, name: str) -> LazyKernel:
    """The kernel ``name`` of ``module``, loaded on its first call."""
    return LazyKernel(module, name)


def warm_up() -> None:
    """Load numba and initialise its compiler now (a worker that will run many markets).

    After this, :func:`use_kernels` answers True for any work under ``auto``: the cost that
    made small markets prefer numpy has been paid.
    """
    if MODE != "off":
        lazy_kernel("mechanisms.kernels", "noop")()
