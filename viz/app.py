"""The interactive replay window: events → state, playhead advanced by the wall clock, draw, flip."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import astuple
from pathlib import Path
from typing import Final

from ._pygame import pygame
from .controller import InputController
from .errors import DisplayError
from .render import Renderer
from .run import ReplayRun
from .state import Options, ReplayState

__all__ = ["ReplayApp"]

#: Frame rate the window aims for.
DISPLAY_FPS: Final = 60


class ReplayApp:
    """A replay window over one or more runs.

    Args:
        runs: run directories (or opened runs), side by side in this order.
        size: window size (px).
        options: what is drawn at the start.
        speed, loop: initial playback speed and loop flag.
        fullscreen: start full screen (for a projector).
        play: start playing at once.

    Raises:
        DisplayError: there is no display to open a window on.
        OutputFormatError: a run directory is missing or broken.
    """

    def __init__(
        self,
        runs: Sequence[ReplayRun | Path | str],
        *,
        size: tuple[int, int] = (1280, 720),
        options: Options | None = None,
        speed: float = 1.0,
        loop: bool = False,
        fullscreen: bool = False,
        play: bool = True,
    ):
        self._owned: list[ReplayRun] = []
        opened = []
        try:
            for r in runs:
                if isinstance(r, ReplayRun):
                    opened.append(r)
                else:
                    run = ReplayRun(r, read_ahead=True)
                    self._owned.append(run)
                    opened.append(run)
        except BaseException:
            self.close()
            raise
        self.state = ReplayState(opened, size, options=options or Options())
        self.state.playhead.set_speed(speed)
        self.state.playhead.loop = loop
        self.state.playhead.playing = play
        self._windowed_size = size
        try:
            pygame.display.init()
            pygame.font.init()
            self.screen = self._set_mode(size, fullscreen=fullscreen)
        except pygame.error as exc:
            self.close()
            raise DisplayError(
                f"cannot open a window ({exc}); on a machine without a screen use "
                "--export out.mp4 or --snapshot t=60 out.png"
            ) from exc
        titles = " | ".join(r.title for r in opened)
        pygame.display.set_caption(f"CrowdSafe replay — {titles}")
        self.renderer = Renderer()
        self.controller = InputController(
            self.state, on_fullscreen=self.toggle_fullscreen, on_screenshot=self.screenshot
        )
        self._clock = pygame.time.Clock()
        self._drawn: tuple | None = None

    def _set_mode(self, size: tuple[int, int], *, fullscreen: bool) -> pygame.Surface:
        if fullscreen:
            desktop = pygame.display.get_desktop_sizes()[0]
            screen = pygame.display.set_mode(desktop, pygame.FULLSCREEN)
        else:
            screen = pygame.display.set_mode(size, pygame.RESIZABLE)
        self.state.fullscreen = fullscreen
        self.state.relayout(screen.get_size(), refit=True)
        self._canvas = (
            screen if screen.get_bytesize() == 4 else pygame.Surface(screen.get_size(), 0, 32)
        )
        return screen

    def toggle_fullscreen(self) -> None:
        """Switch between a window and the full screen (for a projector)."""
        if not self.state.fullscreen:
            self._windowed_size = self.state.size
        self.screen = self._set_mode(self._windowed_size, fullscreen=not self.state.fullscreen)
        self._drawn = None

    def screenshot(self, path: Path | str | None = None) -> Path:
        """Save the current picture as PNG (default: ``replay-<time>s.png`` in the working folder)."""
        if path is None:
            base = f"replay-{self.state.playhead.t_s:.1f}s"
            path, k = Path(base + ".png"), 2
            while path.exists():
                path, k = Path(f"{base}-{k}.png"), k + 1
        pygame.image.save(self._canvas, str(path))
        self.state.say(f"saved {path}")
        return Path(path)

    def step(self, wall_dt_s: float) -> None:
        """One displayed frame: handle pending events, advance the playhead, draw, flip."""
        self.controller.handle_all(pygame.event.get())
        size = self.screen.get_size()
        if size != self.state.size:  # the window was resized
            self.state.relayout(size, refit=True)
            if self._canvas is not self.screen:
                self._canvas = pygame.Surface(size, 0, 32)
        ph = self.state.playhead
        runs = self.state.runs
        before = ph.t_s
        ph.advance(wall_dt_s)
        if ph.t_s != before and not all(r.ready(ph.t_s) for r in runs):
            if all(r.ready(before) for r in runs):
                # The disk is slower than the playback: hold the time until the read-ahead has
                # the frames, rather than freeze the window reading them here.
                ph.t_s = before
                self.state.say("reading frames…", seconds=0.5)
        for run in runs:
            run.read_ahead(ph.t_s, speed=ph.speed if ph.playing else 0.0)
        self.state.update_follow()
        signature = self._signature()
        if signature == self._drawn:
            return  # nothing changed (paused, or waiting for frames): leave the CPU to the reader
        self.renderer.draw(self._canvas, self.state)
        self._drawn = signature
        if self._canvas is not self.screen:
            self.screen.blit(self._canvas, (0, 0))
        pygame.display.flip()

    def _signature(self) -> tuple:
        s = self.state
        ph = s.playhead
        status = s.status if time.monotonic() < s.status_until else ""
        views = tuple((v.rect, v.scale, v.ox, v.oy) for v in s.views)
        return (ph.t_s, ph.speed, ph.playing, ph.loop, astuple(s.options), views, s.selection,
                s.follow, s.size, status)  # fmt: skip

    def run(self) -> int:
        """Show the replay until the window is closed or Q is pressed; returns 0."""
        try:
            self._clock.tick(DISPLAY_FPS)
            while not self.state.quit:
                self.step(self._clock.tick(DISPLAY_FPS) / 1000.0)
        finally:
            self.close()
        return 0

    def close(self) -> None:
        """Close the runs this app opened and the window."""
        for run in self._owned:
            run.close()
        self._owned = []
        if pygame.display.get_init():
            pygame.display.quit()
