"""Scenario variants for sweeps and comparisons: field overrides, geometry moves, templates.

Three ways to say how a run differs from its base scenario, from simplest to most general:

1. **A field by its dotted path** — any scalar (or table) of the scenario format::

       duration_s                                  model.tau_s
       populations.passengers.count                populations[0].premovement_s.max
       barriers.queue-rail.active                  fear.herding

   List items are addressed by id (``populations.passengers``) or by position
   (``populations[0]``). The result is validated again as a whole, so a bad value gets the
   loader's message (field, value, fix).

2. **Geometry keys** that do not exist in the file but say what a designer means:

   - ``exits.<id>.width_m`` — the door's new width (m). The exit polygon is stretched along its
     door edge about the door's midpoint. This is honest only where the outline is a straight
     wall over the new width (a strip outside a façade, a strip inside the floor at its edge):
     the door is measured again afterwards (:func:`experiments.metrics.flow.door_width`) and a
     mismatch is an error that says to use a template instead (e.g. when the exit sits at the
     end of a corridor whose width would also have to change).
   - ``exits.<id>.dx_m`` / ``dy_m`` — move the exit (e.g. along its façade).
   - ``barriers.<id>.dx_m`` / ``dy_m`` — move a barrier (its offset from where it is drawn).

   Moves are applied before widths. The scenario's checks (exit touches the floor, barriers
   leave a route…) run on the result.

3. **Templates**: a scenario file may contain ``${expression}`` anywhere in its text, e.g. a
   corridor whose width is a parameter::

       walkable = "POLYGON ((0 0, 10 0, 10 ${5 - w/2}, 15 ${5 - w/2}, 15 ${5 + w/2}, ...))"

   Expressions use numbers, the sweep's parameter names, ``+ - * / // % **``, parentheses and
   ``min max abs round sqrt sin cos tan pi``. The text is expanded before it is parsed, so every
   value is checked like a hand-written file.
"""

from __future__ import annotations

import ast
import copy
import itertools
import json
import math
import operator
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

import numpy as np
import shapely
import shapely.affinity

import scenarios
from scenarios import Scenario
from simcore.errors import ScenarioError

__all__ = [
    "GEOMETRY_KEYS",
    "apply_overrides",
    "expand_template",
    "is_template",
    "load_scenario",
    "template_names",
]

#: Virtual keys per list: ``<list>.<id>.<key>``.
GEOMETRY_KEYS: Final = {
    "exits": ("width_m", "dx_m", "dy_m"),
    "barriers": ("dx_m", "dy_m"),
}
#: A stretched door must measure the asked width within this (m).
WIDTH_TOL_M: Final = 0.01

_TEMPLATE = re.compile(r"\$\{([^}]*)\}")


# --------------------------------------------------------------------------------------------------
# Loading a base scenario


def load_scenario(ref: str | Path, *, base_dir: Path | None = None) -> tuple[Scenario, str, str]:
    """Load a scenario file or a bundled venue by name.

    Args:
        ref: a path (``.toml``/``.json``), or the name of a bundled venue (``"default"``).
        base_dir: relative paths are taken from here (default: the working directory).

    Returns:
        ``(scenario, text, source)``: the checked scenario, its file text (for templates) and
        the path used in messages.

    Raises:
        ScenarioError: the file is missing, malformed or invalid (as :func:`scenarios.load`).
    """
    path = Path(ref)
    if base_dir is not None and not path.is_absolute():
        path = base_dir / path
    if not path.exists() and path.suffix == "" and str(ref) in scenarios.list_library():
        path = scenarios.library_path(str(ref))
    scenario = scenarios.load(path)
    return scenario, path.read_text(encoding="utf-8-sig"), str(path)


# --------------------------------------------------------------------------------------------------
# Templates


def is_template(text: str) -> bool:
    """Whether scenario text holds ``${…}`` placeholders."""
    return _TEMPLATE.search(text) is not None


