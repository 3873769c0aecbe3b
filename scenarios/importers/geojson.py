"""Read a floor plan from GeoJSON in LOCAL METRIC coordinates.

RFC 7946 GeoJSON is longitude/latitude (WGS 84). Venue plans are not: CrowdSafe reads GeoJSON
coordinates as metres in a local plan frame (x east, y north), the way CAD and GIS tools export a
site plan in a projected CRS. Reproject geographic data to a metric CRS (UTM, a national grid)
and shift it near the origin before importing. A file that declares a geographic ``crs``, or whose
whole extent is smaller than 1 × 1 unit, is rejected as "probably degrees".

The document is a ``FeatureCollection``; each feature carries a ``role`` property:

============  ==========================  ====================================================
role          geometry                    other properties
============  ==========================  ====================================================
walkable      Polygon, MultiPolygon       —
obstacle      Polygon, MultiPolygon       —
exit          Polygon                     ``id``; ``open`` (bool)
barrier       Polygon, MultiPolygon,      ``id``; ``thickness_m`` (lines), ``rating``
              LineString                  ("none", "M1", "N1", "N2", "N3"), ``active`` (bool)
spawn         Polygon, MultiPolygon       ``id``; ``count`` or ``density`` (agents/m²)
============  ==========================  ====================================================

The id is the ``id`` property, else the feature's own ``id`` member. Features sharing an id are
merged (an exit must still be one polygon).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any, Final

import shapely
from shapely.errors import GEOSException

from simcore.errors import GeometryError, ScenarioError

from .plan import Plan, PlanElement, Role, clean_id

__all__ = ["read_geojson"]

_ALLOWED: Final = {
    Role.WALKABLE: ("Polygon", "MultiPolygon"),
    Role.OBSTACLE: ("Polygon", "MultiPolygon"),
    Role.EXIT: ("Polygon",),
    Role.BARRIER: ("Polygon", "MultiPolygon", "LineString"),
    Role.SPAWN: ("Polygon", "MultiPolygon"),
}
_GEOGRAPHIC_CRS: Final = ("4326", "crs84", "wgs84", "wgs 84", "4258", "4269")
_KIND_NAMES: Final = {bool: "true or false", int: "a whole number", float: "a number",
                      str: "text"}  # fmt: skip
_EXTRA: Final = {
    Role.EXIT: {"open": bool},
    Role.BARRIER: {"thickness_m": float, "rating": str, "active": bool},
    Role.SPAWN: {"count": int, "density": float},
}


def _typed(value: Any, kind: type) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind is str:
        return isinstance(value, str)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    return kind is float or float(value).is_integer()


def _load(source: str | PathLike[str] | Mapping[str, Any]) -> tuple[Mapping[str, Any], str]:
    if isinstance(source, Mapping):
        return source, "<geojson>"
    path = Path(source)
    file = str(source)
    if not path.is_file():
        raise ScenarioError(
            "file not found; check the path" if not path.exists() else "not a file", file=file
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"not UTF-8 text (byte {exc.start}): not a GeoJSON file", file=file
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); a GeoJSON"
            " plan is a JSON FeatureCollection",
            file=file,
        ) from None
    if not isinstance(data, Mapping):
        raise ScenarioError("a GeoJSON plan is a JSON object (a FeatureCollection)", file=file)
    return data, file


def _check_crs(data: Mapping[str, Any], file: str) -> None:
    crs = data.get("crs")
    if crs is None:
        return
    text = json.dumps(crs).lower()
    if any(tag in text for tag in _GEOGRAPHIC_CRS):
        raise ScenarioError(
            f"the file declares a geographic CRS ({json.dumps(crs)}): longitude/latitude degrees."
            " CrowdSafe reads GeoJSON as local metric coordinates (metres, x east, y north);"
            " reproject the plan to a metric CRS (UTM or a national grid) and shift it near"
            " (0, 0)",
            file=file,
        )


def read_geojson(source: str | PathLike[str] | Mapping[str, Any]) -> Plan:
    """Read the shapes of a GeoJSON floor plan (local metric coordinates).

    Args:
        source: a ``.geojson``/``.json`` file, or the parsed document (a dict).

    Returns:
        The plan; turn it into a scenario with :func:`scenarios.importers.plan_to_scenario`.

    Raises:
        ScenarioError: file not found, not JSON, not a FeatureCollection, a feature without a
            known ``role``, a property of the wrong type, geographic coordinates.
        GeometryError: a geometry of the wrong type for its role (an exit that is not a
            Polygon…), an invalid polygon.
    """
    data, file = _load(source)
    if data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        got = data.get("type", "no 'type'")
        raise ScenarioError(
            f"expected a GeoJSON FeatureCollection (got {got}); put the plan's shapes in"
            ' {"type": "FeatureCollection", "features": [...]}',
            file=file,
        )
    _check_crs(data, file)
    elements: list[PlanElement] = []
    roles = ", ".join(r.value for r in Role)
    for i, feature in enumerate(data["features"]):
        where = f"features[{i}]"
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            raise ScenarioError(f"{where} is not a GeoJSON Feature", file=file)
        props = feature.get("properties") or {}
        if not isinstance(props, Mapping):
            raise ScenarioError(f"{where}.properties is not an object", file=file)
        raw_role = props.get("role")
        if raw_role is None:
            raise ScenarioError(
                f'{where} has no "role" property; add "role": one of {roles}', file=file
            )
        try:
            role = Role(str(raw_role).lower())
        except ValueError:
            raise ScenarioError(
                f"{where} has unknown role '{raw_role}'; use one of {roles}", file=file
            ) from None
        geometry = feature.get("geometry")
        gtype = geometry.get("type") if isinstance(geometry, Mapping) else None
        if gtype not in _ALLOWED[role]:
            raise GeometryError(
                f"{where} ({role.value}) is a {gtype or 'feature without geometry'}; an"
                f" {role.value} feature must be a {' or '.join(_ALLOWED[role])}"
                + (" (a closed area)" if role is not Role.BARRIER else ""),
                file=file,
            )
        try:
            geom = shapely.from_geojson(json.dumps(geometry))
        except (GEOSException, ValueError) as exc:
            raise GeometryError(f"{where}: unreadable geometry ({exc})", file=file) from None
        if geom.is_empty:
            raise GeometryError(f"{where} ({role.value}) has an empty geometry", file=file)
        if not geom.is_valid:
            raise GeometryError(
                f"{where} ({role.value}) is not a valid {gtype} ({shapely.is_valid_reason(geom)});"
                " redraw it so that its edges do not cross",
                file=file,
            )
        raw_id = props.get("id", feature.get("id"))
        eid = ""
        if role in (Role.EXIT, Role.BARRIER, Role.SPAWN) and raw_id is not None:
            eid = clean_id(str(raw_id), fallback="")
            if not eid:
                raise ScenarioError(
                    f"{where} has id {raw_id!r}, which has no letter or digit; use a short name"
                    " (letters, digits, '-', '_', '.')",
                    file=file,
                )
        extra: dict[str, Any] = {}
        for key, kind in _EXTRA.get(role, {}).items():
            if key not in props:
                continue
            value = props[key]
            ok = _typed(value, kind)
            if not ok:
                raise ScenarioError(
                    f"{where}.properties.{key} = {value!r} is not {_KIND_NAMES[kind]}", file=file
                )
            extra[key] = kind(value)
        elements.append(
            PlanElement(role=role, geometry=geom, id=eid, source=where, properties=extra)
        )
    if elements:
        xmin, ymin, xmax, ymax = shapely.union_all([e.geometry for e in elements]).bounds
        if xmax - xmin < 1.0 and ymax - ymin < 1.0 and max(abs(xmin), abs(xmax)) <= 180.0:
            raise ScenarioError(
                f"the whole plan spans {xmax - xmin:.3g} × {ymax - ymin:.3g} units around"
                f" ({xmin:.4f}, {ymin:.4f}): these look like longitude/latitude degrees."
                " CrowdSafe reads GeoJSON as local metric coordinates (metres); reproject the"
                " plan to a metric CRS and shift it near (0, 0)",
                file=file,
            )
    return Plan(source=file, elements=tuple(elements), kind="GeoJSON")
