"""Floor plans in: DXF drawings and GeoJSON plans → scenarios → editable TOML files.

::

    from scenarios.importers import import_plan, scenario_to_toml

    imported = import_plan("plan.dxf")                # or "plan.geojson"
    Path("venue.toml").write_text(imported.toml())    # loads with scenarios.load

The readers (:func:`read_dxf`, :func:`read_geojson`) turn a file into a :class:`Plan`: shapes in
metres tagged walkable / obstacle / exit / barrier / spawn. :func:`plan_to_scenario` turns a plan
into a checked :class:`~scenarios.Scenario` with editable defaults, and :func:`scenario_to_toml`
writes any scenario as commented TOML. Layer names (DXF) and feature properties (GeoJSON) are
documented in :mod:`scenarios.importers.dxf` and :mod:`scenarios.importers.geojson`; GeoJSON is
read in LOCAL METRIC coordinates, not longitude/latitude. Every problem raises a
:class:`~simcore.errors.ScenarioError` (:class:`~simcore.errors.GeometryError` for shapes) naming
the file, the layer or feature and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Final

from simcore.errors import ScenarioError

from ..models import Scenario
from .dxf import DxfLayers, read_dxf
from .geojson import read_geojson
from .plan import (
    DEFAULT_BARRIER_THICKNESS_M,
    DEFAULT_DENSITY_PER_M2,
    DEFAULT_DURATION_S,
    Plan,
    PlanElement,
    Role,
    plan_to_scenario,
)
from .writer import scenario_to_toml

__all__ = [
    "DEFAULT_BARRIER_THICKNESS_M",
    "DEFAULT_DENSITY_PER_M2",
    "DEFAULT_DURATION_S",
    "FORMATS",
    "DxfLayers",
    "ImportedPlan",
    "Plan",
    "PlanElement",
    "Role",
    "import_plan",
    "plan_to_scenario",
    "read_dxf",
    "read_geojson",
    "scenario_to_toml",
]

#: File suffixes the importer reads, and their format.
FORMATS: Final = {".dxf": "DXF", ".geojson": "GeoJSON", ".json": "GeoJSON"}


@dataclass(frozen=True)
class ImportedPlan:
    """A plan imported as a scenario.

    Attributes:
        scenario: the checked scenario.
        plan: the shapes read from the file.
        notes: where each element came from (comments for the TOML file).
        density_per_m2: the density used for spawn areas without a count.
    """

    scenario: Scenario
    plan: Plan
    notes: dict[str, str]
    density_per_m2: float

    @property
    def warnings(self) -> tuple[str, ...]:
        """What the reader skipped or changed, one sentence each."""
        return self.plan.warnings

    def toml(self) -> str:
        """The scenario as a commented TOML file a designer can edit."""
        return scenario_to_toml(self.scenario, header=self._header(), notes=self.notes)

    def _header(self) -> str:
        s = self.scenario
        name = Path(self.plan.source).name
        floor = s.walkable_area()
        lines = [
            f"CrowdSafe scenario imported from the {self.plan.kind} plan '{name}'.",
            "",
            f"Floor {floor.area:.0f} m² in a {_extent(floor.bounds)} box; "
            f"{len(s.geometry.obstacles)} obstacle(s), {len(s.exits)} exit(s), "
            f"{len(s.barriers)} barrier(s), {len(s.populations)} population(s) of "
            f"{sum(p.n_agents for p in s.populations)} agents.",
            "Geometry is WKT in metres (x east, y north); comments name the layer or feature"
            " each element came from.",
            "",
            "Defaults to review before running (scenarios/library/README.md explains every key):",
            f"  * counts: {self.density_per_m2:g} agents per m² of each spawn area (off"
            " obstacles) unless the plan gave a count or a density (each population's comment"
            " says which);",
            "  * walking speed 1.34 ± 0.26 m/s (Weidmann 1993), body radius 0.2-0.25 m, reaction"
            " within 0-30 s;",
            f"  * duration_s = {s.duration_s:g} s; barriers drawn as lines are fences of"
            f" {DEFAULT_BARRIER_THICKNESS_M:g} m; barrier ratings are 'none' (set rating ="
            ' "N2" etc. for HVM-rated ones).',
            "Add events (alarm, exit closures) and threats as in scenarios/library/default.toml.",
            "Run it with:  crowdsafe run <this file>",
        ]
        if self.warnings:
            lines += ["", "Import notes:"] + [f"  * {w}" for w in self.warnings]
        return "\n".join(lines)


def _extent(bounds: tuple[float, float, float, float]) -> str:
    xmin, ymin, xmax, ymax = bounds
    return f"{xmax - xmin:.1f} m × {ymax - ymin:.1f} m"


def import_plan(
    path: str | PathLike[str],
    *,
    name: str | None = None,
    density_per_m2: float = DEFAULT_DENSITY_PER_M2,
    duration_s: float = DEFAULT_DURATION_S,
    units: str | None = None,
    ignore_layers: tuple[str, ...] = (),
    layers: DxfLayers | None = None,
) -> ImportedPlan:
    """Read a DXF or GeoJSON plan into a checked scenario.

    Args:
        path: ``.dxf``, ``.geojson`` or ``.json`` file.
        name: scenario name (default: the file name).
        density_per_m2: agents per m² of spawn area where the plan gives no count.
        duration_s: simulated time limit (s).
        units: DXF drawing unit overriding ``$INSUNITS`` ("mm", "cm", "m"…); not for GeoJSON,
            which is always metres.
        ignore_layers: DXF layer patterns to skip.
        layers: DXF layer-name prefixes (default JuPedSim's).

    Raises:
        ScenarioError: an unsupported file type, or any problem of the readers and the check.
    """
    p = Path(path)
    kind = FORMATS.get(p.suffix.lower())
    if kind is None:
        raise ScenarioError(
            f"cannot import '{p.suffix or p.name}' files; give a .dxf drawing or a .geojson plan"
            " (local metric coordinates)",
            file=str(path),
        )
    if kind == "DXF":
        plan = read_dxf(p, layers=layers, ignore_layers=ignore_layers, units=units)
    else:
        if units not in (None, "m"):
            raise ScenarioError(
                "GeoJSON plans are read in metres; rescale the file instead of giving units",
                file=str(path),
            )
        plan = read_geojson(p)
    scenario, notes = plan_to_scenario(
        plan,
        name=name or p.stem,
        density_per_m2=density_per_m2,
        duration_s=duration_s,
    )
    return ImportedPlan(scenario=scenario, plan=plan, notes=notes, density_per_m2=density_per_m2)
