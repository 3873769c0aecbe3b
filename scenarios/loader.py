"""Reading scenario files: TOML or JSON → migration → structural validation → semantic checks.

Every failure raises :class:`~simcore.errors.ScenarioError` (or its subclass
:class:`~simcore.errors.GeometryError` when every problem is geometric) carrying the file, the
dotted field path of the first problem (``populations[1].desired_speed_mps.std``), and a message
that lists every problem as ``field: problem (got VALUE); fix``. The full list is also on the
exception as ``problems`` (strings) and, for semantic errors, ``issues``
(:class:`~scenarios.checks.Issue`).
"""

from __future__ import annotations

import difflib
import json
import logging
import re
import tomllib
import types
import typing
from os import PathLike
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from simcore.errors import GeometryError, ScenarioError

from .checks import GEOMETRY_CODES, Issue, Severity, check
from .distributions import _BY_NAME, DISTRIBUTION_NAMES, TAG_PREFIX
from .migrations import migrate
from .models import Scenario
from .threats import THREAT_KINDS

__all__ = ["load", "load_with_issues", "loads", "loads_with_issues"]

_log = logging.getLogger("scenarios")

Format = Literal["toml", "json"]
_SUFFIXES: Final[dict[str, Format]] = {".toml": "toml", ".json": "json"}
_README: Final = "scenarios/library/README.md"


# --------------------------------------------------------------------------------------------------
# Public API


def load(path: str | PathLike[str]) -> Scenario:
    """Load, validate and check a scenario file (``.toml`` or ``.json``).

    Warnings of the semantic check are logged (logger ``"scenarios"``); use
    :func:`load_with_issues` to get them.

    Args:
        path: the file.

    Returns:
        The frozen, checked scenario.

    Raises:
        ScenarioError: unreadable, malformed, invalid, or semantically wrong (all problems
            listed); GeometryError when every problem is geometric.
    """
    scenario, issues = load_with_issues(path)
    _log_warnings(issues, str(path))
    return scenario


def load_with_issues(path: str | PathLike[str]) -> tuple[Scenario, list[Issue]]:
    """Like :func:`load`, and also return the warnings of the semantic check.

    Returns:
        ``(scenario, warnings)``; the list holds only WARNING issues (errors raise).
    """
    p = Path(path)
    fmt = _SUFFIXES.get(p.suffix.lower())
    if fmt is None:
        raise ScenarioError(
            f"unsupported file type '{p.suffix}' (got {p.name}); use a .toml or .json file",
            file=str(path),
        )
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ScenarioError("file not found; check the path", file=str(path)) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read the file ({exc.strerror})", file=str(path)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", file=str(path)
        ) from None
    return loads_with_issues(text, fmt=fmt, source=str(path))


def loads(text: str, *, fmt: Format, source: str | None = None) -> Scenario:
    """Parse, validate and check a scenario given as text.

    Args:
        text: TOML or JSON text.
        fmt: ``"toml"`` or ``"json"``.
        source: name shown as the file in error messages (default ``"<string>"``).

    Returns:
        The frozen, checked scenario.

    Raises:
        ScenarioError: as :func:`load`.
    """
    scenario, issues = loads_with_issues(text, fmt=fmt, source=source)
    _log_warnings(issues, source or "<string>")
    return scenario


def loads_with_issues(
    text: str, *, fmt: Format, source: str | None = None
) -> tuple[Scenario, list[Issue]]:
    """Like :func:`loads`, and also return the warnings of the semantic check."""
    file = source or "<string>"
    data = _parse(text, fmt, file)
    data = migrate(data, file=file)
    scenario = validate(data, file=file)
    issues = check(scenario)
    errors = [i for i in issues if i.severity is Severity.ERROR]
    if errors:
        lines = [str(i) for i in errors]
        cls = GeometryError if all(i.code in GEOMETRY_CODES for i in errors) else ScenarioError
        exc = _error(cls, lines, file, errors[0].field, single=str(errors[0]).split(": ", 1)[1])
        exc.problems = lines  # type: ignore[attr-defined]
        exc.issues = errors  # type: ignore[attr-defined]
        raise exc
    return scenario, [i for i in issues if i.severity is Severity.WARNING]


def validate(data: dict[str, Any], *, file: str | None = None) -> Scenario:
    """Validate raw data (already migrated) into a :class:`Scenario`; no semantic checks.

    Raises:
        ScenarioError: one error listing every structural problem.
    """
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(err) for err in exc.errors()]
        lines = [f"{field or '(top level)'}: {text}" for field, text, _ in problems]
        cls = GeometryError if all(geo for _, _, geo in problems) else ScenarioError
        err = _error(cls, lines, file, problems[0][0] or None, single=problems[0][1])
        err.problems = lines  # type: ignore[attr-defined]
        raise err from None


# --------------------------------------------------------------------------------------------------
# Parsing


_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")


