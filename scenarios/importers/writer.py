"""Scenario → TOML text that :func:`scenarios.load` reads back and a designer can edit.

The writer emits only what the scenario was built with (``model_dump(exclude_unset=True)``), so a
file stays short and every default keeps tracking the engine's. Long WKT geometry is written as a
multi-line string, one ring per line and wrapped at about 100 characters (WKT ignores the line
breaks). Comments can be attached to the file, to sections and to single elements::

    text = scenario_to_toml(
        scenario,
        header="Imported from plan.dxf",
        notes={"exits.gate-1": "4 m double doors", "geometry": "the floor of the hall"},
    )

Note keys: a section name (``geometry``, ``exits``, ``model``…), ``<section>.<id>`` for an exit,
barrier, population or threat, ``events.<index>`` for an event and ``obstacles.<index>`` for an
entry of ``geometry.obstacles``. The TOML is written by hand (no extra dependency): strings as TOML
basic strings with escapes, floats in Python's shortest round-tripping form.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Mapping
from typing import Any, Final

from ..models import Scenario

__all__ = ["scenario_to_toml", "toml_value"]

#: Target width of a line of WKT inside a multi-line string.
WKT_WIDTH: Final = 96
#: Width comments are wrapped to.
COMMENT_WIDTH: Final = 100
#: Strings at least this long that look like WKT are written as multi-line strings.
_LONG: Final = 72

_ARRAY_TABLES: Final = ("exits", "barriers", "populations", "events", "threats")
_TABLES: Final = ("geometry", "model", "navigation", "fear")
_BARE_KEY: Final = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES: Final = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
                   "\r": "\\r"}  # fmt: skip


def _string(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else _string(name)


def _float(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = repr(float(x))
    return text if any(c in text for c in ".en") else text + ".0"


def toml_value(value: Any) -> str:
    """One value as TOML (inline form: tables as ``{ k = v }``, lists on one line).

    Raises:
        TypeError: a value TOML cannot hold (None, bytes, objects).
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        items = _ordered(value).items()
        return "{ " + ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in items) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as TOML")


def _ml_escape(text: str) -> str:
    """Escape for a TOML multi-line basic string: newlines stay literal, all else as in _string."""
    out = []
    for ch in text:
        if ch == "\n":
            out.append("\n")
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def _wrapped(text: str) -> str:
    """A long WKT string as a TOML multi-line string that reads back to exactly ``text``.

    Lines are broken after a space (", " between points, "), " between rings) by TOML's
    line-ending backslash, which drops the line break and the next line's indentation, so the
    value is unchanged; line breaks already in the text are kept as they are.
    """
    lines: list[str] = []
    for raw in _ml_escape(text).split("\n"):
        tokens = re.split(r"(?<= )(?=\S)", raw) if raw else [""]
        current = ""
        for token in tokens:
            if current.strip() and len(current) + len(token) > WKT_WIDTH:
                lines.append(current + "\\")
                current = "    " + token
            else:
                current += token
        lines.append(current)
    body = "\n".join(lines)
    # TOML drops a line break right after the opening quotes: add one when the text starts so
    return '"""' + ("\n" if body.startswith("\n") else "") + body + '"""'


def _is_wkt(text: str) -> bool:
    head = text.lstrip().split("(", 1)[0].strip().upper()
    return head in {"POLYGON", "MULTIPOLYGON", "LINESTRING", "MULTILINESTRING", "POINT"}


def _string_value(text: str) -> str:
    if (len(text) < _LONG and "\n" not in text) or not _is_wkt(text):
        return _string(text)
    return _wrapped(text)


def _comment(text: str, indent: str = "") -> list[str]:
    """Comment lines, wrapped at ``COMMENT_WIDTH`` (a wrapped bullet keeps its indentation)."""
    out = []
    for line in text.splitlines():
        body = line.lstrip()
        lead = line[: len(line) - len(body)]
        hang = lead + ("  " if body[:2] in ("* ", "- ") else "")
        wrapped = textwrap.wrap(
            body,
            width=max(40, COMMENT_WIDTH - len(indent) - 2),
            initial_indent=lead,
            subsequent_indent=hang,
            break_long_words=False,
            break_on_hyphens=False,
        )
        out.extend(f"{indent}# {w}".rstrip() for w in wrapped or [""])
    return out


def _ordered(table: Mapping[str, Any]) -> dict[str, Any]:
    """A distribution table reads best as its name, its parameters, then min/max."""
    if "distribution" not in table:
        return dict(table)
    head = {"distribution": table["distribution"]}
    head.update({k: v for k, v in table.items() if k not in ("distribution", "min", "max")})
    head.update({k: table[k] for k in ("min", "max") if k in table})
    return head


def _pairs(table: Mapping[str, Any]) -> list[str]:
    out = []
    for k, v in table.items():
        if v is None:
            continue
        rendered = _string_value(v) if isinstance(v, str) else toml_value(v)
        out.append(f"{_key(k)} = {rendered}")
    return out


def _geometry(table: Mapping[str, Any], notes: Mapping[str, str]) -> list[str]:
    out = []
    for k, v in table.items():
        if k != "obstacles":
            out.append(f"{_key(k)} = {_string_value(v)}")
            continue
        if not v:
            out.append("obstacles = []")
            continue
        out.append("obstacles = [")
        for i, wkt in enumerate(v):
            out.extend(_comment(notes.get(f"obstacles.{i}", ""), "    "))
            out.append(f"    {_string_value(wkt)},")
        out.append("]")
    return out


def scenario_to_toml(
    scenario: Scenario,
    *,
    header: str = "",
    notes: Mapping[str, str] | None = None,
) -> str:
    """Write a scenario as TOML text.

    Only the fields the scenario was built with are written (defaults stay implicit), except
    ``schema_version``, ``name`` and ``duration_s``, which are always there.

    Args:
        scenario: the scenario.
        header: comment put at the top of the file (one ``#`` line per line of text).
        notes: comments put before sections and elements (keys: see the module docstring).

    Returns:
        The TOML text, ending with a newline; ``scenarios.loads(text, fmt="toml")`` reads it back
        into an equal scenario.
    """
    notes = dict(notes or {})
    data = scenario.model_dump(mode="json", exclude_unset=True)
    data.setdefault("schema_version", scenario.schema_version)
    lines = _comment(header)
    if lines:
        lines.append("")
    scalars = {k: v for k, v in data.items() if k not in _TABLES and k not in _ARRAY_TABLES}
    first = ("schema_version", "name", "description", "duration_s")
    ordered = {k: scalars[k] for k in first if k in scalars}
    ordered.update({k: v for k, v in scalars.items() if k not in ordered})
    lines.extend(_pairs(ordered))
    sections = [k for k in type(scenario).model_fields if k in data and k not in scalars]
    for section in sections:
        value = data[section]
        if section in _TABLES:
            if not value and section != "geometry":
                continue
            lines.append("")
            lines.extend(_comment(notes.get(section, "")))
            lines.append(f"[{section}]")
            if section == "geometry":
                lines.extend(_geometry(value, notes))
            else:
                lines.extend(_pairs(value))
            continue
        if not value:
            continue
        if section in notes:
            lines.append("")
            lines.extend(_comment(notes[section]))
        for i, item in enumerate(value):
            lines.append("")
            key = f"{section}.{i}" if section == "events" else f"{section}.{item.get('id', i)}"
            lines.extend(_comment(notes.get(key, "")))
            lines.append(f"[[{section}]]")
            lines.extend(_pairs(item))
    return "\n".join(lines) + "\n"
