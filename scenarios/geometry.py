"""WKT geometry fields: parsing, validation with a remedy, and cached shapely objects.

Scenario files carry geometry as WKT strings in metres (the lingua franca of JuPedSim, PedPy and
the Pedestrian Dynamics Data Archive). The models keep the strings, so the exported JSON Schema
stays meaningful, and validate them on load with the annotated types below. Parsed geometries are
cached by their WKT text: shapely 2 geometries are immutable, so sharing them is safe.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Final

import shapely
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry

__all__ = [
    "AreaWKT",
    "BarrierWKT",
    "PolygonWKT",
    "parse_wkt",
    "polygonal_parts",
]

_EXAMPLE: Final = "POLYGON ((0 0, 10 0, 10 5, 0 5, 0 0))"

# Remedies for the reasons shapely.is_valid_reason gives (the text before the '[x y]' location).
_VALIDITY_FIXES: Final = {
    "Self-intersection": "edges cross each other there; reorder the corners so the outline does"
    " not cross itself, or split it into several polygons",
    "Ring Self-intersection": "the outline touches itself there; split it into separate polygons"
    " or move the corner",
    "Hole lies outside shell": "an inner ring (hole) lies outside the outer ring; move the hole"
    " inside or make it a separate obstacle",
    "Interior is disconnected": "holes cut the polygon into pieces; use a MULTIPOLYGON",
    "Nested shells": "one polygon of the MULTIPOLYGON lies inside another; merge them or make the"
    " inner one a hole",
    "Nested holes": "a hole lies inside another hole; remove one",
    "Duplicate Rings": "a ring is repeated; remove the duplicate",
    "Too few points": "a ring needs at least three distinct corners plus the repeated first point",
    "Invalid Coordinate": "a coordinate is not a finite number",
}


def _error(problem: str, fix: str) -> PydanticCustomError:
    return PydanticCustomError("crowdsafe_geometry", "{problem}", {"problem": problem, "fix": fix})


def _unclosed_ring(text: str) -> tuple[str, str] | None:
    """First and last point of the first ring of ``text`` that does not close, if any."""
    for ring in re.findall(r"\(([^()]*)\)", text):
        points = [" ".join(p.split()) for p in ring.split(",") if p.strip()]
        if len(points) >= 2 and points[0].split() != points[-1].split():
            try:
                if [float(v) for v in points[0].split()] == [float(v) for v in points[-1].split()]:
                    continue
            except ValueError:
                pass
            return points[0], points[-1]
    return None


@lru_cache(maxsize=4096)
def parse_wkt(text: str) -> BaseGeometry:
    """Parse WKT into a shapely geometry (cached; raises ``GEOSException`` on bad text)."""
    return shapely.from_wkt(text)


def _check(text: str, allowed: tuple[str, ...]) -> str:
    """Validate a WKT string: parses, is 2-D, non-empty, of an allowed type and valid."""
    kinds = " or ".join(allowed)
    if not text.strip():
        raise _error("empty geometry", f"write a {kinds} in WKT, e.g. {_EXAMPLE}")
    try:
        geom = parse_wkt(text)
    except GEOSException as exc:
        reason = str(exc)
        if "closed" in reason:
            ends = _unclosed_ring(text)
            if ends is not None:
                first, last = ends
                raise _error(
                    f"polygon does not close: first point ({first}) ≠ last point ({last})",
                    "repeat the first point at the end",
                ) from None
            raise _error("polygon does not close", "repeat the first point at the end") from None
        if "number of points" in reason or "must be 0 or >= 4" in reason:
            raise _error(
                "a ring has too few points",
                "a ring needs at least three distinct corners plus the repeated first point",
            ) from None
        raise _error(
            f"not valid WKT ({reason.split(':', 1)[-1].strip()})",
            f"write a {kinds} with x y pairs in metres, e.g. {_EXAMPLE}",
        ) from None
    if geom is None or geom.is_empty:
        raise _error("empty geometry", f"give the {kinds} at least one ring, e.g. {_EXAMPLE}")
    if shapely.has_z(geom):
        raise _error("3-D coordinates", "give x y pairs only (metres, plan view)")
    if geom.geom_type.upper() not in allowed:
        raise _error(
            f"wrong geometry type {geom.geom_type.upper()}",
            f"use a {kinds} here, e.g. {_EXAMPLE}",
        )
    if not shapely.is_valid(geom):
        reason = shapely.is_valid_reason(geom)
        kind = reason.split("[", 1)[0].strip()
        fix = next(
            (text for key, text in _VALIDITY_FIXES.items() if kind.startswith(key)),
            "repair the outline (shapely.make_valid shows one way)",
        )
        raise _error(f"invalid {geom.geom_type.lower()}: {reason}", fix)
    if geom.geom_type.upper() in {"POLYGON", "MULTIPOLYGON"} and geom.area <= 0.0:
        raise _error("polygon has zero area", "give the polygon at least three distinct corners")
    if geom.geom_type.upper() == "LINESTRING" and geom.length <= 0.0:
        raise _error("line has zero length", "give the line two distinct points")
    return text


def _polygonal(text: str) -> str:
    return _check(text, ("POLYGON", "MULTIPOLYGON"))


def _polygon(text: str) -> str:
    return _check(text, ("POLYGON",))


def _barrier(text: str) -> str:
    return _check(text, ("POLYGON", "MULTIPOLYGON", "LINESTRING"))


AreaWKT = Annotated[
    str,
    AfterValidator(_polygonal),
    Field(
        description="WKT POLYGON or MULTIPOLYGON in metres; holes are obstacles.",
        examples=[_EXAMPLE],
    ),
]
"""A WKT POLYGON or MULTIPOLYGON (validated, kept as text)."""

PolygonWKT = Annotated[
    str,
    AfterValidator(_polygon),
    Field(
        description="WKT POLYGON in metres.",
        examples=[_EXAMPLE],
    ),
]
"""A WKT POLYGON (validated, kept as text)."""

BarrierWKT = Annotated[
    str,
    AfterValidator(_barrier),
    Field(
        description="WKT POLYGON, MULTIPOLYGON or LINESTRING in metres.",
        examples=["LINESTRING (2 8, 6 8)"],
    ),
]
"""A WKT POLYGON, MULTIPOLYGON or LINESTRING (validated, kept as text)."""


def polygonal_parts(geom: BaseGeometry) -> list[shapely.Polygon]:
    """The polygons of a (multi)polygon or collection, ignoring lines and points."""
    if geom.is_empty:
        return []
    if isinstance(geom, shapely.Polygon):
        return [geom]
    if hasattr(geom, "geoms"):
        out: list[shapely.Polygon] = []
        for g in geom.geoms:
            out.extend(polygonal_parts(g))
        return out
    return []
