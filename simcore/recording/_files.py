"""Atomic text, JSON and CSV files of a run directory, and their value conversions."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import secrets
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "atomic_write_csv",
    "atomic_write_json",
    "atomic_write_text",
    "csv_column",
    "json_text",
    "jsonable",
    "temp_files",
]

_TMP_SUFFIX = ".tmp"


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def temp_files(path: Path) -> list[Path]:
    """Leftover temporary files of :func:`atomic_write_text` for ``path`` (after a hard kill)."""
    prefix = _temp_prefix(path)
    return [
        p
        for p in path.parent.glob(f"{prefix}*{_TMP_SUFFIX}")
        if p.name.startswith(prefix) and p.is_file()
    ]


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never a part.

    The text goes to a temporary file in the same directory (same file system), is flushed to
    disk, then moved over ``path`` with :func:`os.replace`. The temporary file is removed if
    anything fails.
    """
    # Not tempfile.mkstemp: its files are private (0600); results should get the usual
    # permissions (0666 less the umask), like any other file the user writes.
    for _ in range(100):
        tmp_name = path.parent / f"{_temp_prefix(path)}{secrets.token_hex(6)}{_TMP_SUFFIX}"
        try:
            fd = os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 collisions of 48 random bits
        raise FileExistsError(f"cannot create a temporary file next to {path}")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as tmp:
            tmp.write(text)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def jsonable(value: Any) -> Any:
    """``value`` with numpy scalars and arrays, tuples and paths turned into JSON types.

    JSON has no NaN or infinity, so non-finite floats become ``None`` (``null``).

    Raises:
        TypeError: a value has no JSON form.
    """
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, got {key!r}")
            out[key] = jsonable(item)
        return out
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{type(value).__name__} value {value!r} cannot be written as JSON")


def json_text(value: Any) -> str:
    """Compact JSON text of ``value`` (after :func:`jsonable`), as stored in ``run_info``."""
    return json.dumps(jsonable(value), ensure_ascii=False, allow_nan=False)


def atomic_write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write a mapping as indented UTF-8 JSON, atomically (see :func:`jsonable` for conversions)."""
    text = json.dumps(jsonable(data), indent=2, ensure_ascii=False, allow_nan=False)
    atomic_write_text(path, text + "\n")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # repr round-trips a float exactly; NaN means "no value" (e.g. not evacuated).
        return "" if math.isnan(value) else repr(value)
    return str(value)


def csv_column(values: Sequence[Any] | np.ndarray) -> list[str]:
    """Cells of one CSV column: empty for ``None``/NaN, exact ``repr`` for floats."""
    if isinstance(values, np.ndarray):
        values = values.tolist()
    return [_cell(v.item() if isinstance(v, np.generic) else v) for v in values]


def atomic_write_csv(path: Path, header: Sequence[str], columns: Iterable[list[str]]) -> None:
    """Write a CSV file (``header`` then the rows formed by ``columns``), atomically."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(zip(*columns, strict=True))
    atomic_write_text(path, buffer.getvalue())
