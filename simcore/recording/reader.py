"""Read a run directory written by :class:`~simcore.recording.RunWriter`.

Used by the replay viewer (random access by frame), metrics (everything at once) and tests. The
database is opened read-only; every way a run directory can be broken (missing, not a database,
truncated, missing tables, unknown versions) raises :class:`~simcore.errors.OutputFormatError`
naming the path and what to do.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any, Final, NoReturn, Self

import numpy as np

from ..columns import (
    AGENTS_CSV_COLUMNS,
    AGENTS_FILE,
    DESIRED_SPEED_COL,
    EXIT_COL,
    FORMAT_VERSION_KEY,
    ID_COL,
    INTERRUPTED_KEY,
    OUTCOME_COL,
    POPULATION_COL,
    RADIUS_COL,
    SPAWN_X_COL,
    SPAWN_Y_COL,
    SUMMARY_FILE,
    T_EVACUATED_COL,
    T_START_COL,
    THREATS_CSV_COLUMNS,
    THREATS_FILE,
    TRAJECTORY_FILE,
)
from ..errors import OutputFormatError
from . import _schema

__all__ = ["Event", "FrameBlock", "FrameData", "RunReader"]

_SQLITE_MAGIC: Final = b"SQLite format 3\x00"
_FLOAT_AGENT_COLUMNS: Final = frozenset(
    {T_START_COL, T_EVACUATED_COL, SPAWN_X_COL, SPAWN_Y_COL, DESIRED_SPEED_COL, RADIUS_COL}
)
_TEXT_AGENT_COLUMNS: Final = frozenset({POPULATION_COL, EXIT_COL, OUTCOME_COL})
_FETCH_ROWS: Final = 65536
#: Unit suffixes of quantity columns (``exposure_s``, ``distance_m``): float even when empty.
_UNIT_SUFFIXES: Final = ("_s", "_m", "_mps", "_m2")


def _readonly(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@dataclass(frozen=True, slots=True)
class FrameBlock:
    """Consecutive frames read at once: frame ``start + k`` is rows ``offsets[k]:offsets[k+1]``.

    Attributes:
        start: first frame; offsets: int64 ``(k + 1,)``; ids: int64 ``(m,)``, sorted by id within
        a frame; pos, ori: float64 ``(m, 2)``; state: one float64 ``(m,)`` array per column.
    """

    start: int
    offsets: np.ndarray
    ids: np.ndarray
    pos: np.ndarray
    ori: np.ndarray
    state: Mapping[str, np.ndarray] = field(default_factory=dict)

    def frame(self, frame: int) -> FrameData:
        """One frame of the block as :class:`FrameData` (views, no copy)."""
        k = frame - self.start
        if not 0 <= k < len(self.offsets) - 1:
            raise IndexError(f"frame {frame} is not in this block")
        lo, hi = int(self.offsets[k]), int(self.offsets[k + 1])
        return FrameData(
            frame=frame,
            ids=self.ids[lo:hi],
            pos=self.pos[lo:hi],
            ori=self.ori[lo:hi],
            state=MappingProxyType({n: a[lo:hi] for n, a in self.state.items()}),
        )


@dataclass(frozen=True, slots=True)
class FrameData:
    """The agents recorded in one frame, sorted by id.

    Attributes:
        frame: the frame number.
        ids: agent ids, int64, shape ``(n,)``, ascending.
        pos: positions in metres, float64, shape ``(n, 2)``.
        ori: unit headings, float64, shape ``(n, 2)``.
        state: one float64 array of shape ``(n,)`` per state column (NaN where none was stored).
    """

    frame: int
    ids: np.ndarray
    pos: np.ndarray
    ori: np.ndarray
    state: Mapping[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.ids.size)


@dataclass(frozen=True, slots=True)
class Event:
    """A timed event of the run (threat action, exit closed…)."""

    time_s: float
    kind: str
    target: str
    text: str


class RunReader:
    """Read-only access to a run directory.

    Args:
        run_dir: the run directory (holding ``trajectory.sqlite``).

    Raises:
        OutputFormatError: the directory or its trajectory database is missing, not a SQLite
            database, truncated, lacks tables, or has an unknown version; or ``summary.json``
            exists but cannot be parsed.

    Attributes:
        fps: recorded frames per second.
        n_frames: number of recorded frames (frames are ``0 … n_frames-1``).
        bounds: ``(xmin, ymin, xmax, ymax)`` in metres.
        format_version: CrowdSafe format version of the run.
        run_info: the writer's provenance (engine version, scenario, seed, ``dt_s``…).
        state_columns: names of the per-agent state quantities.
        summary: contents of ``summary.json``, or ``None`` if the run has none yet (it crashed
            before closing); the trajectory is readable either way.
    """

    def __init__(self, run_dir: Path | str):
        self._dir = Path(run_dir)
        self._path = self._dir / TRAJECTORY_FILE
        if not self._dir.exists():
            self._fail(
                f"run directory {self._dir} does not exist; check the path (a run directory is "
                "made by running a scenario)"
            )
        if not self._dir.is_dir():
            self._fail(f"run directory {self._dir} is not a directory; pass the run's folder")
        if not self._path.is_file():
            self._fail(
                f"{self._path} is missing: {self._dir} is not a run directory, or its run did "
                "not start; run the scenario again"
            )
        self._check_header()
        try:
            self._con = sqlite3.connect(self._path.resolve().as_uri() + "?mode=ro", uri=True)
        except sqlite3.Error as exc:
            self._fail(f"cannot open {self._path}: {exc}", exc)
        try:
            self._load()
        except BaseException:
            self._con.close()
            raise
        self.summary: dict[str, Any] | None = self._load_summary()

    # -- validation ---------------------------------------------------------------------------

    @staticmethod
    def _fail(message: str, cause: BaseException | None = None) -> NoReturn:
        raise OutputFormatError(message) from cause

    def _damaged(self, exc: BaseException) -> NoReturn:
        self._fail(
            f"{self._path} is damaged or is not a CrowdSafe trajectory database ({exc}); "
            "run the scenario again to rewrite it",
            exc,
        )

    def _check_header(self) -> None:
        try:
            size = self._path.stat().st_size
            with self._path.open("rb") as file:
                head = file.read(100)
        except OSError as exc:
            self._fail(f"cannot read {self._path}: {exc}", exc)
        if size == 0:
            self._fail(f"{self._path} is empty; run the scenario again to rewrite it")
        if not head.startswith(_SQLITE_MAGIC):
            self._fail(
                f"{self._path} is not a SQLite database (its first bytes are {head[:16]!r}); "
                "it was overwritten by something else: run the scenario again"
            )
        page_size = int.from_bytes(head[16:18], "big") if len(head) >= 18 else 0
        page_size = 65536 if page_size == 1 else page_size
        truncated = len(head) < 100 or page_size < 512 or size % page_size != 0
        if not truncated and head[24:28] == head[92:96]:  # header page count is valid
            expected = int.from_bytes(head[28:32], "big") * page_size
            truncated = size < expected
        if truncated:
            self._fail(
                f"{self._path} is truncated ({size} bytes; an interrupted copy or a full disk?); "
                "copy it again from the original or run the scenario again"
            )

    def _load(self) -> None:
        try:
            self._load_tables()
        except OutputFormatError:
            raise
        except (sqlite3.Error, ValueError, TypeError, KeyError) as exc:
            self._damaged(exc)

    def _load_tables(self) -> None:
        con = self._con
        names = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
        missing = [t for t in _schema.REQUIRED_TABLES if t not in names]
        if missing == [_schema.RUN_INFO_TABLE] or (
            _schema.RUN_INFO_TABLE in missing and _schema.TRAJECTORY_TABLE in names
        ):
            self._fail(
                f"{self._path} has no {_schema.RUN_INFO_TABLE} table: it is a JuPedSim trajectory "
                "file, not a CrowdSafe run; load it with pedpy.load_trajectory_from_jupedsim_sqlite"
            )
        if missing:
            self._fail(
                f"{self._path} lacks the tables {missing}: it is not a CrowdSafe trajectory "
                "database, or it is damaged; run the scenario again"
            )
        metadata = dict(con.execute(f"SELECT key, value FROM {_schema.METADATA_TABLE}"))
        version = metadata.get("version")
        if str(version) != str(_schema.JUPEDSIM_SCHEMA_VERSION):
            self._fail(
                f"{self._path} has trajectory schema version {version!r} in its metadata; this "
                f"CrowdSafe reads version {_schema.JUPEDSIM_SCHEMA_VERSION} only: write the run "
                "again with this version, or read it with the CrowdSafe that wrote it"
            )
        try:
            fps = float(metadata["fps"])
            xmin, xmax, ymin, ymax = (float(metadata[k]) for k in ("xmin", "xmax", "ymin", "ymax"))
        except (KeyError, ValueError) as exc:
            self._fail(f"{self._path}: metadata lacks or garbles fps or bounds ({exc!r})", exc)
        if not (math.isfinite(fps) and fps > 0):
            self._fail(f"{self._path}: metadata fps must be a positive number, got {fps}")
        self.fps: float = fps
        self.bounds: tuple[float, float, float, float] = (xmin, ymin, xmax, ymax)

        info = {}
        for key, text in con.execute(f"SELECT key, value FROM {_schema.RUN_INFO_TABLE}"):
            try:
                info[key] = json.loads(text)
            except (TypeError, json.JSONDecodeError) as exc:
                self._fail(f"{self._path}: run_info value of {key!r} is not JSON: {text!r}", exc)
        version = info.get(FORMAT_VERSION_KEY)
        if version != _schema.FORMAT_VERSION:
            newer = isinstance(version, int) and version > _schema.FORMAT_VERSION
            self._fail(
                f"{self._path} has CrowdSafe format_version {version!r}; this CrowdSafe reads "
                f"version {_schema.FORMAT_VERSION}"
                + (": upgrade CrowdSafe to read it" if newer else ": run the scenario again")
            )
        self.format_version: int = version
        self.run_info: dict[str, Any] = info

        columns = [row[1] for row in con.execute(f"PRAGMA table_info({_schema.AGENT_STATE_TABLE})")]
        if columns[:2] != ["frame", "id"]:
            self._fail(f"{self._path}: table agent_state must start with frame, id: {columns}")
        self.state_columns: tuple[str, ...] = tuple(columns[2:])

        rows = con.execute(
            f"SELECT frame, geometry_hash FROM {_schema.FRAME_DATA_TABLE} ORDER BY frame"
        ).fetchall()
        frames = np.array([r[0] for r in rows], dtype=np.int64)
        if not np.array_equal(frames, np.arange(frames.size)):
            self._fail(
                f"{self._path}: frame_data must list frames 0, 1, 2, … once each; the file is "
                "damaged: run the scenario again"
            )
        self._frame_hashes = np.array([r[1] for r in rows], dtype=np.int64)
        self.n_frames: int = int(frames.size)

        self._geometries: dict[int, str] = {}
        for hash_, wkt in con.execute(
            f"SELECT hash, wkt FROM {_schema.GEOMETRY_TABLE} ORDER BY rowid"
        ):
            self._geometries.setdefault(int(hash_), wkt)
        unknown = set(self._frame_hashes.tolist()) - set(self._geometries)
        if unknown:
            self._fail(f"{self._path}: frame_data refers to unknown geometry hashes {unknown}")

    def _load_summary(self) -> dict[str, Any] | None:
        path = self._dir / SUMMARY_FILE
        if not path.exists():
            return None
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.close()
            self._fail(
                f"{path} cannot be read as JSON ({exc}); delete it to read the trajectory alone, "
                "or run the scenario again",
                exc,
            )
        if not isinstance(summary, dict):
            self.close()
            self._fail(f"{path} must hold a JSON object, got {type(summary).__name__}")
        return summary

    @contextlib.contextmanager
    def _query(self) -> Iterator[sqlite3.Connection]:
        if self._con is None:
            raise ValueError(f"the reader of {self._dir} is closed")
        try:
            yield self._con
        except sqlite3.DatabaseError as exc:
            self._damaged(exc)

    # -- properties ---------------------------------------------------------------------------

    @property
    def run_dir(self) -> Path:
        """The run directory."""
        return self._dir

    @property
    def interrupted(self) -> bool:
        """True when the run did not finish: no summary yet, or the summary says interrupted."""
        return self.summary is None or bool(self.summary.get(INTERRUPTED_KEY, False))

    # -- trajectories -------------------------------------------------------------------------

    def _check_frame(self, frame: int) -> int:
        if isinstance(frame, bool) or not isinstance(frame, int | np.integer):
            raise TypeError(f"frame must be an int, got {frame!r}")
        if not 0 <= frame < self.n_frames:
            raise IndexError(
                f"frame {frame} is not recorded in {self._path}: frames are 0…{self.n_frames - 1}"
            )
        return int(frame)

    def frame(self, frame: int) -> FrameData:
        """The agents of one frame, sorted by id.

        Raises:
            IndexError: the frame was not recorded.
            OutputFormatError: the database is damaged.
        """
        frame = self._check_frame(frame)
        with self._query() as con:
            rows = con.execute(
                f"SELECT id, pos_x, pos_y, ori_x, ori_y FROM {_schema.TRAJECTORY_TABLE} "
                "WHERE frame = ? ORDER BY id",
                (frame,),
            ).fetchall()
            state_rows: list[tuple[Any, ...]] = []
            if self.state_columns:
                names = ", ".join(f'"{c}"' for c in self.state_columns)
                state_rows = con.execute(
                    f"SELECT id, {names} FROM {_schema.AGENT_STATE_TABLE} "
                    "WHERE frame = ? ORDER BY id",
                    (frame,),
                ).fetchall()
        n = len(rows)
        columns = list(zip(*rows, strict=True)) if rows else [()] * 5
        ids = np.array(columns[0], dtype=np.int64)
        pos = np.empty((n, 2))
        ori = np.empty((n, 2))
        for j, target in enumerate((pos[:, 0], pos[:, 1], ori[:, 0], ori[:, 1])):
            target[:] = columns[j + 1]
        state: dict[str, np.ndarray] = {}
        if self.state_columns:
            state_cols = (
                list(zip(*state_rows, strict=True))
                if state_rows
                else [()] * (1 + len(self.state_columns))
            )
            if len(state_rows) != n or not np.array_equal(state_cols[0], ids):
                self._fail(
                    f"{self._path}: agent_state of frame {frame} does not match trajectory_data "
                    "(different agents); the file is damaged: run the scenario again"
                )
            state = {
                name: _readonly(np.array(state_cols[j + 1], dtype=np.float64).reshape(n))
                for j, name in enumerate(self.state_columns)
            }
        return FrameData(
            frame=frame,
            ids=_readonly(ids),
            pos=_readonly(pos),
            ori=_readonly(ori),
            state=MappingProxyType(state),
        )

    def frames(self, *, start: int, stop: int) -> FrameBlock:
        """Frames ``start … stop-1`` in one read: one query per table, no per-row Python work
        beyond the database driver's (a replay reads ahead in blocks of this).

        Raises:
            IndexError: the range is empty or outside the recorded frames.
            OutputFormatError: the database is damaged.
        """
        start = self._check_frame(start)
        stop = min(int(stop), self.n_frames)
        if stop <= start:
            raise IndexError(f"empty frame range {start}…{stop - 1}")
        with self._query() as con:
            rows = con.execute(
                f"SELECT frame, id, pos_x, pos_y, ori_x, ori_y FROM {_schema.TRAJECTORY_TABLE} "
                "WHERE frame >= ? AND frame < ? ORDER BY frame, id",
                (start, stop),
            ).fetchall()
            table = np.array(rows, dtype=np.float64).reshape(-1, 6)
            state_table = np.empty((0, 2 + len(self.state_columns)))
            if self.state_columns:
                names = ", ".join(f'"{c}"' for c in self.state_columns)
                state_rows = con.execute(
                    f"SELECT frame, id, {names} FROM {_schema.AGENT_STATE_TABLE} "
                    "WHERE frame >= ? AND frame < ? ORDER BY frame, id",
                    (start, stop),
                ).fetchall()
                # NULL (no value stored) becomes NaN
                state_table = np.array(state_rows, dtype=np.float64).reshape(
                    -1, 2 + len(self.state_columns)
                )
        frame_col = table[:, 0].astype(np.int64)
        ids = table[:, 1].astype(np.int64)
        if self.state_columns and not np.array_equal(state_table[:, :2], table[:, :2]):
            self._fail(
                f"{self._path}: agent_state of frames {start}…{stop - 1} does not match "
                "trajectory_data (different agents); the file is damaged: run the scenario again"
            )
        offsets = np.searchsorted(frame_col, np.arange(start, stop + 1)).astype(np.int64)
        return FrameBlock(
            start=start,
            offsets=_readonly(offsets),
            ids=_readonly(ids),
            pos=_readonly(np.ascontiguousarray(table[:, 2:4])),
            ori=_readonly(np.ascontiguousarray(table[:, 4:6])),
            state=MappingProxyType(
                {
                    name: _readonly(np.ascontiguousarray(state_table[:, 2 + j]))
                    for j, name in enumerate(self.state_columns)
                }
            ),
        )

    def iter_frames(self, *, start: int = 0, stop: int | None = None) -> Iterator[FrameData]:
        """Yield frames ``start … stop-1`` one at a time (memory bounded by one frame)."""
        stop = self.n_frames if stop is None else min(stop, self.n_frames)
        for frame in range(max(start, 0), stop):
            yield self.frame(frame)

    def load_all(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every trajectory row, sorted by frame then id.

        Returns:
            ``(frames, ids, pos)``: int64 ``(m,)``, int64 ``(m,)`` and float64 ``(m, 2)``.
        """
        with self._query() as con:
            (total,) = con.execute(f"SELECT count(*) FROM {_schema.TRAJECTORY_TABLE}").fetchone()
            frames = np.empty(total, dtype=np.int64)
            ids = np.empty(total, dtype=np.int64)
            pos = np.empty((total, 2))
            cursor = con.execute(
                f"SELECT frame, id, pos_x, pos_y FROM {_schema.TRAJECTORY_TABLE} ORDER BY frame, id"
            )
            done = 0
            while chunk := cursor.fetchmany(_FETCH_ROWS):
                f, i, x, y = zip(*chunk, strict=True)
                end = done + len(chunk)
                if end > total:
                    self._fail(f"{self._path} changed while being read; read it again")
                frames[done:end] = f
                ids[done:end] = i
                pos[done:end, 0] = x
                pos[done:end, 1] = y
                done = end
        if done != total:
            self._fail(f"{self._path} changed while being read; read it again")
        return frames, ids, pos

    # -- geometry and events ------------------------------------------------------------------

    def geometry_at(self, frame: int) -> str:
        """The walkable area (WKT) in force at ``frame``."""
        frame = self._check_frame(frame)
        return self._geometries[int(self._frame_hashes[frame])]

    def geometries(self) -> dict[int, str]:
        """Every stored walkable area by hash, in the order they were stored."""
        return dict(self._geometries)

    def layout_changes(self) -> list[tuple[int, int]]:
        """``(first frame, geometry hash)`` of each layout in force, starting with frame 0."""
        hashes = self._frame_hashes
        if hashes.size == 0:
            return []
        starts = [0, *(np.flatnonzero(hashes[1:] != hashes[:-1]) + 1).tolist()]
        return [(start, int(hashes[start])) for start in starts]

    def events(self) -> list[Event]:
        """The run's events in the order they were written."""
        with self._query() as con:
            rows = con.execute(
                f"SELECT time_s, kind, target, text FROM {_schema.EVENTS_TABLE} ORDER BY rowid"
            ).fetchall()
        return [
            Event(
                time_s=float("nan") if t is None else float(t),
                kind=k or "",
                target=g or "",
                text=x or "",
            )
            for t, k, g, x in rows
        ]

    # -- agents.csv ---------------------------------------------------------------------------

    def agents(self) -> dict[str, np.ndarray | list[str]]:
        """The per-agent table of ``agents.csv``, one entry per column.

        ``id`` is int64; times, positions, speeds and radii are float64 with NaN for empty cells
        (e.g. the evacuation time of an agent that did not get out); population, exit and outcome
        are lists of strings. Extra columns are int64 if every cell is an integer, float64 if
        every non-empty cell is a number, else strings; a column with no value at all is float64
        (NaN) if its name ends in a unit (``_s``, ``_m``, ``_mps``, ``_m2``), else empty strings.

        Raises:
            OutputFormatError: the file is missing (the run did not close) or malformed.
        """
        path = self._dir / AGENTS_FILE
        try:
            with path.open(encoding="utf-8", newline="") as file:
                table = list(csv.reader(file))
        except FileNotFoundError:
            self._fail(
                f"{path} is missing: the run did not close (it crashed before finish or abort); "
                "run the scenario again for per-agent results"
            )
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            self._fail(f"{path} cannot be read ({exc})", exc)
        if not table:
            self._fail(f"{path} is empty; run the scenario again")
        header, body = table[0], table[1:]
        missing = [c for c in AGENTS_CSV_COLUMNS if c not in header]
        if missing:
            self._fail(f"{path} lacks the columns {missing}; run the scenario again")
        if any(len(row) != len(header) for row in body):
            self._fail(f"{path} has rows of the wrong length; it is damaged")
        columns = list(zip(*body, strict=True)) if body else [()] * len(header)
        out: dict[str, np.ndarray | list[str]] = {}
        for name, cells in zip(header, columns, strict=True):
            try:
                out[name] = _typed_column(name, cells)
            except ValueError as exc:
                self._fail(f"{path}: column {name!r}: {exc}", exc)
        return out

    def threat_tracks(self) -> dict[str, dict[str, np.ndarray | str]]:
        """Recorded threat positions from ``threats.csv``, by threat id (empty if the run had none).

        Each entry holds ``kind`` (str) and arrays over the recorded frames: ``frame`` (int64),
        ``time_s``, ``x``, ``y``, ``heading_x``, ``heading_y``, ``active`` (bool) and ``radius_m``
        (the hazard radius; NaN for other kinds).

        Raises:
            OutputFormatError: the file exists but is malformed.
        """
        path = self._dir / THREATS_FILE
        if not path.is_file():
            return {}
        try:
            with path.open(encoding="utf-8", newline="") as file:
                table = list(csv.reader(file))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            self._fail(f"{path} cannot be read ({exc})", exc)
        if not table or tuple(table[0]) != THREATS_CSV_COLUMNS:
            self._fail(f"{path} does not have the columns {THREATS_CSV_COLUMNS}; it is damaged")
        rows: dict[str, list[list[str]]] = {}
        for row in table[1:]:
            if len(row) != len(THREATS_CSV_COLUMNS):
                self._fail(f"{path} has rows of the wrong length; it is damaged")
            rows.setdefault(row[2], []).append(row)
        out: dict[str, dict[str, np.ndarray | str]] = {}
        try:
            for tid, rs in rows.items():
                cols = list(zip(*rs, strict=True))
                out[tid] = {
                    "kind": cols[3][0],
                    "frame": np.array(cols[0], dtype=np.int64),
                    "time_s": np.array(cols[1], dtype=np.float64),
                    "x": np.array(cols[4], dtype=np.float64),
                    "y": np.array(cols[5], dtype=np.float64),
                    "heading_x": np.array(cols[6], dtype=np.float64),
                    "heading_y": np.array(cols[7], dtype=np.float64),
                    "active": np.array(cols[8], dtype=np.int64).astype(bool),
                    "radius_m": np.array([c or "nan" for c in cols[9]], dtype=np.float64),
                }
        except ValueError as exc:
            self._fail(f"{path} holds a value that is not a number ({exc}); it is damaged", exc)
        return out

    # -- closing ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the database (idempotent)."""
        con, self._con = getattr(self, "_con", None), None
        if con is not None:
            con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RunReader({str(self._dir)!r}, n_frames={self.n_frames}, fps={self.fps})"


def _floats(cells: tuple[str, ...]) -> np.ndarray:
    return np.array([float(c) if c else math.nan for c in cells], dtype=np.float64)


def _typed_column(name: str, cells: tuple[str, ...]) -> np.ndarray | list[str]:
    if name == ID_COL:
        if not all(cells):
            raise ValueError("every agent needs an id")
        return np.array([int(c) for c in cells], dtype=np.int64)
    if name in _FLOAT_AGENT_COLUMNS:
        return _floats(cells)
    if name in _TEXT_AGENT_COLUMNS:
        return list(cells)
    if not any(cells):  # nothing to infer from: the unit suffix tells a quantity from text
        return _floats(cells) if name.endswith(_UNIT_SUFFIXES) else list(cells)
    with contextlib.suppress(ValueError):
        if all(cells):
            return np.array([int(c) for c in cells], dtype=np.int64)
    with contextlib.suppress(ValueError):
        return _floats(cells)
    return list(cells)