def template_names(text: str) -> set[str]:
    """The variable names used in the placeholders of ``text``."""
    names: set[str] = set()
    for m in _TEMPLATE.finditer(text):
        try:
            tree = ast.parse(m.group(1).strip(), mode="eval")
        except SyntaxError:
            continue
        names |= {
            n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in _FUNCTIONS
        }
    return names


_BINOPS: Final[dict[type, Callable[[Any, Any], Any]]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_FUNCTIONS: Final[dict[str, Any]] = {
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "sqrt": math.sqrt,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "pi": math.pi,
}


def _evaluate(expr: str, values: Mapping[str, Any]) -> Any:
    """Evaluate an arithmetic expression over ``values`` (no attribute access, no builtins)."""

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in values:
                return values[node.id]
            if node.id in _FUNCTIONS and not callable(_FUNCTIONS[node.id]):
                return _FUNCTIONS[node.id]
            raise KeyError(node.id)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return _BINOPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            v = ev(node.operand)
            return -v if isinstance(node.op, ast.USub) else +v
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and callable(_FUNCTIONS.get(node.func.id))
            and not node.keywords
        ):
            return _FUNCTIONS[node.func.id](*(ev(a) for a in node.args))
        raise ValueError(f"'{ast.unparse(node)}' is not allowed")

    return ev(ast.parse(expr.strip(), mode="eval"))


def _format(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.12g}"
    return str(value)


def expand_template(text: str, values: Mapping[str, Any], *, source: str) -> str:
    """Replace every ``${expression}`` in scenario text by its value.

    Raises:
        ScenarioError: an expression is malformed, uses something other than arithmetic, or
            names a variable that has no value (the message lists the known names).
    """

    def repl(m: re.Match[str]) -> str:
        expr = m.group(1)
        line = text.count("\n", 0, m.start()) + 1
        where = f"line {line}, `${{{expr}}}`"
        try:
            return _format(_evaluate(expr, values))
        except KeyError as exc:
            known = ", ".join(sorted(values)) or "none"
            raise ScenarioError(
                f"{where}: no value for '{exc.args[0]}' (known: {known}); give it in the"
                " sweep's [parameters] or [set]",
                file=source,
            ) from None
        except SyntaxError:
            raise ScenarioError(
                f"{where}: not an expression; write arithmetic such as ${{5 - w/2}}", file=source
            ) from None
        except (ValueError, TypeError, ZeroDivisionError, OverflowError) as exc:
            raise ScenarioError(
                f"{where}: {exc}; use numbers, parameter names, + - * / ** and"
                " min/max/abs/round/sqrt/sin/cos/tan/pi",
                file=source,
            ) from None

    return _TEMPLATE.sub(repl, text)


# --------------------------------------------------------------------------------------------------
# Dotted paths


def _split(path: str) -> list[str | int]:
    """``populations[0].radius_m.max`` → ``["populations", 0, "radius_m", "max"]``."""
    out: list[str | int] = []
    for part in path.split("."):
        m = re.fullmatch(r"([^\[\]]*)((?:\[\d+\])*)", part)
        if m is None:
            out.append(part)
            continue
        if m.group(1):
            out.append(m.group(1))
        out.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return out


def _find_item(items: list[Any], parts: list[str | int], k: int) -> tuple[int, int] | None:
    """Index of the list item whose id is the longest prefix of ``parts[k:]`` (ids may hold
    dots), and how many parts it used."""
    for end in range(len(parts), k, -1):
        if not all(isinstance(p, str) for p in parts[k:end]):
            continue
        name = ".".join(str(p) for p in parts[k:end])
        for i, item in enumerate(items):
            if isinstance(item, dict) and item.get("id") == name:
                return i, end - k
    return None


