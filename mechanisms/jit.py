"""Compiled kernels: numba for the hot loops of large markets, the numpy reference otherwise.

Hot loops over the graph or over negotiations are written twice: a numpy reference (the
specification, always available) and a kernel compiled by numba (made for exactly this).
Both give identical results; the tests check it on random inputs. Kernels never draw random
numbers: the caller draws them with the run's numpy generator in the reference's order, so
a run is byte-identical whichever path each phase takes.

Compiling costs once per machine (kernels are cached beside their source, ``cache=True``),
but loading numba and its compiler costs about a second in every process. A 1,000-customer
market does not earn that back, so by default a phase uses its kernel only when its work is
large (:func:`use_kernels`); ``CROWDBARGAIN_JIT`` in the environment overrides:

* ``auto`` (default): kernels for work of at least :data:`MIN_WORK` items;
* ``1`` / ``on``: kernels always (the kernel tests use this);
* ``0`` / ``off``: never: every phase runs its numpy reference and numba is never imported.

numba is therefore imported on the first call of a kernel, in :meth:`Kernel.compiled` and
nowhere else, so that a small run (and ``CROWDBARGAIN_JIT=0``) never pays for it.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Callable
from typing import Any

#: Work (customers, negotiations, edges) from which ``auto`` uses the kernels.
MIN_WORK = 20_000

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


def use_kernels(work: int) -> bool:
    """Whether a phase with ``work`` items should run its kernel rather than its reference."""
    return MODE == "on" or (MODE == "auto" and work >= MIN_WORK)


class Kernel:
    """A function compiled by numba on its first call (``njit(cache=True, nogil=True)``).

    Attributes:
        py_func: The plain Python function (runs interpreted; the tests use it too).
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.py_func = fn
        functools.update_wrapper(self, fn)

    @functools.cached_property
    def compiled(self) -> Callable[..., Any]:
        """The numba dispatcher (imports numba, then loads or compiles the kernel)."""
        numba = importlib.import_module("numba")
        return numba.njit(cache=True, nogil=True)(self.py_func)

    def __call__(self, *args: Any) -> Any:
        """Run the compiled kernel."""
        return self.compiled(*args)


def kernel(fn: Callable[..., Any]) -> Kernel:
    """Mark ``fn`` as a kernel, compiled by numba on its first call."""
    return Kernel(fn)
