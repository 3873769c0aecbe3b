"""Everything the replay shows, in one mutable object: runs, playhead, views, options, selection.

The input controller changes it, the renderer draws it, the exporter steps it by frame index.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ._recording import Event
from .colour import ColourMode, HeatmapMode
from .playhead import Playhead
from .run import ReplayRun
from .text import TextRows, check_font_scale
from .text import text_rows as _text_rows
from .view import View

__all__ = ["Options", "ReplayState", "Selection"]

#: Gap between side-by-side panels (px).
GAP = 4


@dataclass
class Options:
    """What is drawn.

    Attributes:
        colour_mode: the agents' colour.
        heatmap: the overlay under the agents.
        trails: short trails behind the agents, ``trail_s`` seconds long.
        difference: one panel showing the difference of two runs of the same venue.
        show_help: the keyboard help overlay.
        hud: the figures and legends (off for a bare picture).
        event_banner_s: how long an event's text stays on screen, in wall-clock seconds at the
            current speed.
        font_scale: size of all text (1.5–2 for a projector); the rows holding text grow with
            it (:func:`viz.text.text_rows`). Change it on a state with
            :meth:`ReplayState.set_font_scale`, which also lays the panels out again.

    Raises:
        ValueError: ``font_scale`` is not a positive number of at most 10.
    """

    colour_mode: ColourMode = ColourMode.SPEED
    heatmap: HeatmapMode = HeatmapMode.OFF
    trails: bool = False
    trail_s: float = 3.0
    difference: bool = False
    show_help: bool = False
    hud: bool = True
    event_banner_s: float = 4.0
    font_scale: float = 1.0

    def __post_init__(self) -> None:
        self.font_scale = check_font_scale(self.font_scale)


@dataclass(frozen=True)
class Selection:
    """The inspected agent: its run (index into ``runs``) and id."""

    run: int
    agent_id: int


@dataclass
class ReplayState:
    """The replay's state.

    Args:
        runs: the runs, side by side in this order.
        size: window or picture size (px).
        options: what is drawn.
    """

    runs: Sequence[ReplayRun]
    size: tuple[int, int]
    options: Options = field(default_factory=Options)
    playhead: Playhead = field(init=False)
    views: list[View] = field(init=False)
    selection: Selection | None = None
    follow: bool = False
    fullscreen: bool = False
    quit: bool = False
    status: str = ""
    status_until: float = 0.0

    def __post_init__(self) -> None:
        if not self.runs:
            raise ValueError("give at least one run directory")
        self.playhead = Playhead(
            duration_s=max(r.duration_s for r in self.runs),
            fps=max(r.fps for r in self.runs),
        )
        if self.options.colour_mode is not None and self.mode_problem(self.options.colour_mode):
            self.options.colour_mode = ColourMode.DENSITY
        self.views = []
        self.relayout(self.size)

    # -- layout ---------------------------------------------------------------------------------

    @property
    def text_rows(self) -> TextRows:
        """Heights of the rows holding text, at the current font scale."""
        return _text_rows(self.options.font_scale)

    @property
    def panel_area(self) -> tuple[int, int, int, int]:
        """``(left, top, width, height)`` of the area holding the panels."""
        w, h = self.size
        bottom = self.text_rows.bottom_h if self.options.hud else 0
        return 0, 0, w, max(h - bottom, 1)

    @property
    def timeline_rect(self) -> tuple[int, int, int, int]:
        """The timeline's rectangle."""
        w, h = self.size
        rows = self.text_rows
        return 0, h - rows.bottom_h, w, rows.timeline_h

    @property
    def legend_rect(self) -> tuple[int, int, int, int]:
        """The colour scales' row, under the timeline."""
        w, h = self.size
        rows = self.text_rows
        return 0, h - rows.legend_h - rows.status_h, w, rows.legend_h

    @property
    def status_rect(self) -> tuple[int, int, int, int]:
        """The status line's rectangle."""
        w, h = self.size
        rows = self.text_rows
        return 0, h - rows.status_h, w, rows.status_h

    @property
    def n_panels(self) -> int:
        """Panels on screen: one per run, or one in the difference view."""
        return 1 if self.options.difference else len(self.runs)

    def panel_rects(self) -> list[tuple[int, int, int, int]]:
        """Rectangles of the panels: a grid as square as the window allows."""
        left, top, w, h = self.panel_area
        n = self.n_panels
        best = (1, n)
        best_scale = -1.0
        b = self.runs[0].bounds
        aspect = max(b[2] - b[0], 1e-6) / max(b[3] - b[1], 1e-6)
        for cols in range(1, n + 1):
            rows = math.ceil(n / cols)
            cw, ch = (w - GAP * (cols - 1)) / cols, (h - GAP * (rows - 1)) / rows
            scale = min(cw / aspect, ch)
            if scale > best_scale:
                best, best_scale = (cols, rows), scale
        cols, rows = best
        cw = (w - GAP * (cols - 1)) // cols
        ch = (h - GAP * (rows - 1)) // rows
        return [
            (left + (k % cols) * (cw + GAP), top + (k // cols) * (ch + GAP), cw, ch)
            for k in range(n)
        ]

    def relayout(self, size: tuple[int, int], *, refit: bool = True) -> None:
        """Size the panels for a window of ``size``; refit the venues or keep zoom and pan."""
        self.size = (max(int(size[0]), 64), max(int(size[1]), 64))
        rects = self.panel_rects()
        runs = [self.runs[0]] if self.options.difference else list(self.runs)
        if refit or len(self.views) != len(rects):
            inset = self.text_rows.hud_inset if self.options.hud else 0
            self.views = [
                View.fitted(r.bounds, rect, top_inset_px=inset)
                for r, rect in zip(runs, rects, strict=True)
            ]
        else:
            for view, rect in zip(self.views, rects, strict=True):
                view.resize(rect)

    def set_font_scale(self, scale: float) -> None:
        """Draw text at ``scale`` and lay the panels out again for the rows that hold it.

        Raises:
            ValueError: ``scale`` is not a positive number of at most 10.
        """
        self.options.font_scale = check_font_scale(scale)
        self.relayout(self.size, refit=True)

    def fit(self) -> None:
        """Fit every venue to its panel and stop following."""
        self.follow = False
        self.relayout(self.size, refit=True)

    def panel_at(self, x: float, y: float) -> int | None:
        """Index of the panel under window pixel ``(x, y)``."""
        for k, view in enumerate(self.views):
            if view.contains(x, y):
                return k
        return None

    def panel_run(self, panel: int) -> ReplayRun:
        """The run drawn in a panel (the first run in the difference view)."""
        return self.runs[0 if self.options.difference else panel]

    # -- options --------------------------------------------------------------------------------

    def say(self, text: str, *, seconds: float = 3.0) -> None:
        """Show a short message on the status line."""
        self.status = text
        self.status_until = time.monotonic() + seconds

    def mode_problem(self, mode: ColourMode) -> str | None:
        """Why ``mode`` is unavailable for some run on screen, or ``None``."""
        for run in self.runs:
            problem = run.mode_problem(mode)
            if problem:
                return f"{run.subtitle}: {problem}" if len(self.runs) > 1 else problem
        return None

    def set_colour_mode(self, mode: ColourMode) -> bool:
        """Colour by ``mode`` if every run has its data; else say why (returns success)."""
        problem = self.mode_problem(mode)
        if problem:
            self.say(f"colour by {mode.label} unavailable: {problem}")
            return False
        self.options.colour_mode = mode
        self.say(f"colour: {mode.label}")
        return True

    def next_colour_mode(self) -> None:
        """The next available colour mode."""
        modes = list(ColourMode)
        k = modes.index(self.options.colour_mode)
        for step in range(1, len(modes) + 1):
            mode = modes[(k + step) % len(modes)]
            if self.mode_problem(mode) is None:
                self.set_colour_mode(mode)
                return

    def next_heatmap(self) -> None:
        """Heatmap off → density → time above 4 persons/m² → off."""
        modes = list(HeatmapMode)
        mode = modes[(modes.index(self.options.heatmap) + 1) % len(modes)]
        if mode is HeatmapMode.TIME_ABOVE:
            for run in self.runs:
                run.ensure_time_above()
        self.options.heatmap = mode
        self.say(f"heatmap: {mode.label}")

    def difference_problem(self) -> str | None:
        """Why the difference view is unavailable, or ``None``."""
        if len(self.runs) != 2:
            return f"the difference view needs exactly two runs (got {len(self.runs)})"
        a, b = self.runs
        if a.bounds != b.bounds or a.layouts[a.layout_hash(0)].walkable.wkt != (
            b.layouts[b.layout_hash(0)].walkable.wkt
        ):
            return "the two runs are not of the same venue (their walkable areas differ)"
        return None

    def toggle_difference(self) -> bool:
        """Switch between side by side and the difference view (returns success)."""
        if not self.options.difference:
            problem = self.difference_problem()
            if problem:
                self.say(problem)
                return False
        self.options.difference = not self.options.difference
        self.selection = None
        self.follow = False
        self.relayout(self.size, refit=True)
        self.say("difference view: B − A" if self.options.difference else "side by side")
        return True

    def banner_events(self, run: ReplayRun, *, most: int = 3) -> list[Event]:
        """The events of ``run`` whose text is on screen now: those of the last
        ``event_banner_s`` wall-clock seconds at the current speed, latest ``most`` of them."""
        t = self.playhead.t_s
        window = self.options.event_banner_s * max(self.playhead.speed, 1.0)
        return [e for e in run.events if e.time_s <= t + 1e-9 and t - e.time_s < window][-most:]

    def select(self, selection: Selection | None) -> None:
        """Inspect and follow an agent (``None``: stop)."""
        self.selection = selection
        self.follow = selection is not None

    def update_follow(self) -> None:
        """Keep the followed agent at the centre of its panel."""
        sel = self.selection
        if not self.follow or sel is None or self.options.difference:
            return
        run = self.runs[sel.run]
        snap = run.snapshot(self.playhead.t_s)
        k = int((snap.ids == sel.agent_id).argmax()) if len(snap) else 0
        if len(snap) and snap.ids[k] == sel.agent_id:
            self.views[sel.run].centre_on(*snap.pos[k])