def _walk(
    data: dict[str, Any], path: str, *, source: str, create: bool = True
) -> tuple[Any, str | int, str]:
    """The container and key that ``path`` names in ``data``, and the path as written so far.

    Raises:
        ScenarioError: a part of the path does not exist (with the valid choices).
    """
    parts = _split(path)
    node: Any = data
    done = ""
    k = 0
    fresh = False  # the table was absent (None) and has just been created
    while k < len(parts) - 1:
        part = parts[k]
        if isinstance(node, list):
            if isinstance(part, int):
                if not 0 <= part < len(node):
                    raise ScenarioError(
                        f"{done} has {len(node)} item(s), no [{part}];"
                        f" use an index 0…{len(node) - 1} or an id",
                        file=source,
                        field=path,
                    )
                node, done, k = node[part], f"{done}[{part}]", k + 1
                continue
            found = _find_item(node, parts, k)
            if found is None:
                ids = [str(i.get("id")) for i in node if isinstance(i, dict) and "id" in i]
                raise ScenarioError(
                    f"{done} has no item with id '{part}'; ids here: {', '.join(ids) or 'none'}",
                    file=source,
                    field=path,
                )
            i, used = found
            node, done, k = node[i], f"{done}.{node[i]['id']}", k + used
            continue
        if isinstance(node, dict):
            if part not in node:
                keys = ", ".join(str(x) for x in node) or "none"
                raise ScenarioError(
                    f"{done or 'the scenario'} has no key '{part}'; keys here: {keys}",
                    file=source,
                    field=path,
                )
            fresh = node[part] is None and create
            if fresh:
                node[part] = {}
            node, done, k = node[part], f"{done}.{part}" if done else str(part), k + 1
            continue
        raise ScenarioError(
            f"{done} is a value ({json.dumps(node)}), not a table or a list; set '{done}' itself",
            file=source,
            field=path,
        )
    last = parts[-1]
    if isinstance(node, list) and not isinstance(last, int):
        raise ScenarioError(
            f"{done} is a list; name an item's key, e.g. '{done}.<id>.<key>'",
            file=source,
            field=path,
        )
    if isinstance(node, dict) and last not in node and not fresh:
        keys = ", ".join(str(x) for x in node) or "none"
        raise ScenarioError(
            f"{done or 'the scenario'} has no key '{last}'; keys here: {keys}",
            file=source,
            field=path,
        )
    if not isinstance(node, dict | list):
        raise ScenarioError(
            f"{done} is a value, not a table; set '{done}' itself",
            file=source,
            field=path,
        )
    return node, last, done


def _geometry_key(data: dict[str, Any], path: str) -> tuple[str, int, str] | None:
    """``(list name, item index, key)`` if ``path`` is a virtual geometry key."""
    parts = _split(path)
    if len(parts) < 3 or parts[0] not in GEOMETRY_KEYS or parts[-1] not in GEOMETRY_KEYS[parts[0]]:
        return None
    items = data.get(str(parts[0])) or []
    if isinstance(parts[1], int) and len(parts) == 3:
        return (str(parts[0]), parts[1], str(parts[-1])) if parts[1] < len(items) else None
    found = _find_item(items, parts[:-1], 1)
    if found is None or found[1] != len(parts) - 2:
        return None
    return str(parts[0]), found[0], str(parts[-1])


