"""Keyboard and mouse: pygame events → changes of the :class:`~viz.state.ReplayState`.

:data:`SHORTCUTS` is the documented key map (shown by ``h``); :class:`InputController` applies it.
No drawing here, so posted events can be tested without looking at pixels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final

import numpy as np

from ._pygame import pygame
from .colour import ColourMode
from .state import ReplayState, Selection

__all__ = ["SHORTCUTS", "InputController"]

#: Seconds jumped by Shift + Left / Right.
JUMP_S: Final = 5.0
#: Zoom factor of one mouse-wheel notch.
WHEEL_ZOOM: Final = 1.2
#: A press that moves less than this (px) before release is a click, not a drag.
_CLICK_SLOP_PX: Final = 4

#: (keys, action), in the order the help overlay lists them.
SHORTCUTS: Final = (
    ("Space", "play / pause"),
    ("Left / Right", "one frame back / forward"),
    ("Shift + Left / Right", f"{JUMP_S:g} s back / forward"),
    ("Up / Down   + / -", "faster / slower (0.25× to 16×)"),
    ("Home / End", "start / end"),
    ("L", "loop on / off"),
    ("C   1 to 5", "next colour / speed, density, fear, population, outcome"),
    ("T", "trails on / off"),
    ("M", "heatmap: off, density, time above 4 persons/m²"),
    ("D", "difference view (two runs of the same venue)"),
    ("F", "fit to window"),
    ("F11", "fullscreen"),
    ("S", "save a screenshot (PNG)"),
    ("H", "this help"),
    ("Esc", "close the help; stop following"),
    ("Q", "quit"),
    ("mouse wheel", "zoom at the cursor"),
    ("drag", "pan"),
    ("click an agent", "follow it and show its details"),
    ("click or drag the timeline", "seek"),
)

_MODE_KEYS: Final = {
    pygame.K_1: ColourMode.SPEED,
    pygame.K_2: ColourMode.DENSITY,
    pygame.K_3: ColourMode.FEAR,
    pygame.K_4: ColourMode.POPULATION,
    pygame.K_5: ColourMode.OUTCOME,
}


class InputController:
    """Applies events to a replay state.

    Args:
        state: the state to change.
        on_fullscreen: called by F11 (the window is the application's business).
        on_screenshot: called by S.
    """

    def __init__(
        self,
        state: ReplayState,
        *,
        on_fullscreen: Callable[[], None] | None = None,
        on_screenshot: Callable[[], None] | None = None,
    ):
        self.state = state
        self._on_fullscreen = on_fullscreen
        self._on_screenshot = on_screenshot
        self._scrubbing = False
        self._press: tuple[int, int] | None = None
        self._dragged = False

    def handle_all(self, events: Iterable[pygame.event.Event]) -> None:
        """Apply a batch of events (``pygame.event.get()``)."""
        for event in events:
            self.handle(event)

    def handle(self, event: pygame.event.Event) -> None:
        """Apply one event."""
        t = event.type
        if t == pygame.QUIT:
            self.state.quit = True
        elif t == pygame.KEYDOWN:
            self._key(event.key, getattr(event, "mod", 0))
        elif t == pygame.MOUSEBUTTONDOWN:
            self._button_down(event.button, event.pos)
        elif t == pygame.MOUSEMOTION:
            self._motion(event.pos, event.rel)
        elif t == pygame.MOUSEBUTTONUP:
            self._button_up(event.button, event.pos)
        elif t == pygame.MOUSEWHEEL:
            pos = getattr(event, "pos", None) or pygame.mouse.get_pos()
            self.zoom(pos, WHEEL_ZOOM ** float(event.y))

    # -- keyboard -------------------------------------------------------------------------------

    def _key(self, key: int, mod: int) -> None:
        s = self.state
        ph = s.playhead
        shift = bool(mod & pygame.KMOD_SHIFT)
        if key == pygame.K_SPACE:
            ph.toggle()
        elif key in (pygame.K_RIGHT, pygame.K_LEFT):
            sign = 1 if key == pygame.K_RIGHT else -1
            if shift:
                ph.jump(sign * JUMP_S)
            else:
                ph.step_frames(sign)
        elif key in (pygame.K_UP, pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS):
            ph.faster()
            s.say(f"speed {ph.speed:g}×")
        elif key in (pygame.K_DOWN, pygame.K_MINUS, pygame.K_KP_MINUS):
            ph.slower()
            s.say(f"speed {ph.speed:g}×")
        elif key == pygame.K_HOME:
            ph.to_start()
        elif key == pygame.K_END:
            ph.to_end()
        elif key == pygame.K_l:
            ph.loop = not ph.loop
            s.say("loop on" if ph.loop else "loop off")
        elif key == pygame.K_c:
            s.next_colour_mode()
        elif key in _MODE_KEYS:
            s.set_colour_mode(_MODE_KEYS[key])
        elif key == pygame.K_t:
            s.options.trails = not s.options.trails
        elif key == pygame.K_m:
            s.next_heatmap()
        elif key == pygame.K_d:
            s.toggle_difference()
        elif key == pygame.K_f:
            s.fit()
        elif key == pygame.K_F11:
            if self._on_fullscreen is not None:
                self._on_fullscreen()
        elif key == pygame.K_s:
            if self._on_screenshot is not None:
                self._on_screenshot()
        elif key == pygame.K_h:
            s.options.show_help = not s.options.show_help
        elif key == pygame.K_ESCAPE:
            if s.options.show_help:
                s.options.show_help = False
            else:
                s.select(None)
        elif key == pygame.K_q:
            s.quit = True

    # -- mouse ----------------------------------------------------------------------------------

    def _in_timeline(self, pos: tuple[int, int]) -> bool:
        x, y, w, h = self.state.timeline_rect
        return self.state.options.hud and x <= pos[0] < x + w and y <= pos[1] < y + h

    def _seek_to(self, x: float) -> None:
        left, _, w, _ = self.state.timeline_rect
        self.state.playhead.seek_fraction((x - (left + 16)) / max(w - 32, 1))

    def _button_down(self, button: int, pos: tuple[int, int]) -> None:
        if button == 1 and self._in_timeline(pos):
            self._scrubbing = True
            self._seek_to(pos[0])
        elif button in (1, 2, 3) and self.state.panel_at(*pos) is not None:
            self._press = pos
            self._dragged = button != 1  # middle and right buttons only pan

    def _motion(self, pos: tuple[int, int], rel: tuple[int, int]) -> None:
        if self._scrubbing:
            self._seek_to(pos[0])
            return
        if self._press is None:
            return
        if not self._dragged:
            dx, dy = pos[0] - self._press[0], pos[1] - self._press[1]
            if max(abs(dx), abs(dy)) < _CLICK_SLOP_PX:
                return
            self._dragged = True
            rel = (dx, dy)
        self.pan(rel)

    def _button_up(self, button: int, pos: tuple[int, int]) -> None:
        if self._scrubbing and button == 1:
            self._scrubbing = False
            return
        if self._press is not None and button == 1 and not self._dragged:
            self.click(pos)
        self._press = None
        self._dragged = False

    def pan(self, rel: tuple[int, int]) -> None:
        """Move every panel's picture by ``rel`` pixels; stops following."""
        self.state.follow = False
        for view in self.state.views:
            view.pan(*rel)

    def zoom(self, pos: tuple[int, int], factor: float) -> None:
        """Zoom every panel by ``factor`` around the same point as ``pos`` in its panel."""
        k = self.state.panel_at(*pos)
        if k is None:
            return
        ref = self.state.views[k]
        rx, ry = pos[0] - ref.left, pos[1] - ref.top
        for view in self.state.views:
            view.zoom_at(view.left + rx, view.top + ry, factor)
        self.state.update_follow()

    def click(self, pos: tuple[int, int]) -> None:
        """Select the agent under ``pos`` (follow it), or clear the selection."""
        s = self.state
        k = s.panel_at(*pos)
        if k is None or s.options.difference:
            s.select(None)
            return
        run, view = s.runs[k], s.views[k]
        snap = run.snapshot(s.playhead.t_s)
        if len(snap) == 0:
            s.select(None)
            return
        sp = view.to_screen(snap.pos)
        d = np.hypot(sp[:, 0] - pos[0], sp[:, 1] - pos[1])
        j = int(np.argmin(d))
        reach = max(run.radii(snap)[j] * view.scale + 3.0, 6.0)
        if d[j] <= reach:
            s.select(Selection(run=k, agent_id=int(snap.ids[j])))
            s.say(f"following agent {int(snap.ids[j])} (Esc to stop)")
        else:
            s.select(None)
