"""Exit areas: an agent whose centre enters an exit polygon has evacuated."""

from __future__ import annotations

from numba import njit


@njit(cache=True, nogil=True)
def point_in_ring(x: float, y: float, ring, lo: int, hi: int) -> bool:
    """Even–odd ray-casting test of (x, y) against the closed ring ``ring[lo:hi]`` ((V, 2) float64)."""
    inside = False
    j = hi - 1
    for i in range(lo, hi):
        xi = ring[i, 0]
        yi = ring[i, 1]
        xj = ring[j, 0]
        yj = ring[j, 1]
        if (yi > y) != (yj > y):
            xc = xi + (y - yi) * (xj - xi) / (yj - yi)
            if x < xc:
                inside = not inside
        j = i
    return inside


@njit(cache=True, nogil=True)
def exit_containing(x: float, y: float, bbox, ring_start, ring, ring_exit, is_open) -> int:
    """Index of the first open exit whose area contains (x, y), or -1.

    An exit area may have several parts (a MULTIPOLYGON): one ring per part.

    Args:
        bbox: (R, 4) xmin, ymin, xmax, ymax per ring.
        ring_start: (R + 1,) offsets of each ring in ``ring``; ring: (V, 2) vertices.
        ring_exit: (R,) the exit each ring belongs to; is_open: (E,) bool.
    """
    for k in range(bbox.shape[0]):
        e = ring_exit[k]
        if not is_open[e]:
            continue
        if x < bbox[k, 0] or x > bbox[k, 2] or y < bbox[k, 1] or y > bbox[k, 3]:
            continue
        if point_in_ring(x, y, ring, ring_start[k], ring_start[k + 1]):
            return e
    return -1
