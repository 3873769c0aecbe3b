"""Upgrades of older scenario files, chained by ``schema_version``.

``MIGRATIONS[v]`` turns the raw data of a version-``v`` file (the dict parsed from TOML or JSON)
into version ``v + 1`` and sets its ``schema_version``. The loader applies them in order until the
data reaches :data:`~scenarios.models.CURRENT_SCHEMA_VERSION`, then validates. Version 1 is the
first version, so the table is empty; a future version 2 adds ``MIGRATIONS[1]`` (a small pure
function) plus a fixture file of version 1 for its test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simcore.errors import ScenarioError

from .models import CURRENT_SCHEMA_VERSION

__all__ = ["CURRENT_SCHEMA_VERSION", "MIGRATIONS", "Upgrade", "migrate"]

Upgrade = Callable[[dict[str, Any]], dict[str, Any]]

#: ``version -> function`` upgrading a file of that version to the next one.
MIGRATIONS: dict[int, Upgrade] = {}


def migrate(
    data: dict[str, Any],
    *,
    file: str | None = None,
    migrations: dict[int, Upgrade] | None = None,
) -> dict[str, Any]:
    """Bring raw scenario data to the current schema version.

    Args:
        data: the parsed file (not modified).
        file: file name for error messages.
        migrations: the upgrade table (default :data:`MIGRATIONS`; tests pass their own).

    Returns:
        Data whose ``schema_version`` is :data:`CURRENT_SCHEMA_VERSION`.

    Raises:
        ScenarioError: the version is missing, not a whole number, newer than this CrowdSafe, or
            has no upgrade path.
    """
    table = MIGRATIONS if migrations is None else migrations
    if "schema_version" not in data:
        raise ScenarioError(
            f"schema_version is missing; add schema_version = {CURRENT_SCHEMA_VERSION} as the"
            " first line",
            file=file,
            field="schema_version",
        )
    version = data["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise ScenarioError(
            f"schema_version must be a whole number (got {version!r}); write"
            f" schema_version = {CURRENT_SCHEMA_VERSION} without quotes",
            file=file,
            field="schema_version",
        )
    if version > CURRENT_SCHEMA_VERSION:
        raise ScenarioError(
            f"schema_version {version} is newer than this CrowdSafe reads (up to"
            f" {CURRENT_SCHEMA_VERSION}) (got {version}); upgrade CrowdSafe, or write a"
            f" version-{CURRENT_SCHEMA_VERSION} file",
            file=file,
            field="schema_version",
        )
    supported = sorted({*table, CURRENT_SCHEMA_VERSION})
    out = dict(data)
    while version < CURRENT_SCHEMA_VERSION:
        upgrade = table.get(version)
        if upgrade is None:
            raise ScenarioError(
                f"unknown schema_version (got {version}); supported versions:"
                f" {', '.join(map(str, supported))}; set schema_version ="
                f" {CURRENT_SCHEMA_VERSION} and check the file against"
                " scenarios/library/README.md",
                file=file,
                field="schema_version",
            )
        out = upgrade(out)
        version += 1
        if out.get("schema_version") != version:
            raise RuntimeError(
                f"migration from version {version - 1} did not set version {version}"
            )
    return out
