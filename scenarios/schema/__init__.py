"""JSON Schema of the scenario format, exported from the pydantic models.

The committed file ``scenario.schema.json`` lets editors and ``jsonschema`` users validate
scenarios (for TOML, e.g. with a ``#:schema`` directive in Taplo / Even Better TOML). Regenerate it
after changing the models with::

    python -m scenarios.schema

A test fails when the committed file differs from the models.
"""

from __future__ import annotations

import json
from os import PathLike
from pathlib import Path
from typing import Final

from ..models import Scenario

__all__ = ["SCHEMA_PATH", "export_json_schema", "json_schema_text"]

#: Where the committed schema lives.
SCHEMA_PATH: Final = Path(__file__).resolve().parent / "scenario.schema.json"
_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"


def json_schema_text() -> str:
    """The JSON Schema of :class:`~scenarios.Scenario` as canonical text (sorted keys, 2-space
    indent, trailing newline)."""
    schema = {"$schema": _DIALECT, **Scenario.model_json_schema(mode="validation")}
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export_json_schema(*, path: str | PathLike[str] | None = None) -> Path:
    """Write the JSON Schema file.

    Args:
        path: destination (default: the committed ``scenarios/schema/scenario.schema.json``).

    Returns:
        The path written.
    """
    out = Path(path) if path is not None else SCHEMA_PATH
    out.write_text(json_schema_text(), encoding="utf-8")
    return out
