"""Errors of the replay (subclasses of :class:`simcore.errors.CrowdSafeError`).

The command line prints them without a traceback and exits 2.
"""

from __future__ import annotations

from ._recording import CrowdSafeError

__all__ = ["DisplayError", "ReplayError"]


class ReplayError(CrowdSafeError, ValueError):
    """A replay request that cannot be carried out: a time outside the run, an odd video size,
    an output that exists already…"""


class DisplayError(CrowdSafeError, RuntimeError):
    """No screen to open a window on (a server or a container): export instead."""