def _parse(text: str, fmt: Format, file: str) -> dict[str, Any]:
    if fmt == "toml":
        try:
            data: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            msg = str(exc)
            m = _TOML_POS.search(msg)
            reason = _TOML_POS.sub("", msg).strip()
            if m is None:
                where, excerpt = "at the end of the file", ""
            else:
                line, col = int(m.group(1)), int(m.group(2))
                where = f"at line {line}, column {col}"
                lines = text.splitlines()
                excerpt = f" `{lines[line - 1].strip()}`" if 0 < line <= len(lines) else ""
            raise ScenarioError(
                f"malformed TOML {where}: {reason} (got{excerpt or ' the end of the file'});"
                " check quotes, brackets and 'key = value' on that line (WKT and ids are"
                ' strings: walkable = "POLYGON ((...))")',
                file=file,
            ) from None
    elif fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            lines = text.splitlines()
            excerpt = lines[exc.lineno - 1].strip() if 0 < exc.lineno <= len(lines) else ""
            raise ScenarioError(
                f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
                f" (got `{excerpt[:80]}`); check commas, quotes and brackets on that line",
                file=file,
            ) from None
    else:
        raise ScenarioError(f"unknown format {fmt!r}; use 'toml' or 'json'", file=file)
    if not isinstance(data, dict):
        raise ScenarioError(
            f"the top level must be a table/object of keys (got {type(data).__name__});"
            " start with schema_version, name, duration_s, [geometry]…",
            file=file,
        )
    return data


# --------------------------------------------------------------------------------------------------
# Pydantic errors → readable lines


def _is_threat_tag(loc: tuple[int | str, ...], k: int) -> bool:
    """Whether ``loc[k]`` is the discriminator tag pydantic inserts after ``threats[i]``."""
    return k == 2 and loc[0] == "threats" and loc[k] in THREAT_KINDS


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for k, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif (isinstance(part, str) and part.startswith(TAG_PREFIX)) or _is_threat_tag(loc, k):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _unwrap(tp: Any) -> list[Any]:
    """The concrete alternatives of an annotation (Annotated and Optional stripped)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        out = []
        for arg in typing.get_args(tp):
            if arg is not type(None):
                out.extend(_unwrap(arg))
        return out
    return [tp]


def _resolve(loc: tuple[int | str, ...]) -> tuple[list[Any], FieldInfo | None]:
    """Types found at ``loc`` walking from :class:`Scenario`, and the last field's info."""
    types_: list[Any] = [Scenario]
    info: FieldInfo | None = None
    for k, part in enumerate(loc):
        nxt: list[Any] = []
        if _is_threat_tag(loc, k):
            types_ = [THREAT_KINDS[str(part)]]
            continue
        for tp in types_:
            for alt in _unwrap(tp):
                origin = typing.get_origin(alt)
                if isinstance(part, str) and part.startswith(TAG_PREFIX):
                    cls = _BY_NAME.get(part[len(TAG_PREFIX) :])
                    if cls is not None:
                        nxt.append(cls)
                    elif part == f"{TAG_PREFIX}number":
                        nxt.append(float)
                elif isinstance(part, int) and origin in (list, tuple):
                    args = typing.get_args(alt)
                    if origin is tuple and len(args) > part:
                        nxt.append(args[part])
                    elif args:
                        nxt.append(args[0])
                elif isinstance(alt, type) and issubclass(alt, BaseModel):
                    field = alt.model_fields.get(str(part))
                    if field is not None:
                        info = field
                        nxt.append(field.annotation)
        if not nxt:
            return [], info
        types_ = nxt
    return types_, info


def _keys_at(loc: tuple[int | str, ...]) -> list[str]:
    types_, _ = _resolve(loc)
    keys: list[str] = []
    for tp in types_:
        for alt in _unwrap(tp):
            if isinstance(alt, type) and issubclass(alt, BaseModel):
                keys.extend(k for k in alt.model_fields if k not in keys)
    return keys


def _num(v: Any) -> str:
    if isinstance(v, int | float) and float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:g}" if isinstance(v, float) else str(v)


def _show(value: Any) -> str:
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, float):
        text = repr(value)
    elif isinstance(value, dict | list):
        text = json.dumps(value, default=str, ensure_ascii=False)
    else:
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


_TYPE_WORDS: Final = {
    "float": "a number",
    "int": "a whole number",
    "string": "a string in quotes",
    "bool": "true or false",
    "list": "a list [ ... ]",
    "tuple": "a pair [x, y]",
    "dict": "a table { ... }",
    "model": "a table { ... }",
}


