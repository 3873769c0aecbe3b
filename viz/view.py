"""The world→screen transform of one panel: metres to pixels, y up in the world, down on screen.

``screen_x = left + ox + scale·x`` and ``screen_y = top + oy − scale·y``, with ``scale`` in pixels
per metre and ``(left, top)`` the panel's corner on the window. Pure numpy, no pygame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

__all__ = ["View"]

_MIN_SCALE: Final = 0.05  # px/m: a 20 km site fits 1000 px
_MAX_SCALE: Final = 2000.0  # px/m: a body fills the screen


@dataclass
class View:
    """The transform of one panel.

    Attributes:
        left, top: the panel's top-left corner on the window (px).
        width, height: the panel's size (px).
        scale: pixels per metre.
        ox, oy: screen position of the world origin relative to the panel corner (px).
    """

    left: int
    top: int
    width: int
    height: int
    scale: float = 1.0
    ox: float = 0.0
    oy: float = 0.0

    @classmethod
    def fitted(
        cls,
        bounds: tuple[float, float, float, float],
        rect: tuple[int, int, int, int],
        *,
        margin_px: int = 12,
        top_inset_px: int = 0,
    ) -> View:
        """A view of ``rect = (left, top, width, height)`` showing ``bounds`` whole, centred."""
        view = cls(*rect)
        view.fit(bounds, margin_px=margin_px, top_inset_px=top_inset_px)
        return view

    @property
    def rect(self) -> tuple[int, int, int, int]:
        """``(left, top, width, height)`` of the panel on the window."""
        return self.left, self.top, self.width, self.height

    def fit(
        self,
        bounds: tuple[float, float, float, float],
        *,
        margin_px: int = 12,
        top_inset_px: int = 0,
    ) -> None:
        """Zoom and pan so ``bounds = (xmin, ymin, xmax, ymax)`` fills the panel, centred.

        With ``top_inset_px`` (room for the figures at the top), the venue goes below the inset
        if that costs at most 15 % of the scale; otherwise it uses the whole panel.
        """
        xmin, ymin, xmax, ymax = bounds
        w = max(xmax - xmin, 1e-6)
        h = max(ymax - ymin, 1e-6)
        avail_w = max(self.width - 2 * margin_px, 1)
        avail_h = max(self.height - 2 * margin_px, 1)
        full = min(avail_w / w, avail_h / h)
        inset = min(avail_w / w, max(avail_h - top_inset_px, 1) / h)
        top = top_inset_px if top_inset_px and inset >= 0.85 * full else 0
        self.scale = float(np.clip(inset if top else full, _MIN_SCALE, _MAX_SCALE))
        cx, cy = (xmin + xmax) / 2.0, (ymin + ymax) / 2.0
        self.ox = self.width / 2.0 - cx * self.scale
        self.oy = top + (self.height - top) / 2.0 + cy * self.scale

    def resize(self, rect: tuple[int, int, int, int]) -> None:
        """Move the panel to a new rectangle, keeping the world point at its centre."""
        cx, cy = self.to_world(self.left + self.width / 2.0, self.top + self.height / 2.0)
        self.left, self.top, self.width, self.height = rect
        self.centre_on(cx, cy)

    def to_screen(self, xy: np.ndarray) -> np.ndarray:
        """World points ``(n, 2)`` in metres to window pixels ``(n, 2)`` (float)."""
        xy = np.asarray(xy, dtype=np.float64)
        out = np.empty(xy.shape)
        out[..., 0] = self.left + self.ox + xy[..., 0] * self.scale
        out[..., 1] = self.top + self.oy - xy[..., 1] * self.scale
        return out

    def point_to_screen(self, x: float, y: float) -> tuple[float, float]:
        """One world point (m) to window pixels."""
        return self.left + self.ox + x * self.scale, self.top + self.oy - y * self.scale

    def to_world(self, sx: float, sy: float) -> tuple[float, float]:
        """A window pixel to world metres."""
        return (sx - self.left - self.ox) / self.scale, (self.top + self.oy - sy) / self.scale

    def contains(self, sx: float, sy: float) -> bool:
        """Whether a window pixel is inside the panel."""
        return self.left <= sx < self.left + self.width and self.top <= sy < self.top + self.height

    def zoom_at(self, sx: float, sy: float, factor: float) -> None:
        """Zoom by ``factor`` keeping the world point under window pixel ``(sx, sy)`` fixed."""
        wx, wy = self.to_world(sx, sy)
        self.scale = float(np.clip(self.scale * factor, _MIN_SCALE, _MAX_SCALE))
        self.ox = sx - self.left - wx * self.scale
        self.oy = sy - self.top + wy * self.scale

    def pan(self, dx_px: float, dy_px: float) -> None:
        """Move the picture by ``(dx, dy)`` pixels (a mouse drag)."""
        self.ox += dx_px
        self.oy += dy_px

    def centre_on(self, x: float, y: float) -> None:
        """Put world point ``(x, y)`` (m) at the centre of the panel (following an agent)."""
        self.ox = self.width / 2.0 - x * self.scale
        self.oy = self.height / 2.0 + y * self.scale

    def copy_zoom_from(self, other: View) -> None:
        """Same scale and offsets as ``other`` (side-by-side panels zoom and pan together)."""
        self.scale, self.ox, self.oy = other.scale, other.ox, other.oy
