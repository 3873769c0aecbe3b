"""pygame, imported quietly, and pixel-level helpers for 32-bit surfaces."""

from __future__ import annotations

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np
import pygame

__all__ = ["Pixels", "pack", "pygame"]


def pack(surface: pygame.Surface, rgb: np.ndarray) -> np.ndarray:
    """RGB colours ``(..., 3)`` uint8 to the surface's packed 32-bit pixel values (opaque)."""
    rs, gs, bs, _ = surface.get_shifts()
    amask = surface.get_masks()[3]
    rgb = np.asarray(rgb, dtype=np.uint32)
    return (rgb[..., 0] << rs) | (rgb[..., 1] << gs) | (rgb[..., 2] << bs) | np.uint32(amask)


class Pixels:
    """Direct write access to a 32-bit surface's pixels as a flat uint32 array.

    Use as a context manager: the surface stays locked (no blits or draws) until the block ends.
    Pixel ``(x, y)`` is element ``y·stride + x``.
    """

    def __init__(self, surface: pygame.Surface):
        if surface.get_bytesize() != 4:
            raise ValueError("the renderer draws on 32-bit surfaces only")
        self.surface = surface
        self.stride = surface.get_pitch() // 4
        self._proxy = None
        self.flat: np.ndarray | None = None

    def __enter__(self) -> Pixels:
        self._proxy = self.surface.get_buffer()
        self.flat = np.frombuffer(self._proxy, dtype=np.uint32)
        return self

    def __exit__(self, *exc: object) -> None:
        self.flat = None
        self._proxy = None
