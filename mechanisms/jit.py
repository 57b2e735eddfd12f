"""Compiled kernels: numba's ``njit`` when the JIT is on, the plain function when it is off.

Hot loops over the graph or over negotiations are written twice: a numpy reference (the
specification, always available) and a kernel compiled by numba (made for exactly this).
Both must give identical results; the tests check it on random inputs. Callers choose with
:data:`JIT_ENABLED`: ``CROWDBARGAIN_JIT=0`` in the environment runs every phase on the
numpy reference without compiling anything.

Kernels are compiled once per machine and cached beside their source (``cache=True``), so a
second process loads them instead of compiling. Kernels never draw random numbers: the
caller draws them with the run's numpy generator in the reference's order, so results are
byte-identical with and without the JIT.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import numba

F = TypeVar("F", bound=Callable[..., Any])

#: Values of ``CROWDBARGAIN_JIT`` that turn compilation off.
_OFF = ("0", "false", "no", "off")

#: Whether phases use the compiled kernels (``CROWDBARGAIN_JIT=0`` turns them off).
JIT_ENABLED: bool = os.environ.get("CROWDBARGAIN_JIT", "1").strip().lower() not in _OFF


def kernel(fn: F) -> F:
    """Compile ``fn`` with ``numba.njit(cache=True, nogil=True)``.

    The compiled function keeps the Python original as ``.py_func``, so tests can run the
    same code interpreted. Compilation happens at the first call (or loads from the cache).
    """
    return numba.njit(cache=True, nogil=True)(fn)  # type: ignore[return-value]
