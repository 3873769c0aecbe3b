"""Counter-based random numbers for kernels: the same draw whatever the thread count.

A draw is a pure function of (seed, step, a, b) through the SplitMix64 finaliser (Steele, Lea &
Flood 2014, "Fast splittable pseudorandom number generators", OOPSLA), so kernels never carry a
random state and a parallel loop draws exactly what a serial one would.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True, nogil=True, inline="always")
def _mix(z):
    z = (z ^ (z >> uint64(30))) * _M1
    z = (z ^ (z >> uint64(27))) * _M2
    return z ^ (z >> uint64(31))


@njit(cache=True, nogil=True)
def uniform01(seed: int, step: int, a: int, b: int) -> float:
    """A uniform number in [0, 1) determined by its four integer keys."""
    z = _mix(uint64(seed) + _GOLDEN)
    z = _mix(z ^ (uint64(step) + _GOLDEN))
    z = _mix(z ^ (uint64(a + 1) * _GOLDEN))
    z = _mix(z ^ (uint64(b + 7) * _M1))
    return float(z >> uint64(11)) * (1.0 / 9007199254740992.0)
