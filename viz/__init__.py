"""Replay of recorded runs with pygame: player, side by side, heatmaps, inspection, export.

Reads run directories only (through :mod:`simcore.recording`); never imports the engine, Mesa or
the scenario package. The parts:

- :class:`Playhead` — replay time, speed, loop; :func:`frame_position` — interpolation (pure);
- :class:`ReplayRun` — one run directory: frames read in blocks, agents at any time, HUD figures;
- :class:`View` — the world→screen transform of a panel;
- :class:`ReplayState` and :class:`Options` — what is shown; :class:`InputController` — events;
- :class:`Renderer` — draws a state on a surface; :class:`ReplayApp` — the window;
- :mod:`viz.text` — fonts and the heights of the rows holding text at ``Options.font_scale``;
- :func:`export`, :func:`snapshot` — MP4, PNG frames, one PNG, headless.
"""

from .app import ReplayApp
from .colour import ColourMode, HeatmapMode
from .controller import SHORTCUTS, InputController
from .errors import DisplayError, ReplayError
from .export import export, frame_times, snapshot
from .playhead import SPEEDS, Playhead, frame_position
from .render import Renderer
from .run import ReplayRun, Snapshot
from .state import Options, ReplayState, Selection
from .view import View

__all__ = [
    "SHORTCUTS",
    "SPEEDS",
    "ColourMode",
    "DisplayError",
    "HeatmapMode",
    "InputController",
    "Options",
    "Playhead",
    "Renderer",
    "ReplayApp",
    "ReplayError",
    "ReplayRun",
    "ReplayState",
    "Selection",
    "Snapshot",
    "View",
    "export",
    "frame_position",
    "frame_times",
    "snapshot",
]
