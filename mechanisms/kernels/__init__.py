"""numba kernels of the hot loops: the only modules that import numba.

Each module here compiles the loops of one reference module of :mod:`mechanisms`
(``kernels.discovery`` for ``mechanisms.discovery``, and so on); the reference modules call
them through :func:`mechanisms.jit.lazy_kernel`, so this package is imported on a kernel's
first call. :data:`kernel` is the one decorator: ``numba.njit(cache=True, nogil=True)``
(compiled once per machine, cached beside the source; no GIL, so a caller may use threads).
"""

from __future__ import annotations

import numba

#: The decorator of every kernel.
kernel = numba.njit(cache=True, nogil=True)


@kernel
def noop() -> int:  # pragma: no cover - compiled
    """Nothing: its first call initialises numba's compiler (:func:`mechanisms.jit.warm_up`)."""
    return 0