def _number(value: Any, path: str, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(
            f"must be a finite number (got {value!r}); give metres",
            file=source,
            field=path,
        )
    return float(value)


def _stretch(area_wkt: str, floor: Any, width_m: float, exit_id: str, source: str) -> str:
    from .metrics.flow import door_line

    exit_poly = shapely.from_wkt(area_wkt)
    door = door_line(exit_poly, floor)
    if door is None or door.length <= 0:
        raise ScenarioError(
            f"exit '{exit_id}' does not meet the floor, so its width cannot be set; fix the"
            " exit first",
            file=source,
            field=f"exits.{exit_id}.width_m",
        )
    # door direction: its longest straight piece (the tolerance band adds specks at the ends)
    segments = []
    for part in shapely.get_parts(shapely.line_merge(door)):
        c = np.asarray(shapely.get_coordinates(part))
        segments.extend(itertools.pairwise(c))
    a, b = max(segments, key=lambda ab: float(np.hypot(*(ab[1] - ab[0]))))
    u = (b - a) / np.hypot(*(b - a))
    ends = np.array([p for ab in segments for p in ab if np.hypot(*(ab[1] - ab[0])) > 1e-4])
    proj = (ends - a) @ u
    mid = a + u * (proj.max() + proj.min()) / 2.0
    length = float(proj.max() - proj.min())
    s = width_m / length
    m = np.eye(2) + (s - 1.0) * np.outer(u, u)
    off = mid - m @ mid
    return shapely.affinity.affine_transform(
        exit_poly, [m[0, 0], m[0, 1], m[1, 0], m[1, 1], off[0], off[1]]
    ).wkt


def apply_overrides(
    base: Scenario | dict[str, Any],
    overrides: Mapping[str, Any],
    *,
    source: str = "<overrides>",
) -> Scenario:
    """A new scenario: ``base`` with fields set by dotted path and geometry keys applied.

    Args:
        base: the scenario (or its ``model_dump(mode="json")`` data).
        overrides: ``{dotted path: value}``; see the module docstring for the paths.
        source: shown as the file in error messages (e.g. ``"sweep.toml, point 3"``).

    Returns:
        The structurally validated scenario. Semantic checks (exit on the floor, reachable
        exits…) are not run here: call :func:`scenarios.check`, or load it with
        :func:`scenarios.loads` as the sweep workers do.

    Raises:
        ScenarioError: a path does not exist, or the result is not a valid scenario.
    """
    data = copy.deepcopy(base.model_dump(mode="json") if isinstance(base, Scenario) else base)
    geometric: list[tuple[str, int, str, float, str]] = []
    for path, value in overrides.items():
        geo = _geometry_key(data, path)
        if geo is not None:
            geometric.append((*geo, _number(value, path, source), path))
            continue
        node, key, _ = _walk(data, path, source=source)
        node[key] = copy.deepcopy(value)
    moves = [g for g in geometric if g[2] != "width_m"]
    widths = [g for g in geometric if g[2] == "width_m"]
    for kind, i, key, value, _ in moves:
        item = data[kind][i]
        field = "area" if kind == "exits" else "geometry"
        dx, dy = (value, 0.0) if key == "dx_m" else (0.0, value)
        item[field] = shapely.affinity.translate(shapely.from_wkt(item[field]), dx, dy).wkt
    if widths:
        moved = scenarios.validate(data, file=source)
        for kind, i, _, value, path in widths:
            item = data[kind][i]
            if value <= 0:
                raise ScenarioError(f"must be > 0 m (got {value:g})", file=source, field=path)
            others = frozenset(e.id for e in moved.exits if e.open and e.id != item["id"])
            floor = moved.walkable_area(open_exits=others)
            item["area"] = _stretch(item["area"], floor, value, item["id"], source)
    scenario = scenarios.validate(data, file=source)
    from .metrics.flow import door_width

    for _, i, _, value, path in widths:
        exit_ = scenario.exits[i]
        others = frozenset(e.id for e in scenario.exits if e.open and e.id != exit_.id)
        got = door_width(exit_.shape(), scenario.walkable_area(open_exits=others | {exit_.id}))
        if abs(got - value) > WIDTH_TOL_M:
            raise ScenarioError(
                f"{value:g} m: stretched along its door, exit '{exit_.id}' opens"
                f" {got:.2f} m onto the floor, not {value:g} m (the outline around it is not a"
                " straight wall over that width, e.g. the exit ends a corridor); draw the opening"
                " with a ${...} template in the scenario file instead",
                file=source,
                field=path,
            )
    return scenario
