"""``crowdsafe import``: turn a DXF drawing or a GeoJSON plan into a scenario file to edit."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import scenarios
from scenarios.importers import DEFAULT_DENSITY_PER_M2, DEFAULT_DURATION_S, import_plan
from simcore.errors import ScenarioError

NAME = "import"
HELP = "import a floor plan (DXF layers or GeoJSON in local metres) as a scenario file"

_EPILOG = """\
DXF layers (JuPedSim's names): jps-walkablearea (floor), jps-obstacles, jps-exits-<id>,
jps-barriers-<id>, jps-distributions-<id> (spawn areas). GeoJSON: a FeatureCollection in LOCAL
METRIC coordinates (metres, not longitude/latitude) whose features carry "role" (walkable,
obstacle, exit, barrier, spawn) and "id". See scenarios/importers/dxf.py and geojson.py.
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``crowdsafe import``."""
    p.epilog = _EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("plan", help="the plan: .dxf, .geojson or .json")
    p.add_argument("--out", required=True, help="scenario file to write (.toml)")
    p.add_argument("--name", help="scenario name (default: the plan's file name)")
    p.add_argument(
        "--density",
        type=float,
        default=DEFAULT_DENSITY_PER_M2,
        help=f"agents per m² of spawn area without a count (default {DEFAULT_DENSITY_PER_M2:g})",
    )
    p.add_argument(
        "--duration",
        type=float,
        default=DEFAULT_DURATION_S,
        help=f"simulated time limit in seconds (default {DEFAULT_DURATION_S:g})",
    )
    p.add_argument("--units", help="DXF drawing unit (mm, cm, m, in, ft), overriding $INSUNITS")
    p.add_argument(
        "--ignore-layer",
        action="append",
        default=[],
        metavar="PATTERN",
        help="DXF layers to skip (shell pattern, repeatable), e.g. --ignore-layer 'A-TEXT*'",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out file")


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit status."""
    out = Path(args.out)
    if out.suffix.lower() != ".toml":
        raise ScenarioError("the scenario file to write must end in .toml", file=str(out))
    if out.exists() and not args.overwrite:
        raise ScenarioError("the file exists; pass --overwrite to replace it", file=str(out))
    imported = import_plan(
        args.plan,
        name=args.name,
        density_per_m2=args.density,
        duration_s=args.duration,
        units=args.units,
        ignore_layers=tuple(args.ignore_layer),
    )
    for note in imported.warnings:
        print(f"note: {note}", file=sys.stderr)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(imported.toml(), encoding="utf-8")
    scenario, warnings = scenarios.load_with_issues(out)  # the file must read back as written
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    floor = scenario.walkable_area()
    print(
        f"{out}: floor {floor.area:.0f} m², {len(scenario.exits)} exit(s)"
        f" ({', '.join(scenario.exit_ids)}), {len(scenario.barriers)} barrier(s),"
        f" {sum(p.n_agents for p in scenario.populations)} agents in"
        f" {len(scenario.populations)} population(s)"
    )
    print(f"edit it, then: crowdsafe run {out}")
    return 0
