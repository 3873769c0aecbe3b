"""On-disk schema of ``trajectory.sqlite``: table names, DDL, version numbers, geometry hash.

The first four tables are JuPedSim's SQLite trajectory format, version 2 (read by PedPy's
``load_trajectory_from_jupedsim_sqlite`` and ``load_walkable_area_from_jupedsim_sqlite`` and by
JuPedSim's viewers); the others are CrowdSafe's and are ignored by those tools.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

#: Version of JuPedSim's SQLite schema this package writes (``metadata.version``).
JUPEDSIM_SCHEMA_VERSION: Final = 2
#: Version of CrowdSafe's own additions (``run_info.format_version``, ``summary.json``).
FORMAT_VERSION: Final = 1

TRAJECTORY_TABLE: Final = "trajectory_data"
METADATA_TABLE: Final = "metadata"
GEOMETRY_TABLE: Final = "geometry"
FRAME_DATA_TABLE: Final = "frame_data"
AGENT_STATE_TABLE: Final = "agent_state"
EVENTS_TABLE: Final = "events"
RUN_INFO_TABLE: Final = "run_info"

TRAJECTORY_INDEX: Final = "frame_id_idx"

#: Tables every CrowdSafe trajectory file has; the reader refuses a file lacking one.
REQUIRED_TABLES: Final = (
    TRAJECTORY_TABLE,
    METADATA_TABLE,
    GEOMETRY_TABLE,
    FRAME_DATA_TABLE,
    AGENT_STATE_TABLE,
    EVENTS_TABLE,
    RUN_INFO_TABLE,
)

CREATE_TABLES: Final = (
    f"CREATE TABLE {TRAJECTORY_TABLE} ("
    "frame INTEGER NOT NULL, id INTEGER NOT NULL, pos_x REAL NOT NULL, pos_y REAL NOT NULL, "
    "ori_x REAL NOT NULL, ori_y REAL NOT NULL)",
    f"CREATE TABLE {METADATA_TABLE} (key TEXT NOT NULL UNIQUE PRIMARY KEY, value TEXT NOT NULL)",
    f"CREATE TABLE {GEOMETRY_TABLE} (hash INTEGER NOT NULL, wkt TEXT NOT NULL)",
    f"CREATE TABLE {FRAME_DATA_TABLE} (frame INTEGER NOT NULL, geometry_hash INTEGER NOT NULL)",
    f"CREATE TABLE {EVENTS_TABLE} (time_s REAL, kind TEXT, target TEXT, text TEXT)",
    f"CREATE TABLE {RUN_INFO_TABLE} (key TEXT PRIMARY KEY, value TEXT)",
)

CREATE_INDEX: Final = f"CREATE INDEX {TRAJECTORY_INDEX} ON {TRAJECTORY_TABLE} (frame, id)"

TRAJECTORY_COLUMNS: Final = ("frame", "id", "pos_x", "pos_y", "ori_x", "ori_y")

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_RESERVED_STATE_NAMES: Final = frozenset({"frame", "id", "rowid", "oid", "_rowid_"})


def create_agent_state_sql(columns: tuple[str, ...]) -> str:
    """DDL of the ``agent_state`` table: ``frame``, ``id`` and one REAL column per quantity.

    A WITHOUT ROWID table keyed by ``(frame, id)``: one B-tree instead of a table plus an index,
    which makes the file about a third smaller for this table and lookups by frame direct.
    """
    extra = "".join(f', "{name}" REAL' for name in columns)
    return (
        f"CREATE TABLE {AGENT_STATE_TABLE} (frame INTEGER NOT NULL, id INTEGER NOT NULL{extra}, "
        "PRIMARY KEY (frame, id)) WITHOUT ROWID"
    )


def check_state_columns(columns: tuple[str, ...]) -> None:
    """Check names of per-agent state quantities before they become SQL columns.

    Raises:
        ValueError: a name is not a plain identifier, is reserved or repeats.
    """
    seen: set[str] = set()
    for name in columns:
        if not isinstance(name, str) or not _IDENTIFIER.match(name):
            raise ValueError(
                f"state column {name!r} is not a plain identifier; use letters, digits and "
                "underscores, starting with a letter (e.g. 'speed_mps')"
            )
        if name.lower() in _RESERVED_STATE_NAMES:
            raise ValueError(f"state column {name!r} is reserved; rename it (e.g. '{name}_value')")
        if name.lower() in seen:
            raise ValueError(f"state column {name!r} is given twice (names are case-insensitive)")
        seen.add(name.lower())


def geometry_hash(wkt: str) -> int:
    """Deterministic 64-bit hash of a WKT geometry, as stored in ``geometry.hash``.

    BLAKE2b with an 8-byte digest of the UTF-8 bytes, read big-endian as a signed int64 (SQLite's
    INTEGER range). Unlike Python's ``hash`` it does not change between processes.

    Args:
        wkt: the geometry as Well-Known Text, exactly as stored.

    Returns:
        The hash, in ``[-2**63, 2**63)``.
    """
    digest = hashlib.blake2b(wkt.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
