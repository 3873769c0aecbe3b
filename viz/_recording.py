"""The run-directory reader: the only way into ``simcore`` the replay has.

``simcore`` loads its engine names lazily, so these imports do not load numba or the kernels
(``tests/test_viz_imports.py`` checks it).
"""

from __future__ import annotations

import simcore.columns as col
from simcore.errors import CrowdSafeError, OutputFormatError
from simcore.recording import Event, FrameBlock, FrameData, RunReader

__all__ = [
    "CrowdSafeError",
    "Event",
    "FrameBlock",
    "FrameData",
    "OutputFormatError",
    "RunReader",
    "col",
]