def _describe(err: dict[str, Any]) -> tuple[str, str, bool]:
    """Field path, ``problem (got VALUE); fix``, and whether it is geometric, for one error."""
    loc = tuple(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    field = _path(loc)
    _, info = _resolve(loc)
    meaning = (info.description or "").rstrip(".") if info is not None else ""
    meaning = meaning[:1].lower() + meaning[1:]
    got = f" (got {_show(value)})"
    geometric = kind == "crowdsafe_geometry"

    if kind in {"crowdsafe", "crowdsafe_geometry"}:
        problem, fix = ctx["problem"], ctx["fix"]
        if isinstance(value, dict) and "id" in value:
            got = ""  # a whole exit/barrier/population: the problem names it
    elif kind == "extra_forbidden":
        key = str(loc[-1])
        field = _path(loc)
        valid = _keys_at(loc[:-1])
        close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
        problem = f"unknown key '{key}'"
        fix = (f"did you mean '{close[0]}'? " if close else "remove it; ") + (
            f"valid keys here: {', '.join(valid)}"
        )
    elif kind == "missing":
        key = str(loc[-1])
        problem, got = f"required key '{key}' is missing", ""
        fix = f"add {key} = …" + (f" ({meaning})" if meaning else "")
    elif kind in {"union_tag_invalid", "union_tag_not_found"} and loc[:1] == ("threats",):
        name = str(ctx.get("tag", ""))
        kinds = list(THREAT_KINDS)
        close = difflib.get_close_matches(name, kinds, n=1)
        field = f"{_path(loc)}.kind"
        problem = f"unknown threat kind '{name}'" if name else "a threat needs a 'kind' key"
        fix = (
            f"did you mean '{close[0]}'? " if close else ""
        ) + f"use kind = one of {', '.join(kinds)}"
    elif kind == "union_tag_invalid":
        name = str(ctx.get("tag", "")).removeprefix(TAG_PREFIX)
        close = difflib.get_close_matches(name, DISTRIBUTION_NAMES, n=1)
        problem = f"unknown distribution '{name}'"
        fix = (f"did you mean '{close[0]}'? " if close else "") + (
            f"use one of {', '.join(DISTRIBUTION_NAMES)}, or a plain number"
        )
    elif kind == "union_tag_not_found":
        problem = "a distribution table needs a 'distribution' key"
        fix = (
            'add distribution = "normal" (or ' + ", ".join(DISTRIBUTION_NAMES[1:]) + ")"
            ", or give a plain number"
        )
    elif kind.endswith("_type") or kind.endswith("_parsing") or kind == "model_attributes_type":
        wanted = _TYPE_WORDS.get(kind.split("_")[0], kind.split("_")[0])
        problem = f"wrong type: expected {wanted}"
        fix = f"write {wanted}" + (f" ({meaning})" if meaning else "")
    elif kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        sign = {"greater_than": ">", "greater_than_equal": "≥", "less_than": "<"}.get(kind, "≤")
        bound = next(iter(ctx.values()), "")
        problem = f"must be {sign} {_num(bound)}"
        limits = _limits(info) or f"{sign} {_num(bound)}"
        fix = f"use a value {limits}" + (f" ({meaning})" if meaning else "")
    elif kind == "finite_number":
        problem = "must be a finite number"
        fix = "replace inf/nan with a number"
    elif kind in {"too_short", "too_long"}:
        size = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        problem = f"must have {'at least' if kind == 'too_short' else 'at most'} {size} item(s)"
        fix = (
            "leave the key out to allow every exit"
            if field.endswith(".exits")
            else f"give {meaning or 'the required number of items'}"
        )
    elif kind == "string_pattern_mismatch":
        problem = "not a valid id"
        fix = "use letters, digits, '_', '-' and '.', starting with a letter or digit"
    elif kind in {"literal_error", "enum"}:
        problem = err["msg"].replace("Input should be", "must be")
        fix = f"use {ctx.get('expected', 'one of the allowed values')}"
    else:
        problem = err["msg"]
        fix = f"see {_README}" + (f" ({meaning})" if meaning else "")
    return field, f"{problem}{got}; {fix}", geometric


def _limits(info: FieldInfo | None) -> str:
    """The numeric bounds declared on a field, e.g. "> 0, ≤ 0.1"."""
    parts: list[str] = []

    def collect(meta: Any) -> None:
        if isinstance(meta, FieldInfo):
            for m in meta.metadata:
                collect(m)
            return
        for attr, sign in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤")):
            v = getattr(meta, attr, None)
            if isinstance(v, int | float) and f"{sign} {_num(v)}" not in parts:
                parts.append(f"{sign} {_num(v)}")

    def visit(tp: Any) -> None:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            args = typing.get_args(tp)
            visit(args[0])
            for m in args[1:]:
                collect(m)
        elif origin in (typing.Union, types.UnionType):
            for arg in typing.get_args(tp):
                visit(arg)

    if info is not None:
        visit(info.annotation)
        for m in info.metadata:
            collect(m)
    return ", ".join(parts)


def _error(
    cls: type[ScenarioError], lines: list[str], file: str, field: str | None, *, single: str
) -> ScenarioError:
    """One exception for all problems; ``field`` is the first problem's field.

    With one problem the message is ``problem (got VALUE); fix`` after ``file: field:``; with
    several it lists them all, each with its own field, and ``.field`` still names the first.
    """
    if len(lines) == 1:
        return cls(single, file=file, field=field)
    exc = cls(f"{len(lines)} problems:\n" + "\n".join(f"  - {line}" for line in lines), file=file)
    exc.field = field
    return exc


def _log_warnings(issues: list[Issue], file: str) -> None:
    for issue in issues:
        _log.warning("%s: %s", file, issue)
