"""Read a floor plan from a DXF drawing (ezdxf), by layer names.

Default layer names follow JuPedSim's DXF convention (``jps-walkablearea``, ``jps-obstacles``,
``jps-exits-<id>``, ``jps-distributions-<id>``), plus ``jps-barriers-<id>`` for layout barriers:

================================  ===========  ==================================================
layer                             role         entities
================================  ===========  ==================================================
``jps-walkablearea[-*]``,         walkable     closed polylines, circles, hatches (unioned)
``walkablearea[-*]``
``jps-obstacles[-*]``             obstacle     closed polylines, circles, hatches (one each)
``jps-exits-<id>``                exit         closed shapes, merged into one polygon per id
``jps-barriers-<id>``             barrier      closed shapes; or one line/open polyline (a fence)
``jps-distributions-<id>``        spawn        closed shapes, merged per id: one population each
``jps-waypoints-*``,              —            JuPedSim routing; not used (agents follow floor
``jps-journeys-*``                             fields to the nearest exit): skipped, with a warning
================================  ===========  ==================================================

Layer names are matched case-insensitively; the id is the rest of the layer name after the prefix
and a '-' (or '_'). A bare ``jps-exits`` layer gives one exit per entity (``exit-1``, …). Entities
on hidden (off or frozen) layers, and annotation (text, dimensions, points, hatches' fill), are
skipped with a warning. Block references (INSERT) are exploded; an entity on layer ``0`` inside a
block takes the layer of the reference.

Every other layer holding entities is an error that lists them: rename it to a ``jps-*`` layer or
pass it in ``ignore_layers`` (shell-style patterns, e.g. ``"A-FURN*"``).

Units come from the drawing's ``$INSUNITS`` header (mm, cm, m, inch, foot…); a unitless drawing
is read as metres. ``units=`` overrides both. Arcs, circles and splines are flattened with a
chordal tolerance of ``tolerance_m`` (default 2 cm).
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Final

import shapely
from shapely.geometry.base import BaseGeometry

from simcore.errors import GeometryError, ScenarioError

from .plan import AREA_ROLES, Plan, PlanElement, Role, clean_id

__all__ = ["UNITS_M", "DxfLayers", "read_dxf"]

#: Metres per drawing unit, by name (``units=``) …
UNITS_M: Final = {"m": 1.0, "cm": 0.01, "mm": 0.001, "in": 0.0254, "ft": 0.3048, "dm": 0.1,
                  "km": 1000.0, "yd": 0.9144}  # fmt: skip
#: … and by ``$INSUNITS`` code (AutoCAD: 0 unitless, 1 inch, 2 foot, 4 mm, 5 cm, 6 m, 7 km,
#: 10 yard, 14 dm).
_INSUNITS: Final = {1: "in", 2: "ft", 4: "mm", 5: "cm", 6: "m", 7: "km", 10: "yd", 14: "dm"}
#: Entity types that carry no floor geometry (skipped with a warning).
_ANNOTATION: Final = frozenset({"TEXT", "MTEXT", "DIMENSION", "LEADER", "MLEADER", "POINT",
                                "ATTRIB", "ATTDEF", "VIEWPORT", "IMAGE", "WIPEOUT", "TOLERANCE"})  # fmt: skip
#: Entity types read as shapes.
_SHAPES: Final = frozenset({"LWPOLYLINE", "POLYLINE", "LINE", "CIRCLE", "ARC", "ELLIPSE",
                            "SPLINE", "HATCH", "SOLID", "TRACE", "3DFACE"})  # fmt: skip
#: A unitless drawing whose floor is larger than this (m) is taken for a millimetre drawing.
_UNITLESS_MAX_M: Final = 5000.0
#: Ends of an open outline closer than this (m) count as closed.
_CLOSE_TOL_M: Final = 0.001


@dataclass(frozen=True)
class DxfLayers:
    """Layer-name prefixes of each role (case-insensitive).

    Attributes:
        walkable, obstacles: layers ``<prefix>`` or ``<prefix>-<anything>``.
        exits, barriers, spawns: layers ``<prefix>-<id>`` (a bare ``<prefix>``: one element
            per entity, numbered).
        skipped: JuPedSim layers read without error but not used.
    """

    walkable: str = "jps-walkablearea"
    obstacles: str = "jps-obstacles"
    exits: str = "jps-exits"
    barriers: str = "jps-barriers"
    spawns: str = "jps-distributions"
    skipped: tuple[str, ...] = ("jps-waypoints", "jps-journeys")

    def classify(self, layer: str) -> tuple[Role | None, str, bool]:
        """``(role, id, known)`` of a layer name; ``known`` False for a layer of no role."""
        low = layer.lower()

        def rest(prefix: str) -> str | None:
            p = prefix.lower()
            if low == p:
                return ""
            if low.startswith(p) and low[len(p)] in "-_":
                return layer[len(p) + 1 :]
            return None

        for prefix, role in (
            (self.walkable, Role.WALKABLE),
            ("walkablearea", Role.WALKABLE),  # older JuPedSim drawings
            (self.obstacles, Role.OBSTACLE),
        ):
            if rest(prefix) is not None:
                return role, "", True
        for prefix, role in (
            (self.exits, Role.EXIT),
            (self.barriers, Role.BARRIER),
            (self.spawns, Role.SPAWN),
        ):
            r = rest(prefix)
            if r is not None:
                return role, r, True
        if any(rest(p) is not None for p in self.skipped):
            return None, "", True
        return None, "", False


def _describe(entity) -> str:
    handle = getattr(entity.dxf, "handle", None)
    return f"{entity.dxftype()}" + (f" #{handle}" if handle else "")


def _walk(entities: Iterable, layer: str | None = None) -> Iterator[tuple[object, str]]:
    """Entities with their effective layer, block references exploded (recursively)."""
    for e in entities:
        own = e.dxf.get("layer", "0")
        eff = layer if (layer is not None and own == "0") else own
        if e.dxftype() == "INSERT":
            try:
                inner = list(e.virtual_entities())
            except Exception:  # a broken block reference: report as unreadable below
                yield e, eff
                continue
            yield from _walk(inner, eff)
        else:
            yield e, eff


def _full_turn(ellipse) -> bool:
    sweep = abs(ellipse.dxf.end_param - ellipse.dxf.start_param)
    return abs(sweep - 2.0 * math.pi) < 1e-9


def _rings(entity, scale: float, tol: float) -> list[tuple[list[tuple[float, float]], bool]]:
    """Flattened outlines of an entity: ``[(points, closed)]`` in metres."""
    import ezdxf.path

    kind = entity.dxftype()
    if kind == "HATCH":
        paths = list(ezdxf.path.from_hatch(entity))
        forced_closed = True
    else:
        paths = [ezdxf.path.make_path(entity)]
        forced_closed = False
    out = []
    for path in paths:
        pts = [(v.x * scale, v.y * scale) for v in path.flattening(tol / scale)]
        if kind == "LINE" and not pts:
            pts = [
                (entity.dxf.start.x * scale, entity.dxf.start.y * scale),
                (entity.dxf.end.x * scale, entity.dxf.end.y * scale),
            ]
        flagged = bool(
            forced_closed
            or kind in ("CIRCLE", "SOLID", "TRACE", "3DFACE")
            or (kind == "LWPOLYLINE" and entity.closed)
            or (kind == "POLYLINE" and entity.is_closed)
            or (kind == "SPLINE" and entity.closed)
            or (kind == "ELLIPSE" and _full_turn(entity))
        )
        gap = shapely.Point(pts[0]).distance(shapely.Point(pts[-1])) if len(pts) > 1 else 0.0
        out.append((pts, flagged or (len(pts) > 3 and gap <= _CLOSE_TOL_M)))
    return out


def _area(
    rings: list[tuple[list[tuple[float, float]], bool]], where: str, file: str
) -> BaseGeometry:
    polys = []
    for pts, _ in rings:
        distinct = {(round(x, 6), round(y, 6)) for x, y in pts}
        if len(distinct) < 3:
            raise GeometryError(
                f"{where} has fewer than three distinct corners; delete it or redraw it as a"
                " closed outline",
                file=file,
            )
        poly = shapely.Polygon(pts)
        if not poly.is_valid:
            reason = shapely.is_valid_reason(poly)
            raise GeometryError(
                f"{where} is not a valid polygon ({reason}); redraw the outline so that its"
                " edges do not cross",
                file=file,
            )
        polys.append(poly)
    if len(polys) == 1:
        return polys[0]
    # a hatch with islands: even-odd fill, as CAD draws it
    shape = polys[0]
    for p in polys[1:]:
        shape = shape.symmetric_difference(p)
    return shape


def _open_error(role: Role, layer: str, entity, pts, file: str) -> GeometryError:
    gap = shapely.Point(pts[0]).distance(shapely.Point(pts[-1])) if len(pts) > 1 else 0.0
    what = {
        Role.WALKABLE: "the walkable area",
        Role.OBSTACLE: "an obstacle",
        Role.EXIT: "an exit",
        Role.SPAWN: "a spawn area",
    }[role]
    kind = entity.dxftype()
    shape = "a line" if kind in ("LINE", "ARC") else f"an open {kind.lower()}"
    return GeometryError(
        f"layer '{layer}', {_describe(entity)}: {what} must be a closed polygon, but this is"
        f" {shape} (its ends are {gap:.3g} m apart, from ({pts[0][0]:.2f}, {pts[0][1]:.2f}) to"
        f" ({pts[-1][0]:.2f}, {pts[-1][1]:.2f})); close it (the polyline's 'closed' flag, e.g."
        " PEDIT → Close)",
        file=file,
    )


def _scale(doc, units: str | None, file: str) -> tuple[float, str]:
    if units is not None:
        if units not in UNITS_M:
            raise ScenarioError(
                f"unknown drawing unit '{units}'; use one of {', '.join(UNITS_M)}", file=file
            )
        return UNITS_M[units], units
    code = int(doc.header.get("$INSUNITS", 0) or 0)
    if code == 0:
        return 1.0, "m (unitless drawing read as metres)"
    name = _INSUNITS.get(code)
    if name is None:
        raise ScenarioError(
            f"the drawing's unit ($INSUNITS = {code}) is not supported; give the unit"
            f" explicitly (units = one of {', '.join(UNITS_M)})",
            file=file,
        )
    return UNITS_M[name], name


def _open_document(path: Path):
    try:
        import ezdxf
    except ImportError as exc:  # pragma: no cover - ezdxf is a core dependency
        raise ImportError(
            "reading DXF plans needs ezdxf; install it with `pip install ezdxf`"
        ) from exc
    from ezdxf import recover

    file = str(path)
    if not path.is_file():
        raise ScenarioError(
            "file not found; check the path" if not path.exists() else "not a file", file=file
        )
    try:
        doc, auditor = recover.readfile(path)
    except OSError as exc:
        raise ScenarioError(f"cannot read the file ({exc})", file=file) from None
    except ezdxf.DXFStructureError as exc:
        raise ScenarioError(
            f"not a DXF file, or a damaged one ({exc}); export the plan from CAD as DXF"
            " (ASCII or binary, any version)",
            file=file,
        ) from None
    if auditor.has_errors:
        raise ScenarioError(
            f"the DXF file is damaged ({len(auditor.errors)} unrecoverable error(s)); open and"
            " save it again in a CAD program",
            file=file,
        )
    return doc


def read_dxf(
    path: str | PathLike[str],
    *,
    layers: DxfLayers | None = None,
    ignore_layers: Sequence[str] = (),
    units: str | None = None,
    tolerance_m: float = 0.02,
) -> Plan:
    """Read the shapes of a DXF floor plan (model space) by layer.

    Args:
        path: the ``.dxf`` file.
        layers: layer-name prefixes (default: JuPedSim's names, see the module docstring).
        ignore_layers: shell-style patterns of layers to skip silently (furniture, text…).
        units: drawing unit ("mm", "cm", "m", "in", "ft"…), overriding ``$INSUNITS``.
        tolerance_m: chordal tolerance for flattening arcs and curves (m).

    Returns:
        The plan (shapes in metres); turn it into a scenario with
        :func:`scenarios.importers.plan_to_scenario`.

    Raises:
        ScenarioError: file not found, not a DXF, unknown unit, layers of no known role.
        GeometryError: an area (walkable, obstacle, exit, spawn) that is not a closed polygon,
            an invalid polygon (crossing edges), a barrier made of several lines.
    """
    p = Path(path)
    file = str(path)
    names = layers or DxfLayers()
    doc = _open_document(p)
    scale, unit_name = _scale(doc, units, file)
    hidden = {layer.dxf.name.lower() for layer in doc.layers if layer.is_off() or layer.is_frozen()}
    elements: list[PlanElement] = []
    warnings: list[str] = []
    unknown: dict[str, int] = {}
    skipped: dict[str, int] = {}
    numbered: dict[tuple[Role, str], int] = {}
    for entity, layer in _walk(doc.modelspace()):
        if any(fnmatch.fnmatchcase(layer.lower(), pat.lower()) for pat in ignore_layers):
            continue
        role, raw_id, known = names.classify(layer)
        if not known:
            unknown[layer] = unknown.get(layer, 0) + 1
            continue
        kind = entity.dxftype()
        if layer.lower() in hidden or role is None or kind in _ANNOTATION:
            skipped[layer] = skipped.get(layer, 0) + 1
            continue
        where = f"layer '{layer}', {_describe(entity)}"
        if kind not in _SHAPES:
            raise GeometryError(
                f"{where}: cannot read a {kind} entity as a shape; draw it as a closed polyline"
                " (or explode it)",
                file=file,
            )
        rings = _rings(entity, scale, tolerance_m)
        if not rings or not rings[0][0]:
            warnings.append(f"{where}: empty shape skipped")
            continue
        if role is Role.BARRIER and len(rings) == 1 and not rings[0][1]:
            geom: BaseGeometry = shapely.LineString(rings[0][0])
        else:
            for pts, closed in rings:
                if not closed:
                    if role in AREA_ROLES:
                        raise _open_error(role, layer, entity, pts, file)
                    raise GeometryError(
                        f"{where}: a barrier is a closed polygon or a single line; this"
                        " outline is open and part of a larger shape",
                        file=file,
                    )
            geom = _area(rings, where, file)
        eid = ""
        if role in (Role.EXIT, Role.BARRIER, Role.SPAWN):
            prefix = {Role.EXIT: "exit", Role.BARRIER: "barrier", Role.SPAWN: "people"}[role]
            if raw_id:
                eid = clean_id(raw_id, fallback=prefix)
                if eid != raw_id:
                    warnings.append(f"layer '{layer}': id '{raw_id}' written as '{eid}'")
            else:
                k = numbered.get((role, layer), 0) + 1
                numbered[(role, layer)] = k
                eid = f"{prefix}-{k}"
        elements.append(PlanElement(role=role, geometry=geom, id=eid, source=where))
    floor = [e.geometry for e in elements if e.role is Role.WALKABLE]
    if floor and units is None and unit_name.startswith("m (unitless"):
        xmin, ymin, xmax, ymax = shapely.union_all(floor).bounds
        if max(xmax - xmin, ymax - ymin) > _UNITLESS_MAX_M:
            raise ScenarioError(
                f"the drawing has no unit and its floor is {xmax - xmin:.0f} × {ymax - ymin:.0f}"
                " units: read as metres that is not a venue. It is probably drawn in"
                " millimetres; give the unit (units='mm', or --units mm)",
                file=file,
            )
    if unknown:
        listed = ", ".join(f"'{k}' ({v} entities)" for k, v in sorted(unknown.items()))
        raise ScenarioError(
            f"layer(s) of no known role: {listed}. Rename each to a role layer"
            f" ({names.walkable}, {names.obstacles}, {names.exits}-<id>, {names.barriers}-<id>,"
            f" {names.spawns}-<id>), or skip them (ignore_layers / --ignore-layer)",
            file=file,
        )
    for layer, n in sorted(skipped.items()):
        why = "hidden layer" if layer.lower() in hidden else "not used by CrowdSafe"
        warnings.append(f"layer '{layer}': {n} entit{'y' if n == 1 else 'ies'} skipped ({why})")
    if unit_name != "m":
        warnings.append(f"drawing unit: {unit_name}")
    return Plan(source=file, elements=tuple(elements), warnings=tuple(warnings), kind="DXF")
