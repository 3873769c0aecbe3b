"""CrowdSafe's numerical engine: a numba social-force core behind a small validating façade.

Knows nothing of scenario files, Mesa or pygame. ``World`` compiles geometry, ``Crowd`` holds the
agents as arrays, ``Simulation`` steps them; ``simcore.recording`` writes and reads run directories.

Names are imported lazily (PEP 562), so reading a run directory (``simcore.recording``) does not
load numba: the replay viewer starts fast and never touches the kernels.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Crowd": "crowd",
    "CrowdSafeError": "errors",
    "FearParams": "threats",
    "ForceParams": "params",
    "GeometryError": "errors",
    "LayoutChange": "simulation",
    "NORMAL": "params",
    "NavigationFields": "navigation",
    "OutputFormatError": "errors",
    "PANIC": "params",
    "PARAMETER_SETS": "params",
    "ScenarioError": "errors",
    "Simulation": "simulation",
    "SimulationError": "errors",
    "Threat": "threats",
    "ThreatArrays": "threats",
    "World": "world",
    "compute_fields": "navigation",
    "interaction_cutoff": "simulation",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'simcore' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"simcore.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
