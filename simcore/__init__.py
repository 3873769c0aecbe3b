"""CrowdSafe's numerical engine: a numba social-force core behind a small validating façade.

Knows nothing of scenario files, Mesa or pygame. ``World`` compiles geometry, ``Crowd`` holds the
agents as arrays, ``Simulation`` steps them.
"""

from .crowd import Crowd
from .errors import (
    CrowdSafeError,
    GeometryError,
    OutputFormatError,
    ScenarioError,
    SimulationError,
)
from .navigation import NavigationFields, compute_fields
from .params import NORMAL, PANIC, PARAMETER_SETS, ForceParams
from .simulation import Simulation, interaction_cutoff
from .world import World

__all__ = [
    "NORMAL",
    "PANIC",
    "PARAMETER_SETS",
    "Crowd",
    "CrowdSafeError",
    "ForceParams",
    "GeometryError",
    "NavigationFields",
    "OutputFormatError",
    "ScenarioError",
    "Simulation",
    "SimulationError",
    "World",
    "compute_fields",
    "interaction_cutoff",
]
