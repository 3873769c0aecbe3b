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
def exit_containing(x: float, y: float, bbox, ring_start, ring, is_open) -> int:
    """Index of the first open exit whose area contains (x, y), or -1.

    Args:
        bbox: (E, 4) xmin, ymin, xmax, ymax per exit.
        ring_start: (E + 1,) offsets of each exit's outer ring in ``ring``.
        ring: (V, 2) vertices; is_open: (E,) bool.
    """
    for e in range(bbox.shape[0]):
        if not is_open[e]:
            continue
        if x < bbox[e, 0] or x > bbox[e, 2] or y < bbox[e, 1] or y > bbox[e, 3]:
            continue
        if point_in_ring(x, y, ring, ring_start[e], ring_start[e + 1]):
            return e
    return -1
