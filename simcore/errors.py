"""The exception hierarchy every CrowdSafe layer uses.

No dependencies, so any package (scenarios, experiments, viz) can import it. Messages say what is
wrong, where (file, field, element id, coordinates) and how to fix it; the command line prints them
without a traceback and exits 2.
"""

from __future__ import annotations

__all__ = [
    "CrowdSafeError",
    "GeometryError",
    "OutputFormatError",
    "ScenarioError",
    "SimulationError",
]


class CrowdSafeError(Exception):
    """Base of every error CrowdSafe raises on purpose."""


class ScenarioError(CrowdSafeError, ValueError):
    """A scenario file or model is malformed or semantically invalid.

    Args:
        message: what is wrong and how to fix it.
        file: the scenario file, if known.
        field: dotted path of the offending field (``populations[0].count``), if known.
    """

    def __init__(self, message: str, *, file: str | None = None, field: str | None = None):
        self.message = message
        self.file = file
        self.field = field
        where = ": ".join(part for part in (file, field) if part)
        super().__init__(f"{where}: {message}" if where else message)


class GeometryError(ScenarioError):
    """Geometry that cannot be simulated: invalid polygon, exit off the walkable area, …"""


class OutputFormatError(CrowdSafeError, ValueError):
    """A run directory is missing, truncated, or of an unknown format version."""


class SimulationError(CrowdSafeError, RuntimeError):
    """The simulation reached a state it cannot continue from (reported, never silent)."""
