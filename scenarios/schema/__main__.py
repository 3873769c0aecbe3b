"""Regenerate ``scenarios/schema/scenario.schema.json``: ``python -m scenarios.schema [PATH]``."""

from __future__ import annotations

import sys

from . import export_json_schema

if __name__ == "__main__":
    written = export_json_schema(path=sys.argv[1] if len(sys.argv) > 1 else None)
    print(f"wrote {written}")
