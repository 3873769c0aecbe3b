"""CrowdSafe's scenario language: format, loader, semantic checks, placement, bundled venues.

A scenario is a TOML (or JSON) file validated into a frozen :class:`Scenario`::

    import scenarios

    scenario = scenarios.load(scenarios.library_path("default"))
    floor = scenario.walkable_area()          # shapely: (walkable ∪ exits) − obstacles − barriers
    agents = scenarios.spawn_agents(scenario)  # positions, radii, speeds, pre-movement times

The format is documented in ``scenarios/library/README.md`` and, field by field, in the model
docstrings (:mod:`scenarios.models`); its JSON Schema is ``scenarios/schema/scenario.schema.json``.
Compilation to simulation arrays lives in ``scenarios.build``.
"""

from __future__ import annotations

from . import bench
from .catalog import library_path, list_library
from .checks import GEOMETRY_CODES, Issue, Severity, check
from .distributions import (
    Distribution,
    Gamma,
    LogNormal,
    Normal,
    Quantity,
    Uniform,
    Weibull,
    sample,
)
from .loader import load, load_with_issues, loads, loads_with_issues, validate
from .migrations import CURRENT_SCHEMA_VERSION, MIGRATIONS
from .models import (
    Barrier,
    Exit,
    Geometry,
    ModelParameters,
    Navigation,
    ParameterSet,
    Population,
    Scenario,
)
from .placement import (
    PlacementResult,
    SpawnedAgents,
    place_population,
    spawn_agents,
    try_place_population,
)
from .schema import export_json_schema, json_schema_text

__all__ = [
    "CURRENT_SCHEMA_VERSION",
    "GEOMETRY_CODES",
    "MIGRATIONS",
    "Barrier",
    "Distribution",
    "Exit",
    "Gamma",
    "Geometry",
    "Issue",
    "LogNormal",
    "ModelParameters",
    "Navigation",
    "Normal",
    "ParameterSet",
    "PlacementResult",
    "Population",
    "Quantity",
    "Scenario",
    "Severity",
    "SpawnedAgents",
    "Uniform",
    "Weibull",
    "bench",
    "check",
    "export_json_schema",
    "json_schema_text",
    "library_path",
    "list_library",
    "load",
    "load_with_issues",
    "loads",
    "loads_with_issues",
    "place_population",
    "sample",
    "spawn_agents",
    "try_place_population",
    "validate",
]
