"""Draw a :class:`~viz.state.ReplayState` on a 32-bit pygame surface.

Per panel: the venue layer (walkable area, obstacles, exits open or closed, barriers; drawn once per
layout and zoom, then blitted), the heatmap overlay, trails, the agents as discs at true scale,
injured marks, threats, the selection, the figures (HUD) and event banners. Then the timeline with
event markers, the status line, the legend and the help overlay.

Agents are stamped into the surface's pixels with numpy (one fancy-indexed write per disc size),
not drawn one by one: 10,000 agents cost a few milliseconds. A disc covers the pixels within its
radius (``radius_m · scale``, at least one pixel) of the pixel holding its centre; discs of a
radius of four pixels or more get a one-pixel dark outline.
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from typing import Final

import numpy as np
import shapely

from ._pygame import Pixels, pack, pygame
from .colour import (
    EVENT_COLOURS,
    OUTCOMES,
    PALETTE,
    SCALES,
    ColourMode,
    HeatmapMode,
    categorical,
    lut,
)
from .density import THRESHOLD_PER_M2
from .run import ReplayRun, Snapshot
from .state import ReplayState, Selection
from .text import Fonts, check_font_scale, make_fonts
from .venue import Layout, polygon_rings
from .view import View

__all__ = ["Renderer"]

RGB = tuple[int, int, int]

#: Heatmap scale maxima (persons/m²) and of the difference view (±).
_DENSITY_MAX: Final = 6.0
_DIFF_MAX: Final = 3.0
_VENUE_CACHE: Final = 8
#: Disc radius (px) from which agents get a dark outline.
_OUTLINE_FROM_PX: Final = 4.0


def _nice_step(span: float, max_ticks: int) -> float:
    for step in (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600):
        if span / step <= max_ticks:
            return float(step)
    return span / max_ticks


def _disc_offsets(r: float) -> tuple[np.ndarray, np.ndarray]:
    """Pixel offsets ``(dx, dy)`` of a disc of radius ``r`` px centred on a pixel."""
    big = math.ceil(r)
    dy, dx = np.mgrid[-big : big + 1, -big : big + 1]
    inside = dx * dx + dy * dy <= r * r + 0.25
    return dx[inside].astype(np.int64), dy[inside].astype(np.int64)


class Renderer:
    """Draws replay states; keeps fonts and the venue layers of recent zooms.

    Text is drawn at the state's ``Options.font_scale``, the size the rows holding it are laid out
    for.

    Args:
        font_scale: deprecated: set ``Options(font_scale=…)`` instead, which also makes the
            timeline, legend and status rows tall enough for the text. Given here, it multiplies
            the state's scale for the fonts only, as before.
    """

    def __init__(self, *, font_scale: float | None = None):
        if font_scale is not None:
            warnings.warn(
                "Renderer(font_scale=…) is deprecated: set Options(font_scale=…) instead, so the "
                "rows holding the text grow with it",
                DeprecationWarning,
                stacklevel=2,
            )
        self._extra_scale = check_font_scale(1.0 if font_scale is None else font_scale)
        self._fonts: dict[float, Fonts] = {}
        self._font_scale = math.nan
        self._venues: OrderedDict[tuple, pygame.Surface] = OrderedDict()
        self._labels: dict[tuple[str, bool], pygame.Surface] = {}
        self._use_fonts(1.0)
        self._discs: dict[float, tuple[np.ndarray, np.ndarray]] = {}
        self._luts = {
            name: lut(name) for name in ("speed", "density", "fear", "heat", "time", "diff")
        }

    def _use_fonts(self, scale: float) -> None:
        scale *= self._extra_scale
        if scale == self._font_scale:
            return
        fonts = self._fonts.get(scale)
        if fonts is None:
            fonts = self._fonts[scale] = make_fonts(scale)
        self.font, self.small, self.title, self.big = (
            fonts.font,
            fonts.small,
            fonts.title,
            fonts.big,
        )
        self._labels.clear()
        self._font_scale = scale

    # -- entry point ----------------------------------------------------------------------------

    def draw(self, surface: pygame.Surface, state: ReplayState) -> None:
        """Draw the whole picture of ``state`` on ``surface`` (sized ``state.size``)."""
        self._use_fonts(state.options.font_scale)
        surface.fill(PALETTE.outside)
        for k, view in enumerate(state.views):
            if state.options.difference:
                self._draw_difference(surface, state, view)
            else:
                self._draw_panel(surface, state, k, view)
        if state.options.hud:
            self._draw_legend(surface, state)
            self._draw_timeline(surface, state)
            self._draw_status(surface, state)
        if state.options.show_help:
            self._draw_help(surface, state)

    # -- one panel ------------------------------------------------------------------------------

    def _draw_panel(self, surf: pygame.Surface, state: ReplayState, k: int, view: View) -> None:
        run = state.runs[k]
        t = state.playhead.t_s
        snap = run.snapshot(t)
        surf.set_clip(pygame.Rect(view.rect))
        try:
            layout = run.layout(snap.nearest)
            surf.blit(
                self._venue_layer(run, view, layout, run.layout_hash(snap.nearest)), view.rect[:2]
            )
            self._draw_heatmap(surf, state, run, view, snap)
            index, palette = self._agent_colours(state, run, snap)
            radii_px = run.radii(snap) * view.scale
            if state.options.trails:
                trail = run.trails(snap, seconds=state.options.trail_s)
                self._draw_trails(surf, view, trail, palette[index])
            self._stamp_discs(surf, view, view.to_screen(snap.pos), radii_px, index, palette)
            self._draw_injured(surf, view, snap, radii_px, run.harmed(snap))
            self._draw_threats(surf, view, run, t)
            self._draw_exit_labels(surf, run, view, layout)
            sel = state.selection
            if sel is not None and sel.run == k:
                self._draw_selection(surf, view, snap, radii_px, sel)
        finally:
            surf.set_clip(None)
        if state.options.hud:
            self._draw_hud(surf, state, run, view, t)
            self._draw_banners(surf, state, run, view)
            if state.selection is not None and state.selection.run == k:
                self._draw_inspector(surf, run, view, snap, state.selection)

    def _draw_difference(self, surf: pygame.Surface, state: ReplayState, view: View) -> None:
        a, b = state.runs[0], state.runs[1]
        t = state.playhead.t_s
        sa, sb = a.snapshot(t), b.snapshot(t)
        surf.set_clip(pygame.Rect(view.rect))
        try:
            layout = a.layout(sa.nearest)
            surf.blit(self._venue_layer(a, view, layout, a.layout_hash(sa.nearest)), view.rect[:2])
            diff = a.grid.density(b.frame(sb.nearest).pos) - a.grid.density(a.frame(sa.nearest).pos)
            idx = np.clip((diff / _DIFF_MAX + 1.0) * 127.5, 0, 255).astype(np.uint8)
            alpha = np.clip(np.abs(diff) / _DIFF_MAX, 0, 1) * 200
            self._blit_grid(surf, view, a, self._luts["diff"][idx], alpha)
            for run, snap, colour in ((a, sa, PALETTE.run_a), (b, sb, PALETTE.run_b)):
                palette = np.array([colour], dtype=np.uint8)
                index = np.zeros(len(snap), dtype=np.intp)
                radii_px = run.radii(snap) * view.scale
                self._stamp_discs(surf, view, view.to_screen(snap.pos), radii_px, index, palette)
            self._draw_exit_labels(surf, a, view, layout)
        finally:
            surf.set_clip(None)
        if not state.options.hud:
            return
        fa, fb = a.figures(t), b.figures(t)
        lines: list[tuple[str, RGB, pygame.font.Font]] = [
            ("Difference B − A", PALETTE.hud_text, self.title),
            (f"A  {a.title} — {a.subtitle}", PALETTE.run_a, self.small),
            (f"B  {b.title} — {b.subtitle}", PALETTE.run_b, self.small),
            (f"t = {t:.1f} s", PALETTE.hud_text, self.big),
        ]
        box = self._text_box(surf, lines, view.left + 8, view.top + 8)
        rows = [("", "A", "B", "B − A")]
        for label, x, y in (("inside", fa.inside, fb.inside),
                            ("evacuated", fa.evacuated, fb.evacuated),
                            ("casualties", fa.casualties, fb.casualties)):  # fmt: skip
            rows.append((label, _n(x), _n(y), _delta(x, y)))
        for e in a.exit_ids:
            x, y = fa.per_exit.get(e), fb.per_exit.get(e)
            rows.append((f"  {e}", _n(x), _n(y), _delta(x, y)))
        self._table_box(surf, rows, view.left + 8, box.bottom)
        self._draw_banners(surf, state, a, view)

    def _table_box(
        self, surf: pygame.Surface, rows: Sequence[Sequence[str]], x: int, y: int
    ) -> None:
        """Rows of cells in aligned columns (first left-aligned, the others right-aligned)."""
        cells = [[self.font.render(c, True, PALETTE.hud_text) for c in row] for row in rows]
        widths = [max(r[k].get_width() for r in cells) for k in range(len(rows[0]))]
        lh = self.font.get_linesize() + 2
        w = sum(widths) + 18 * (len(widths) - 1) + 16
        box = pygame.Surface((w, lh * len(rows) + 10), pygame.SRCALPHA)
        box.fill((*PALETTE.hud_bg, 200))
        for r, row in enumerate(cells):
            xx = 8
            for k, cell in enumerate(row):
                off = 0 if k == 0 else widths[k] - cell.get_width()
                box.blit(cell, (xx + off, 5 + r * lh))
                xx += widths[k] + 18
        surf.blit(box, (x, y))

    # -- venue ----------------------------------------------------------------------------------

    def _venue_layer(
        self, run: ReplayRun, view: View, layout: Layout, key_hash: int
    ) -> pygame.Surface:
        key = (id(run), key_hash, round(view.scale, 6), round(view.ox, 2), round(view.oy, 2),
               view.width, view.height)  # fmt: skip
        layer = self._venues.get(key)
        if layer is not None:
            self._venues.move_to_end(key)
            return layer
        layer = pygame.Surface((view.width, view.height), 0, 32)
        layer.fill(PALETTE.outside)
        local = View(0, 0, view.width, view.height, view.scale, view.ox, view.oy)
        x0, y1 = local.to_world(-50, -50)
        x1, y0 = local.to_world(view.width + 50, view.height + 50)
        box = shapely.box(x0, y0, x1, y1)

        def pts(ring: np.ndarray) -> list[tuple[float, float]]:
            return [tuple(p) for p in local.to_screen(ring).tolist()]

        walkable = (
            layout.walkable.intersection(box)
            if not box.contains(layout.walkable)
            else layout.walkable
        )
        outers, holes = polygon_rings(walkable)
        wall_w = int(min(max(round(0.12 * view.scale), 1), 4))
        for ring in outers:
            if len(ring) >= 3:
                pygame.draw.polygon(layer, PALETTE.floor, pts(ring))
        for ring in holes:
            if len(ring) >= 3:
                pygame.draw.polygon(layer, PALETTE.obstacle, pts(ring))
        for ring in (*outers, *holes):
            if len(ring) >= 2:
                pygame.draw.lines(layer, PALETTE.wall, True, pts(ring), wall_w)
        for bid, shape in run.barrier_shapes.items():
            placed = layout.barrier_in_place.get(bid, False)
            for ring in polygon_rings(shape.intersection(box))[0]:
                if len(ring) < 3:
                    continue
                if placed:
                    pygame.draw.polygon(layer, PALETTE.barrier, pts(ring))
                    bx0, by0, bx1, by1 = shape.bounds
                    if min(bx1 - bx0, by1 - by0) * view.scale >= 4:
                        pygame.draw.lines(layer, PALETTE.wall, True, pts(ring), 1)
                else:
                    _dashed(layer, PALETTE.barrier, local.to_screen(ring), 1, 6)
        for eid, shape in run.exit_areas.items():
            is_open = layout.exit_open.get(eid, True)
            colour = PALETTE.exit_open if is_open else PALETTE.exit_closed
            for ring in polygon_rings(shape.intersection(box))[0]:
                if len(ring) < 3:
                    continue
                sp = local.to_screen(ring)
                pygame.draw.polygon(layer, colour, pts(ring))
                if not is_open:  # a cross over a closed exit
                    lo, hi = sp.min(axis=0), sp.max(axis=0)
                    w = max(2, wall_w)
                    pygame.draw.line(layer, (255, 255, 255), lo, hi, w)
                    pygame.draw.line(layer, (255, 255, 255), (lo[0], hi[1]), (hi[0], lo[1]), w)
        self._venues[key] = layer
        while len(self._venues) > _VENUE_CACHE:
            self._venues.popitem(last=False)
        return layer

    def _draw_exit_labels(
        self, surf: pygame.Surface, run: ReplayRun, view: View, layout: Layout
    ) -> None:
        """Exit names next to the exits, outside the venue where there is room (over the agents)."""
        panel = pygame.Rect(view.rect)
        centre = layout.walkable.centroid if not layout.walkable.is_empty else None
        for eid, shape in run.exit_areas.items():
            is_open = layout.exit_open.get(eid, True)
            key = (eid, is_open)
            label = self._labels.get(key)
            if label is None:
                colour = PALETTE.exit_open if is_open else PALETTE.exit_closed
                text = self.small.render(
                    eid if is_open else f"{eid} (closed)", True, (255, 255, 255)
                )
                label = pygame.Surface(
                    (text.get_width() + 6, text.get_height() + 2), pygame.SRCALPHA
                )
                label.fill((*colour, 220))
                label.blit(text, (3, 1))
                self._labels[key] = label
            lw, lh = label.get_size()
            x0, y0, x1, y1 = shape.bounds
            sx0, sy1 = view.point_to_screen(x0, y0)
            sx1, sy0 = view.point_to_screen(x1, y1)
            cx, cy = (sx0 + sx1) / 2, (sy0 + sy1) / 2
            c = shape.centroid
            dx, dy = (c.x - centre.x, -(c.y - centre.y)) if centre is not None else (0.0, 1.0)
            horizontal = abs(dx) * (y1 - y0 + 1e-9) > abs(dy) * (x1 - x0 + 1e-9)
            spots = []
            if horizontal:  # beside the exit, away from the venue; else above or below it
                spots.append((sx1 + 4 if dx > 0 else sx0 - lw - 4, cy - lh / 2))
            else:
                spots.append((cx - lw / 2, sy1 + 4 if dy > 0 else sy0 - lh - 4))
            spots += [(cx - lw / 2, sy0 - lh - 4), (cx - lw / 2, sy1 + 4)]
            door = pygame.Rect(sx0, sy0, max(sx1 - sx0, 1), max(sy1 - sy0, 1))
            if not panel.colliderect(door):
                continue  # off screen: no label pinned to the edge
            clamped = [
                (
                    min(max(x, panel.left), panel.right - lw),
                    min(max(y, panel.top), panel.bottom - lh),
                )
                for x, y in spots
            ]
            x, y = next(
                (p for p in clamped if not door.colliderect(pygame.Rect(*p, lw, lh))), clamped[0]
            )
            surf.blit(label, (x, y))

    # -- agents ---------------------------------------------------------------------------------

    def _agent_colours(
        self, state: ReplayState, run: ReplayRun, snap: Snapshot
    ) -> tuple[np.ndarray, np.ndarray]:
        """Colour of each agent as (index into a palette, the ``(k, 3)`` uint8 palette)."""
        mode = state.options.colour_mode
        n = len(snap)
        grey = np.array([[150, 150, 150]], dtype=np.uint8)
        if run.mode_problem(mode) is not None:
            return np.zeros(n, dtype=np.intp), grey
        values = run.colour_values(mode, snap)
        if mode in SCALES:
            return SCALES[mode].index(values).astype(np.intp), self._luts[mode.value]
        if mode is ColourMode.POPULATION:
            n_pop = len(run.agents.population_names) if run.agents is not None else 0
            table = np.array([categorical(k) for k in range(max(n_pop, 1))], dtype=np.uint8)
        else:
            table = np.array([c for _, c in OUTCOMES], dtype=np.uint8)
        index = np.where(values >= 0, values, len(table)).astype(np.intp)
        return index, np.vstack([table, grey])

    def _disc(self, r: float) -> tuple[np.ndarray, np.ndarray]:
        d = self._discs.get(r)
        if d is None:
            d = self._discs[r] = _disc_offsets(r)
        return d

    def _stamp_discs(
        self,
        surf: pygame.Surface,
        view: View,
        centres: np.ndarray,
        radii_px: np.ndarray,
        index: np.ndarray,
        palette: np.ndarray,
    ) -> None:
        """Write discs of colour ``palette[index]`` into the pixels of ``surf`` within the view."""
        if centres.shape[0] == 0:
            return
        left, top = view.left, view.top
        right, bottom = left + view.width, top + view.height
        cx = np.floor(centres[:, 0]).astype(np.int64)
        cy = np.floor(centres[:, 1]).astype(np.int64)
        rq = np.maximum(np.round(radii_px * 2.0) / 2.0, 0.5)
        big = np.ceil(rq).astype(np.int64)
        vis = (cx + big >= left) & (cx - big < right) & (cy + big >= top) & (cy - big < bottom)
        if not vis.any():
            return
        cx, cy, rq = cx[vis], cy[vis], rq[vis]
        fill = pack(surf, palette)[index[vis]]
        if rq.max() >= _OUTLINE_FROM_PX:
            dark = pack(surf, (palette.astype(np.uint16) * 2 // 5).astype(np.uint8))[index[vis]]
            dark = np.where(rq >= _OUTLINE_FROM_PX, dark, fill)
        else:
            dark = fill
        groups = np.unique(rq)
        with Pixels(surf) as px:
            flat, stride = px.flat, px.stride
            for r in groups.tolist():
                sel = np.flatnonzero(rq == r) if groups.size > 1 else slice(None)
                layers = [(r, dark[sel])]
                if r >= _OUTLINE_FROM_PX:
                    layers.append((r - 1.0, fill[sel]))
                x, y, b = cx[sel], cy[sel], int(math.ceil(r))
                inner = (x - b >= left) & (x + b < right) & (y - b >= top) & (y + b < bottom)
                for radius, colour in layers:
                    dx, dy = self._disc(radius)
                    if inner.any():
                        base = y[inner] * stride + x[inner]
                        idx = (base[:, None] + (dy * stride + dx)[None, :]).ravel()
                        flat[idx] = np.repeat(colour[inner], dx.size)
                    edge = ~inner
                    if edge.any():
                        X = x[edge, None] + dx[None, :]
                        Y = y[edge, None] + dy[None, :]
                        ok = (X >= left) & (X < right) & (Y >= top) & (Y < bottom)
                        flat[(Y * stride + X)[ok]] = np.broadcast_to(colour[edge, None], X.shape)[
                            ok
                        ]

    def _draw_trails(
        self, surf: pygame.Surface, view: View, trail: Sequence[np.ndarray], rgb: np.ndarray
    ) -> None:
        if len(trail) < 2 or rgb.shape[0] == 0:
            return
        pts = np.stack(trail)  # (k, n, 2), oldest first
        k = pts.shape[0]
        floor = np.array(PALETTE.floor, dtype=np.float64)
        left, top = view.left, view.top
        right, bottom = left + view.width, top + view.height
        with Pixels(surf) as px:
            for j in range(k - 1):
                a, b = pts[j], pts[j + 1]
                age = (j + 1) / k  # 0 oldest … 1 newest
                colour = pack(
                    surf, np.rint(floor + (rgb - floor) * (0.2 + 0.6 * age)).astype(np.uint8)
                )
                seg_px = np.nan_to_num(np.hypot(*(b - a).T) * view.scale, nan=0.0)
                n_sub = int(min(max(np.max(seg_px, initial=0.0), 1.0), 6.0))
                for s in np.arange(n_sub) / n_sub:
                    p = view.to_screen(a + s * (b - a))
                    ok = np.isfinite(p).all(axis=1)
                    x = np.floor(p[ok, 0]).astype(np.int64)
                    y = np.floor(p[ok, 1]).astype(np.int64)
                    inside = (x >= left) & (x < right) & (y >= top) & (y < bottom)
                    px.flat[y[inside] * px.stride + x[inside]] = colour[ok][inside]

    def _draw_injured(
        self, surf, view: View, snap: Snapshot, radii_px: np.ndarray, harmed: np.ndarray
    ) -> None:
        for k in np.flatnonzero(harmed).tolist():
            sx, sy = view.point_to_screen(*snap.pos[k])
            r = max(radii_px[k], 2.0)
            pygame.draw.circle(surf, PALETTE.injured, (sx, sy), r + 3, 2)
            d = r * 0.9
            pygame.draw.line(surf, (255, 255, 255), (sx - d, sy - d), (sx + d, sy + d), 2)
            pygame.draw.line(surf, (255, 255, 255), (sx - d, sy + d), (sx + d, sy - d), 2)

    def _draw_selection(
        self, surf, view: View, snap: Snapshot, radii_px: np.ndarray, sel: Selection
    ) -> None:
        hit = np.flatnonzero(snap.ids == sel.agent_id)
        if hit.size:
            k = int(hit[0])
            sx, sy = view.point_to_screen(*snap.pos[k])
            pygame.draw.circle(surf, PALETTE.selected, (sx, sy), max(radii_px[k], 2.0) + 5, 2)

    # -- threats --------------------------------------------------------------------------------

    def _draw_threats(self, surf: pygame.Surface, view: View, run: ReplayRun, t: float) -> None:
        for threat in run.threats:
            st = threat.state_at(t)
            colour = PALETTE.threat if st.active else (160, 120, 160)
            track = threat.track
            if threat.pursue and track is not None and len(track["time_s"]):
                # a pursuer's path is its chase: draw where it went so far, as recorded
                done = np.asarray(track["time_s"]) <= t
                pts = np.column_stack([track["x"], track["y"]])[done]
                if st.pos is not None:
                    pts = np.vstack([pts, st.pos])
                if len(pts) > 1:
                    pygame.draw.lines(surf, colour, False, view.to_screen(pts).tolist(), 2)
            elif len(threat.path) > 1:
                _dashed(surf, colour, view.to_screen(threat.path), 2, 8, closed=False)
            anchor = st.pos if st.pos is not None else tuple(threat.path[0])
            sx, sy = view.point_to_screen(*anchor)
            if st.active and st.pos is not None and st.reach_m > 0:
                r = st.reach_m * view.scale
                if r < 4000:
                    zone = pygame.Surface((2 * r + 2, 2 * r + 2), pygame.SRCALPHA)
                    pygame.draw.circle(zone, (*PALETTE.threat, 60), (r + 1, r + 1), r)
                    pygame.draw.circle(zone, (*PALETTE.threat, 200), (r + 1, r + 1), r, 2)
                    surf.blit(zone, (sx - r - 1, sy - r - 1))
            if threat.kind == "vehicle" and st.pos is not None:
                hx, hy = st.heading
                half_l = float(threat.spec.get("length_m", 4.5)) / 2
                half_w = float(threat.spec.get("width_m", 1.8)) / 2
                x, y = st.pos
                corners = [
                    (x + hx * a - hy * b, y + hy * a + hx * b)
                    for a, b in (
                        (half_l, half_w),
                        (half_l, -half_w),
                        (-half_l, -half_w),
                        (-half_l, half_w),
                    )
                ]
                poly = view.to_screen(np.array(corners)).tolist()
                pygame.draw.polygon(surf, colour, poly, 0 if st.active else 2)
            else:
                m = 7
                diamond = [(sx, sy - m), (sx + m, sy), (sx, sy + m), (sx - m, sy)]
                pygame.draw.polygon(surf, colour, diamond, 0 if (st.active and st.pos) else 2)
            label = threat.label
            if st.pos is None:
                label += " — position not recorded"
            elif t < threat.start_s:
                label += f" (from {threat.start_s:g} s)"
            text = self.small.render(label, True, (255, 255, 255))
            box = pygame.Surface((text.get_width() + 6, text.get_height() + 2), pygame.SRCALPHA)
            box.fill((*colour, 215))
            box.blit(text, (3, 1))
            surf.blit(box, (sx + 10, sy - box.get_height() - 6))

    # -- heatmap --------------------------------------------------------------------------------

    def _draw_heatmap(
        self, surf: pygame.Surface, state: ReplayState, run: ReplayRun, view: View, snap: Snapshot
    ) -> None:
        mode = state.options.heatmap
        if mode is HeatmapMode.OFF:
            return
        if mode is HeatmapMode.DENSITY:
            values = run.grid.density(run.frame(snap.nearest).pos)
            idx = np.clip(values / _DENSITY_MAX * 255, 0, 255).astype(np.uint8)
            alpha = np.where(values > 0, 90 + 110 * np.clip(values / _DENSITY_MAX, 0, 1), 0)
            self._blit_grid(surf, view, run, self._luts["heat"][idx], alpha)
        else:
            run.ensure_time_above()
            values = run.grid.time_above(snap.nearest)
            top = max(self._time_above_max(state), 1e-9)
            idx = np.clip(values / top * 255, 0, 255).astype(np.uint8)
            alpha = np.where(values > 0, 120 + 100 * np.clip(values / top, 0, 1), 0)
            self._blit_grid(surf, view, run, self._luts["time"][idx], alpha)

    @staticmethod
    def _time_above_max(state: ReplayState) -> float:
        return max(
            (r.grid.time_above_max() for r in state.runs if r.grid.has_time_above), default=0.0
        )

    def _blit_grid(
        self, surf: pygame.Surface, view: View, run: ReplayRun, rgb: np.ndarray, alpha: np.ndarray
    ) -> None:
        """Draw per-cell colours ``(nx, ny, 3)`` with opacity ``alpha`` (0–255) over the venue."""
        grid = run.grid
        x0, y0, _, _ = grid.world_rect
        cell_px = grid.cell_m * view.scale
        # visible cells only, so a deep zoom never builds a huge surface
        wx0, wy1 = view.to_world(view.left, view.top)
        wx1, wy0 = view.to_world(view.left + view.width, view.top + view.height)
        i0 = max(int((wx0 - x0) // grid.cell_m), 0)
        i1 = min(int((wx1 - x0) // grid.cell_m) + 1, grid.nx)
        j0 = max(int((wy0 - y0) // grid.cell_m), 0)
        j1 = min(int((wy1 - y0) // grid.cell_m) + 1, grid.ny)
        if i1 <= i0 or j1 <= j0:
            return
        img = pygame.Surface((i1 - i0, j1 - j0), pygame.SRCALPHA)
        pygame.surfarray.pixels3d(img)[:] = rgb[i0:i1, j0:j1][:, ::-1]
        pygame.surfarray.pixels_alpha(img)[:] = np.asarray(
            alpha[i0:i1, j0:j1][:, ::-1], dtype=np.uint8
        )
        w = max(round((i1 - i0) * cell_px), 1)
        h = max(round((j1 - j0) * cell_px), 1)
        sx, sy = view.point_to_screen(x0 + i0 * grid.cell_m, y0 + j1 * grid.cell_m)
        surf.blit(pygame.transform.scale(img, (w, h)), (round(sx), round(sy)))

    # -- HUD ------------------------------------------------------------------------------------

    def _text_box(
        self,
        surf: pygame.Surface,
        lines: Sequence[tuple[str, RGB, pygame.font.Font]],
        x: int,
        y: int,
        *,
        alpha: int = 200,
    ) -> pygame.Rect:
        rendered = [font.render(text, True, colour) for text, colour, font in lines]
        w = max(r.get_width() for r in rendered) + 16
        h = sum(r.get_height() + 2 for r in rendered) + 12
        box = pygame.Surface((w, h), pygame.SRCALPHA)
        box.fill((*PALETTE.hud_bg, alpha))
        yy = 6
        for r in rendered:
            box.blit(r, (8, yy))
            yy += r.get_height() + 2
        surf.blit(box, (x, y))
        return pygame.Rect(x, y, w, h)

    def _draw_hud(
        self, surf: pygame.Surface, state: ReplayState, run: ReplayRun, view: View, t: float
    ) -> None:
        fig = run.figures(t)
        text, dim = PALETTE.hud_text, PALETTE.hud_dim
        local_t = min(t, run.duration_s)
        lines: list[tuple[str, RGB, pygame.font.Font]] = [
            (run.title, text, self.title),
            (run.subtitle, dim, self.small),
            (
                f"t = {local_t:.1f} s" + ("  (run ended)" if t > run.duration_s + 1e-9 else ""),
                text,
                self.big,
            ),
            (
                f"inside {fig.inside}   evacuated {_n(fig.evacuated)}   casualties {_n(fig.casualties)}",
                text,
                self.font,
            ),
        ]
        for e in run.exit_ids:
            closed = fig.exit_open.get(e) is False
            lines.append(
                (
                    f"  {e}: {_n(fig.per_exit.get(e))}" + ("   CLOSED" if closed else ""),
                    PALETTE.exit_closed if closed else text,
                    self.small,
                )
            )
        if run.agents is None:
            lines.append(
                (
                    "no agents.csv: radii nominal, counts unavailable",
                    PALETTE.exit_closed,
                    self.small,
                )
            )
        self._text_box(surf, lines, view.left + 8, view.top + 8)

    def _draw_banners(
        self, surf: pygame.Surface, state: ReplayState, run: ReplayRun, view: View
    ) -> None:
        recent = state.banner_events(run)
        y = view.top + 8
        for e in recent:
            colour = EVENT_COLOURS.get(e.kind, (200, 200, 200))
            msg = self.font.render(f"{e.time_s:.1f} s   {e.text or e.kind}", True, (255, 255, 255))
            w, h = msg.get_width() + 24, msg.get_height() + 10
            x = view.left + view.width - w - 8
            box = pygame.Surface((w, h), pygame.SRCALPHA)
            box.fill((*PALETTE.hud_bg, 225))
            pygame.draw.rect(box, colour, (0, 0, 8, h))
            box.blit(msg, (16, 5))
            surf.blit(box, (x, y))
            y += h + 4

    def _draw_inspector(
        self, surf: pygame.Surface, run: ReplayRun, view: View, snap: Snapshot, sel: Selection
    ) -> None:
        text, dim = PALETTE.hud_text, PALETTE.hud_dim
        hit = np.flatnonzero(snap.ids == sel.agent_id)
        lines: list[tuple[str, RGB, pygame.font.Font]] = [
            (f"agent {sel.agent_id}", PALETTE.selected, self.title)
        ]
        row = int(run.agents.rows(np.array([sel.agent_id]))[0]) if run.agents is not None else -1
        a = run.agents
        if row >= 0 and a is not None:
            lines.append((f"population  {a.population_names[a.population[row]]}", text, self.font))
        if hit.size:
            k = int(hit[0])
            for name, unit in (("speed", "m/s"), ("fear", "")):
                if name in snap.state:
                    lines.append((f"{name:<11} {snap.state[name][k]:.2f} {unit}", text, self.font))
            if run.harmed(snap)[k]:
                lines.append(("injured", PALETTE.injured, self.font))
        else:
            lines.append(("not in the venue now", dim, self.font))
        if row >= 0 and a is not None:
            target = a.target_exit[row]
            used = a.exit[row]
            lines.append(
                (
                    f"exit        {used or '—'}"
                    + (f" (chose {target})" if target and target != used else ""),
                    text,
                    self.font,
                )
            )
            outcome = a.outcome[row] or "—"
            t_ev = a.t_evacuated_s[row]
            t_inj = a.t_injured_s[row]
            if math.isfinite(t_ev):
                outcome += f" at {t_ev:.1f} s"
            elif math.isfinite(t_inj):
                outcome += f" at {t_inj:.1f} s"
            lines.append((f"outcome     {outcome}", text, self.font))
        lines.append(("Esc: stop following", dim, self.small))
        rendered_h = sum(f.get_linesize() + 2 for _, _, f in lines) + 12
        self._text_box(surf, lines, view.left + 8, view.top + view.height - rendered_h - 8)

    # -- legend, timeline, status, help ---------------------------------------------------------

    def _gradient(
        self, surf: pygame.Surface, x: int, y: int, w: int, h: int, table: np.ndarray
    ) -> None:
        idx = np.linspace(0, 255, w).astype(np.int64)
        img = pygame.Surface((w, h), 0, 32)
        pygame.surfarray.pixels3d(img)[:] = table[idx][:, None, :]
        surf.blit(img, (x, y))
        pygame.draw.rect(surf, PALETTE.hud_dim, (x - 1, y - 1, w + 2, h + 2), 1)

    def _legend_items(self, state: ReplayState) -> list[tuple[str, object, str, str]]:
        """(label, gradient LUT or [(name, colour)], low end, high end) of what is on screen."""
        opts = state.options
        if opts.difference:
            return [
                ("agents", [("run A", PALETTE.run_a), ("run B", PALETTE.run_b)], "", ""),
                (
                    "density B − A (persons/m²)",
                    self._luts["diff"],
                    f"−{_DIFF_MAX:g}",
                    f"+{_DIFF_MAX:g}",
                ),
            ]
        items: list[tuple[str, object, str, str]] = []
        mode = opts.colour_mode
        if mode in SCALES:
            sc = SCALES[mode]
            unit = f" ({sc.unit})" if sc.unit else ""
            items.append(
                (f"{mode.label}{unit}", self._luts[mode.value], f"{sc.lo:g}", f"{sc.hi:g}+")
            )
        elif mode is ColourMode.POPULATION:
            names = state.runs[0].agents.population_names if state.runs[0].agents else ()
            items.append(("population", [(p, categorical(k)) for k, p in enumerate(names)], "", ""))
        else:
            items.append(("outcome", list(OUTCOMES[:3]), "", ""))
        if opts.heatmap is HeatmapMode.DENSITY:
            items.append(
                ("heatmap: density (persons/m²)", self._luts["heat"], "0", f"{_DENSITY_MAX:g}+")
            )
        elif opts.heatmap is HeatmapMode.TIME_ABOVE:
            top = self._time_above_max(state)
            label = f"heatmap: time above {THRESHOLD_PER_M2:g} persons/m² (s)"
            items.append((label, self._luts["time"], "0", f"{top:.1f}"))
        return items

    def _draw_legend(self, surf: pygame.Surface, state: ReplayState) -> None:
        """The colour scales, in a row under the timeline."""
        x, y, w, h = state.legend_rect
        pygame.draw.rect(surf, PALETTE.hud_bg, (x, y, w, h))
        xx, cy = x + 10, y + h // 2

        def put(text: str, colour: RGB = PALETTE.hud_text) -> None:
            nonlocal xx
            r = self.small.render(text, True, colour)
            surf.blit(r, (xx, cy - r.get_height() // 2))
            xx += r.get_width() + 6

        for label, spec, lo, hi in self._legend_items(state):
            put(label + ":", PALETTE.hud_dim)
            if isinstance(spec, np.ndarray):
                put(lo)
                self._gradient(surf, xx, cy - 5, 160, 10, spec)
                xx += 166
                put(hi)
            else:
                for name, colour in spec:  # type: ignore[union-attr]
                    pygame.draw.circle(surf, colour, (xx + 5, cy), 5)
                    xx += 13
                    put(name)
                    xx += 4
            xx += 24

    def _draw_timeline(self, surf: pygame.Surface, state: ReplayState) -> None:
        x, y, w, h = state.timeline_rect
        pygame.draw.rect(surf, PALETTE.hud_bg, (x, y, w, h))
        ph = state.playhead
        left, right = x + 16, x + w - 16
        # event markers above the track (fixed size), tick labels below it (one small line)
        track_y = y + h - self.small.get_linesize() - 8
        pygame.draw.line(surf, PALETTE.timeline, (left, track_y), (right, track_y), 4)
        span = max(ph.duration_s, 1e-9)

        def sx(t: float) -> float:
            return left + (right - left) * min(max(t / span, 0.0), 1.0)

        pygame.draw.line(surf, PALETTE.hud_dim, (left, track_y), (sx(ph.t_s), track_y), 4)
        step = _nice_step(span, max(2, round((right - left) / (70 * self._font_scale))))
        t = 0.0
        while t <= span + 1e-9:
            pygame.draw.line(surf, PALETTE.hud_dim, (sx(t), track_y + 3), (sx(t), track_y + 7), 1)
            lbl = self.small.render(f"{t:g}", True, PALETTE.hud_dim)
            surf.blit(lbl, (sx(t) - lbl.get_width() / 2, track_y + 7))
            t += step
        seen = set()
        for run in state.runs:
            for e in run.events:
                key = (round(e.time_s, 3), e.kind, e.target)
                if key in seen:
                    continue
                seen.add(key)
                ex = sx(e.time_s)
                colour = EVENT_COLOURS.get(e.kind, (200, 200, 200))
                pygame.draw.polygon(surf, colour, [(ex - 5, y + 3), (ex + 5, y + 3), (ex, y + 11)])
                pygame.draw.line(surf, colour, (ex, y + 11), (ex, track_y), 2)
        px = sx(ph.t_s)
        pygame.draw.line(surf, PALETTE.playhead, (px, y + 2), (px, y + h - 2), 2)
        pygame.draw.circle(surf, PALETTE.playhead, (px, track_y), 6)

    def _draw_status(self, surf: pygame.Surface, state: ReplayState) -> None:
        x, y, w, h = state.status_rect
        pygame.draw.rect(surf, PALETTE.hud_bg, (x, y, w, h))
        ph = state.playhead
        opts = state.options
        xx = x + 10
        cy = y + h // 2

        def put(
            text: str, colour: RGB, font: pygame.font.Font | None = None, gap: int = 14
        ) -> None:
            nonlocal xx
            r = (font or self.font).render(text, True, colour)
            surf.blit(r, (xx, cy - r.get_height() // 2))
            xx += r.get_width() + gap

        put("PLAYING" if ph.playing else "PAUSED", PALETTE.hud_text)
        put(f"{ph.speed:g}×", PALETTE.hud_text)
        put(f"{ph.t_s:.1f} / {ph.duration_s:.1f} s", PALETTE.hud_text)
        put("loop", PALETTE.hud_text if ph.loop else PALETTE.hud_dim)
        put("trails", PALETTE.hud_text if opts.trails else PALETTE.hud_dim, gap=20)
        put("colour:", PALETTE.hud_dim, gap=6)
        for k, mode in enumerate(ColourMode, start=1):
            if opts.difference:
                colour = PALETTE.hud_dim
            elif mode is opts.colour_mode:
                colour = PALETTE.selected
            elif state.mode_problem(mode):
                colour = (75, 78, 85)
            else:
                colour = PALETTE.hud_text
            put(f"{k} {mode.label}", colour, gap=10)
        xx += 10
        put(
            f"heatmap: {opts.heatmap.label}",
            PALETTE.hud_text if opts.heatmap is not HeatmapMode.OFF else PALETTE.hud_dim,
        )
        msg = state.status if state.status and time.monotonic() < state.status_until else "h: help"
        r = self.font.render(msg, True, PALETTE.hud_text)
        surf.blit(r, (max(xx, x + w - r.get_width() - 10), cy - r.get_height() // 2))

    def _draw_help(self, surf: pygame.Surface, state: ReplayState) -> None:
        from .controller import SHORTCUTS

        keys = [self.font.render(k, True, PALETTE.selected) for k, _ in SHORTCUTS]
        acts = [self.font.render(a, True, PALETTE.hud_text) for _, a in SHORTCUTS]
        kw = max(k.get_width() for k in keys)
        aw = max(a.get_width() for a in acts)
        lh = self.font.get_linesize() + 3
        head = self.title.render("Keyboard and mouse", True, PALETTE.hud_text)
        w, h = kw + aw + 60, lh * len(keys) + head.get_height() + 36
        x, y = (state.size[0] - w) // 2, max((state.size[1] - h) // 2, 0)
        box = pygame.Surface((w, h), pygame.SRCALPHA)
        box.fill((*PALETTE.hud_bg, 235))
        surf.blit(box, (x, y))
        surf.blit(head, (x + 20, y + 12))
        yy = y + 20 + head.get_height()
        for k, a in zip(keys, acts, strict=True):
            surf.blit(k, (x + 20, yy))
            surf.blit(a, (x + 40 + kw, yy))
            yy += lh


def _n(value: int | None) -> str:
    return "—" if value is None else str(value)


def _delta(a: int | None, b: int | None) -> str:
    return "" if a is None or b is None else f"{b - a:+d}"


def _dashed(
    surf: pygame.Surface,
    colour: RGB,
    pts: np.ndarray,
    width: int,
    dash_px: float,
    *,
    closed: bool = True,
) -> None:
    """A dashed polyline through screen points ``(m, 2)`` (dashes restart at each vertex)."""
    pts = np.asarray(pts, dtype=np.float64)
    if closed:
        pts = np.vstack([pts, pts[:1]])
    for a, b in itertools.pairwise(pts):
        seg = float(np.hypot(*(b - a)))
        if seg <= 0 or seg > 1e5:  # nothing, or far off screen at a deep zoom
            continue
        for k in range(0, math.ceil(seg / dash_px), 2):
            s0, s1 = k * dash_px, min((k + 1) * dash_px, seg)
            pygame.draw.line(
                surf, colour, a + (b - a) * (s0 / seg), a + (b - a) * (s1 / seg), width
            )
