"""Write a run directory: the trajectory database, ``summary.json``, ``agents.csv``, ``events.csv``.

The trajectory goes to ``trajectory.sqlite`` in JuPedSim's schema version 2 plus CrowdSafe's extra
tables (see :mod:`simcore.recording._schema`). It is written in batches, one transaction per
``commit_every_frames`` frames, in SQLite's write-ahead-log mode: if the process is killed, the
file is a valid database holding every frame up to the last commit, with its ``(frame, id)`` index.
:meth:`RunWriter.finish` (or :meth:`RunWriter.abort` on Ctrl-C or an error) folds the log back into
the database and switches it to the ordinary rollback journal, so the finished file is
self-contained. The small files are written atomically (temporary file, then :func:`os.replace`).

Speed: the rows of a frame are bound as one flat list of Python numbers (``ndarray.tolist`` is the
fastest way from numpy to the ``sqlite3`` module) into multi-row ``INSERT`` statements, and by
default all database work runs in a background thread fed by a queue of copied frame arrays whose
size is capped, so a simulation whose kernels release the GIL keeps stepping while frames are
written, and memory stays bounded however long the run.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import queue
import sqlite3
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

import numpy as np

from ..columns import (
    AGENTS_CSV_COLUMNS,
    AGENTS_FILE,
    EVENTS_CSV_COLUMNS,
    EVENTS_FILE,
    FORMAT_VERSION_KEY,
    INTERRUPTED_KEY,
    RUN_INFO_FILE,
    SUMMARY_FILE,
    THREATS_CSV_COLUMNS,
    THREATS_FILE,
    TRAJECTORY_FILE,
)
from ..errors import OutputFormatError
from . import _schema
from ._files import (
    atomic_write_csv,
    atomic_write_json,
    csv_column,
    json_text,
    jsonable,
    temp_files,
)

__all__ = ["RunWriter", "write_threat_tracks"]


def write_threat_tracks(run_dir: Path | str, rows: Sequence[Sequence[object]]) -> None:
    """Write ``threats.csv`` atomically: one row per recorded frame and threat, in the order of
    :data:`simcore.columns.THREATS_CSV_COLUMNS` (read back by ``RunReader.threat_tracks``)."""
    columns = zip(*rows, strict=True) if rows else ([] for _ in THREATS_CSV_COLUMNS)
    atomic_write_csv(
        Path(run_dir) / THREATS_FILE, THREATS_CSV_COLUMNS, (csv_column(c) for c in columns)
    )


#: Rows bound per INSERT statement (measured: about twice the rate of one row per statement).
_ROWS_PER_STATEMENT: Final = 64
#: Stay below SQLite's historical limit on bound parameters per statement.
_MAX_PARAMETERS: Final = 999
#: Cap on the bytes of frame arrays waiting for the background thread.
_QUEUE_BUDGET_BYTES: Final = 64 * 2**20
_PAGE_SIZE: Final = 16384
_CACHE_KIB: Final = 32768
#: Suffixes of SQLite's side files next to the database.
_SIDE_SUFFIXES: Final = ("-wal", "-shm", "-journal")
#: Key added to the summary when the trajectory could not be fully written.
_RECORDING_ERROR_KEY: Final = "recording_error"


def _run_files(run_dir: Path) -> list[Path]:
    trajectory = run_dir / TRAJECTORY_FILE
    return [
        trajectory,
        *(trajectory.with_name(trajectory.name + s) for s in _SIDE_SUFFIXES),
        run_dir / SUMMARY_FILE,
        run_dir / AGENTS_FILE,
        run_dir / EVENTS_FILE,
        run_dir / RUN_INFO_FILE,
    ]


class _Insert:
    """A prepared multi-row INSERT for one table."""

    def __init__(self, table: str, n_columns: int):
        self.n_columns = n_columns
        self.rows_per_statement = max(1, min(_ROWS_PER_STATEMENT, _MAX_PARAMETERS // n_columns))
        row = "(" + ",".join("?" * n_columns) + ")"
        self.single_sql = f"INSERT INTO {table} VALUES {row}"
        self.multi_sql = f"INSERT INTO {table} VALUES " + ",".join([row] * self.rows_per_statement)

    def run(self, con: sqlite3.Connection, columns: Sequence[Any]) -> None:
        """Insert the rows formed by ``columns`` (iterables of Python numbers, zipped)."""
        # The frame column is an endless itertools.repeat, hence strict=False.
        flat = list(itertools.chain.from_iterable(zip(*columns, strict=False)))
        step = self.rows_per_statement * self.n_columns
        full = len(flat) - len(flat) % step
        if full:
            con.executemany(self.multi_sql, [flat[i : i + step] for i in range(0, full, step)])
        if full < len(flat):
            width = self.n_columns
            con.executemany(
                self.single_sql, [flat[i : i + width] for i in range(full, len(flat), width)]
            )


@dataclass(frozen=True, slots=True)
class _Frame:
    frame: int
    geometry_hash: int
    ids: np.ndarray
    pos: np.ndarray
    ori: np.ndarray
    state: tuple[np.ndarray, ...]

    @property
    def nbytes(self) -> int:
        return (
            self.ids.nbytes + self.pos.nbytes + self.ori.nbytes + sum(a.nbytes for a in self.state)
        )


class _Sink:
    """The database connection and every write to it (runs in one thread at a time)."""

    def __init__(self, con: sqlite3.Connection, *, n_state: int, commit_every_frames: int):
        self.con = con
        self.commit_every_frames = commit_every_frames
        self._uncommitted_frames = 0
        self._trajectory = _Insert(_schema.TRAJECTORY_TABLE, 6)
        self._state = _Insert(_schema.AGENT_STATE_TABLE, 2 + n_state)

    def _begin(self) -> None:
        if not self.con.in_transaction:
            self.con.execute("BEGIN")

    def commit(self, _: object = None) -> None:
        if self.con.in_transaction:
            self.con.execute("COMMIT")
        self._uncommitted_frames = 0

    def add_state_columns(self, columns: tuple[str, ...]) -> None:
        self._begin()
        for name in columns:
            self.con.execute(f'ALTER TABLE {_schema.AGENT_STATE_TABLE} ADD COLUMN "{name}" REAL')
        self._state = _Insert(_schema.AGENT_STATE_TABLE, 2 + len(columns))

    def write_frame(self, item: _Frame) -> None:
        """Insert one frame, all of it or nothing (a savepoint undoes a frame that fails)."""
        self._begin()
        self.con.execute("SAVEPOINT frame")
        try:
            ids = item.ids.tolist()
            frame = itertools.repeat(item.frame)
            pos_ori = (*item.pos.T.tolist(), *item.ori.T.tolist())
            self._trajectory.run(self.con, (frame, ids, *pos_ori))
            if item.state:
                self._state.run(self.con, (frame, ids, *(a.tolist() for a in item.state)))
            self.con.execute(
                f"INSERT INTO {_schema.FRAME_DATA_TABLE} VALUES (?, ?)",
                (item.frame, item.geometry_hash),
            )
        except BaseException:
            try:
                self.con.execute("ROLLBACK TO frame")
                self.con.execute("RELEASE frame")
            except sqlite3.Error:  # SQLite already rolled the whole transaction back
                self.rollback()
            raise
        self.con.execute("RELEASE frame")
        self._uncommitted_frames += 1
        if self._uncommitted_frames >= self.commit_every_frames:
            self.commit()

    def add_geometry(self, row: tuple[int, str]) -> None:
        self._begin()
        self.con.execute(f"INSERT INTO {_schema.GEOMETRY_TABLE} VALUES (?, ?)", row)

    def add_event(self, row: tuple[float, str, str, str]) -> None:
        self._begin()
        self.con.execute(f"INSERT INTO {_schema.EVENTS_TABLE} VALUES (?, ?, ?, ?)", row)

    def finalize(self) -> None:
        """Commit, fold the write-ahead log into the database, switch journal mode, close."""
        try:
            self.commit()
            self.con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            # Leaves a single self-contained file. Needs exclusive access: if a viewer holds the
            # database open, the mode stays WAL and SQLite removes the log when the last
            # connection closes; the data are complete either way.
            with contextlib.suppress(sqlite3.OperationalError):
                self.con.execute("PRAGMA journal_mode=DELETE")
        finally:
            self.discard()

    def rollback(self) -> None:
        """Drop the open transaction (frames since the last commit)."""
        with contextlib.suppress(sqlite3.Error):
            if self.con.in_transaction:
                self.con.execute("ROLLBACK")
        self._uncommitted_frames = 0

    def discard(self, _: object = None) -> None:
        """Close without committing: what a crash leaves (the last commit survives)."""
        self.rollback()
        with contextlib.suppress(sqlite3.Error):
            self.con.close()


_Op = Callable[[Any], None]


class _Worker:
    """Runs sink operations, inline or in order on a background thread.

    The thread never touches the :class:`RunWriter`, so a writer that is dropped without
    ``finish`` can be collected; its finalizer then discards the open transaction, like a crash.
    """

    def __init__(self, sink: _Sink, *, background: bool):
        self.sink = sink
        self.error: BaseException | None = None
        self._stopped = False
        self._thread: threading.Thread | None = None
        if background:
            self._queue: queue.SimpleQueue[tuple[_Op | None, Any, int]] = queue.SimpleQueue()
            self._budget = threading.Condition()
            self._queued_bytes = 0
            self._thread = threading.Thread(
                target=self._run, name="crowdsafe-run-writer", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while True:
            op, payload, nbytes = self._queue.get()
            if op is None:
                return
            if self.error is None:  # after a failure, drain without writing
                try:
                    op(payload)
                except BaseException as exc:  # surfaced in the caller's thread by RunWriter
                    self.error = exc
            if nbytes:
                with self._budget:
                    self._queued_bytes -= nbytes
                    self._budget.notify_all()

    def submit(self, op: _Op, payload: Any, nbytes: int = 0) -> None:
        if self._thread is None:
            if self.error is None:
                try:
                    op(payload)
                except Exception as exc:  # Ctrl-C propagates; the frame was undone
                    self.error = exc
            return
        if nbytes:
            with self._budget:
                # Always admit one item, however large, so a huge frame cannot deadlock.
                while (
                    self._queued_bytes
                    and self._queued_bytes + nbytes > _QUEUE_BUDGET_BYTES
                    and self.error is None
                ):
                    self._budget.wait()
                self._queued_bytes += nbytes
        self._queue.put((op, payload, nbytes))

    def wait(self, op: _Op) -> None:
        """Run ``op`` after everything queued so far and wait for it."""
        done = threading.Event()

        def run_then_signal(_: object) -> None:
            try:
                op(None)
            finally:
                done.set()

        if self._thread is None:
            self.submit(op, None)
            return
        self._queue.put((run_then_signal, None, 0))
        while not done.wait(0.1):
            if self.error is not None or not self._thread.is_alive():
                return  # the thread skips ops after an error

    def stop(self) -> None:
        """Finish every queued operation and end the thread (idempotent)."""
        if self._thread is not None and not self._stopped:
            self._queue.put((None, None, 0))
            self._thread.join()
        self._stopped = True

    def drop(self) -> None:
        """Finalizer of an abandoned writer: close without committing, do not wait."""
        if self._stopped:
            return
        self._stopped = True
        if self._thread is None:
            self.sink.discard()
        else:
            self._queue.put((self.sink.discard, None, 0))
            self._queue.put((None, None, 0))


def _finite_float(value: object, what: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return number


class RunWriter:
    """Writes one run directory, streaming frames to ``trajectory.sqlite``.

    Frames must be written in order 0, 1, 2, …; each holds only the agents the caller passes (the
    engine passes the agents still in the walkable area). Call :meth:`finish` at the end of the
    run, or :meth:`abort` when it is interrupted; used as a context manager, a block left by an
    exception (or without ``finish``) aborts.

    Args:
        run_dir: the run directory; created if missing.
        fps: recorded frames per second, ``1 / (dt_s * every_nth_step)``.
        bounds: ``(xmin, ymin, xmax, ymax)`` of the venue in metres.
        geometry_wkt: the walkable area as WKT, in force from frame 0.
        run_info: provenance stored in the ``run_info`` table and ``run_info.json`` (engine
            version, scenario name, seed, ``dt_s``, ``record_fps``, parameters…); values must be
            JSON-serialisable and are stored as JSON.
        state_columns: names of per-agent quantities stored in ``agent_state`` (``speed``,
            ``fear``…). If empty, the keys of the first frame's ``state`` fix them.
        commit_every_frames: frames per transaction; a crash loses at most this many frames.
        overwrite: replace an existing run in ``run_dir`` (its files are deleted first).
        background: write the database on a background thread (default). ``False`` writes in
            the caller's thread, which is simpler to debug.

    Raises:
        OutputFormatError: ``run_dir`` already holds a run and ``overwrite`` is false, or the
            database cannot be created.
        ValueError: an argument is invalid.

    Example:
        >>> with RunWriter(run_dir, fps=10.0, bounds=(0, 0, 20, 10),
        ...                geometry_wkt=area.wkt, run_info={"seed": 1}) as writer:
        ...     for frame in range(n_frames):
        ...         writer.write_frame(frame, ids=ids, pos=pos, ori=ori)
        ...     writer.finish(summary=summary, agents=agents)
    """

    def __init__(
        self,
        run_dir: Path | str,
        *,
        fps: float,
        bounds: tuple[float, float, float, float],
        geometry_wkt: str,
        run_info: Mapping[str, object],
        state_columns: Sequence[str] = (),
        commit_every_frames: int = 50,
        overwrite: bool = False,
        background: bool = True,
    ):
        self._closed = True  # until fully opened, so a failed __init__ leaves nothing to close
        fps = _finite_float(fps, "fps")
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        if len(bounds) != 4:
            raise ValueError(f"bounds must be (xmin, ymin, xmax, ymax), got {bounds!r}")
        xmin, ymin, xmax, ymax = (_finite_float(v, f"bounds[{i}]") for i, v in enumerate(bounds))
        if xmin > xmax or ymin > ymax:
            raise ValueError(f"bounds must be (xmin, ymin, xmax, ymax), got {bounds!r}")
        self._check_wkt(geometry_wkt)
        columns = tuple(state_columns)
        _schema.check_state_columns(columns)
        if isinstance(commit_every_frames, bool) or not isinstance(commit_every_frames, int):
            raise ValueError(f"commit_every_frames must be an int, got {commit_every_frames!r}")
        if commit_every_frames < 1:
            raise ValueError(f"commit_every_frames must be at least 1, got {commit_every_frames}")
        info = self._run_info(run_info)

        self._dir = Path(run_dir)
        self._path = self._dir / TRAJECTORY_FILE
        self._prepare_directory(overwrite=overwrite)
        con = self._create_database(
            fps=fps,
            bounds=(xmin, xmax, ymin, ymax),
            geometry_wkt=geometry_wkt,
            info=info,
            columns=columns,
        )
        try:
            atomic_write_json(self._dir / RUN_INFO_FILE, info)
        except OSError as exc:
            con.close()
            for path in _run_files(self._dir):
                path.unlink(missing_ok=True)
            raise OutputFormatError(f"cannot write {self._dir / RUN_INFO_FILE}: {exc}") from exc

        self._fps = fps
        self._state_columns = columns
        self._next_frame = 0
        self._geometry_hash = _schema.geometry_hash(geometry_wkt)
        self._known_hashes = {self._geometry_hash}
        self._pending_layouts: dict[int, int] = {}
        self._events: list[tuple[float, str, str, str]] = []
        sink = _Sink(con, n_state=len(columns), commit_every_frames=commit_every_frames)
        self._worker = _Worker(sink, background=background)
        self._finalizer = weakref.finalize(self, self._worker.drop)
        self._closed = False

    # -- set-up -------------------------------------------------------------------------------

    @staticmethod
    def _check_wkt(wkt: object) -> None:
        if not isinstance(wkt, str) or not wkt.strip():
            raise ValueError(f"geometry must be a non-empty WKT string, got {wkt!r}")

    @staticmethod
    def _run_info(run_info: Mapping[str, object]) -> dict[str, Any]:
        if FORMAT_VERSION_KEY in run_info:
            raise ValueError(
                f"run_info key {FORMAT_VERSION_KEY!r} is reserved for the writer; drop it"
            )
        try:
            info = jsonable(dict(run_info))
        except TypeError as exc:
            raise ValueError(f"run_info must be JSON-serialisable: {exc}") from exc
        return {FORMAT_VERSION_KEY: _schema.FORMAT_VERSION, **info}

    def _prepare_directory(self, *, overwrite: bool) -> None:
        if self._dir.exists() and not self._dir.is_dir():
            raise OutputFormatError(f"run directory {self._dir} is a file; pass a directory path")
        try:
            self._dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputFormatError(f"cannot create run directory {self._dir}: {exc}") from exc
        existing = [p for p in _run_files(self._dir) if p.exists()]
        if existing and not overwrite:
            names = ", ".join(p.name for p in existing)
            raise OutputFormatError(
                f"run directory {self._dir} already holds a run ({names}); pass overwrite=True "
                "to replace it, or choose another directory"
            )
        try:
            for path in existing + [t for p in _run_files(self._dir) for t in temp_files(p)]:
                path.unlink()
        except OSError as exc:
            raise OutputFormatError(f"cannot replace the run in {self._dir}: {exc}") from exc

    def _create_database(
        self,
        *,
        fps: float,
        bounds: tuple[float, float, float, float],
        geometry_wkt: str,
        info: Mapping[str, Any],
        columns: tuple[str, ...],
    ) -> sqlite3.Connection:
        metadata = {"version": str(_schema.JUPEDSIM_SCHEMA_VERSION), "fps": repr(fps)}
        metadata.update(zip(("xmin", "xmax", "ymin", "ymax"), map(repr, bounds), strict=True))
        con = None
        try:
            con = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            con.execute(f"PRAGMA page_size={_PAGE_SIZE}")
            con.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a commit survives a crash of the process; only a power cut can
            # lose the last commits, never corrupt the file.
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
            con.execute("BEGIN")
            # The (frame, id) index is made now, not at the end: the total time is the same
            # (measured: 2 million rows take about 4 s either way; since frames grow, index
            # entries are appended), the work runs on the writer thread while the simulation
            # steps instead of after it, and a crashed run keeps its index.
            for ddl in (
                *_schema.CREATE_TABLES,
                _schema.create_agent_state_sql(columns),
                _schema.CREATE_INDEX,
            ):
                con.execute(ddl)
            con.executemany(f"INSERT INTO {_schema.METADATA_TABLE} VALUES (?, ?)", metadata.items())
            con.execute(
                f"INSERT INTO {_schema.GEOMETRY_TABLE} VALUES (?, ?)",
                (_schema.geometry_hash(geometry_wkt), geometry_wkt),
            )
            con.executemany(
                f"INSERT INTO {_schema.RUN_INFO_TABLE} VALUES (?, ?)",
                [(k, json_text(v)) for k, v in info.items()],
            )
            con.execute("COMMIT")
        except sqlite3.Error as exc:
            if con is not None:
                con.close()
            for path in _run_files(self._dir)[:4]:
                path.unlink(missing_ok=True)
            raise OutputFormatError(f"cannot create {self._path}: {exc}") from exc
        return con

    # -- properties ---------------------------------------------------------------------------

    @property
    def run_dir(self) -> Path:
        """The run directory."""
        return self._dir

    @property
    def closed(self) -> bool:
        """Whether :meth:`finish` or :meth:`abort` has run."""
        return self._closed

    @property
    def frames_written(self) -> int:
        """Number of frames passed to :meth:`write_frame` so far (committed or not)."""
        return self._next_frame

    @property
    def state_columns(self) -> tuple[str, ...]:
        """Names of the per-agent state quantities (empty until fixed)."""
        return self._state_columns

    # -- writing ------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"the writer of {self._dir} is closed (finish or abort has run)")
        if self._worker.error is not None:
            raise OutputFormatError(
                f"writing {self._path} failed: {self._worker.error!r}; call abort() to close "
                "the run (frames committed so far stay readable)"
            ) from self._worker.error

    def write_frame(
        self,
        frame: int,
        *,
        ids: np.ndarray,
        pos: np.ndarray,
        ori: np.ndarray,
        state: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        """Record one frame. The arrays are copied; the caller may change them at once.

        Args:
            frame: the frame number; frames are written in order from 0.
            ids: agent ids, shape ``(n,)``, integers, unique.
            pos: positions in metres, shape ``(n, 2)``, finite.
            ori: unit headings, shape ``(n, 2)``, finite.
            state: one array of shape ``(n,)`` per state column (NaN stored as NULL).

        Raises:
            ValueError: the frame is out of order or an array is malformed.
            OutputFormatError: an earlier write failed on disk.
        """
        self._check_open()
        if isinstance(frame, bool) or not isinstance(frame, int | np.integer):
            raise ValueError(f"frame must be an int, got {frame!r}")
        if frame != self._next_frame:
            raise ValueError(
                f"frames must be written in order 0, 1, 2, …: expected frame {self._next_frame}, "
                f"got {frame}"
            )
        id_arr = np.asarray(ids)
        if id_arr.ndim != 1 or (id_arr.size and id_arr.dtype.kind not in "iu"):
            raise ValueError(
                f"frame {frame}: ids must be a 1-d integer array, got dtype {id_arr.dtype} and "
                f"shape {id_arr.shape}"
            )
        if id_arr.dtype.kind == "u" and id_arr.size and id_arr.max() > np.iinfo(np.int64).max:
            raise ValueError(f"frame {frame}: ids must fit in int64")
        id_copy = np.array(id_arr, dtype=np.int64)
        n = id_copy.size
        if np.unique(id_copy).size != n:
            raise ValueError(f"frame {frame}: ids must be unique within a frame")
        pos_copy = self._xy(frame, "pos", pos, n, id_copy)
        ori_copy = self._xy(frame, "ori", ori, n, id_copy)
        state_copy = self._state(frame, state, n)
        hash_now = self._pending_layouts.pop(frame, self._geometry_hash)
        item = _Frame(frame, hash_now, id_copy, pos_copy, ori_copy, state_copy)
        self._worker.submit(self._worker.sink.write_frame, item, item.nbytes)
        self._geometry_hash = hash_now
        self._next_frame = frame + 1
        self._check_open()  # a failure of this or an earlier frame, as soon as it is known

    @staticmethod
    def _xy(frame: int, name: str, values: np.ndarray, n: int, ids: np.ndarray) -> np.ndarray:
        try:
            arr = np.array(values, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"frame {frame}: {name} must be numbers: {exc}") from None
        if arr.shape != (n, 2):
            raise ValueError(f"frame {frame}: {name} must have shape ({n}, 2), got {arr.shape}")
        bad = ~np.isfinite(arr).all(axis=1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"frame {frame}: {name} of agent {ids[i]} is not finite {tuple(arr[i])}; "
                "only finite values can be recorded"
            )
        return arr

    def _state(
        self, frame: int, state: Mapping[str, np.ndarray] | None, n: int
    ) -> tuple[np.ndarray, ...]:
        state = {} if state is None else state
        if not self._state_columns and state and frame == 0:
            columns = tuple(state)
            _schema.check_state_columns(columns)
            self._worker.submit(self._worker.sink.add_state_columns, columns)
            self._state_columns = columns
        if set(state) != set(self._state_columns):
            missing = sorted(set(self._state_columns) - set(state))
            extra = sorted(set(state) - set(self._state_columns))
            raise ValueError(
                f"frame {frame}: state must hold exactly the columns {self._state_columns} "
                f"(fixed at the first frame); missing {missing}, unexpected {extra}"
            )
        out = []
        for name in self._state_columns:
            try:
                arr = np.array(state[name], dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"frame {frame}: state {name!r} must be numbers: {exc}") from None
            if arr.shape != (n,):
                raise ValueError(
                    f"frame {frame}: state {name!r} must have shape ({n},), got {arr.shape}"
                )
            out.append(arr)
        return tuple(out)

    def set_geometry(self, *, frame: int, wkt: str) -> int:
        """Change the walkable area from ``frame`` on (a barrier moved, a door closed…).

        Args:
            frame: first frame of the new layout; not yet written.
            wkt: the new walkable area as WKT.

        Returns:
            The geometry's hash, as referenced by ``frame_data.geometry_hash``.

        Raises:
            ValueError: ``frame`` was already written or ``wkt`` is empty.
        """
        self._check_open()
        self._check_wkt(wkt)
        if isinstance(frame, bool) or not isinstance(frame, int | np.integer):
            raise ValueError(f"frame must be an int, got {frame!r}")
        if frame < self._next_frame:
            raise ValueError(
                f"cannot change the layout from frame {frame}: frames up to "
                f"{self._next_frame - 1} are written already"
            )
        new_hash = _schema.geometry_hash(wkt)
        if new_hash not in self._known_hashes:
            self._worker.submit(self._worker.sink.add_geometry, (new_hash, wkt))
            self._known_hashes.add(new_hash)
        if frame == self._next_frame:
            self._pending_layouts.pop(frame, None)
            self._geometry_hash = new_hash
        else:
            self._pending_layouts[int(frame)] = new_hash
        self._check_open()
        return new_hash

    def write_event(self, *, time_s: float, kind: str, target: str = "", text: str = "") -> None:
        """Record a timed event (threat action, exit closed, alarm…).

        Args:
            time_s: simulated time in seconds.
            kind: short machine-readable kind (``"exit_closed"``).
            target: the element concerned (exit or threat id), if any.
            text: human-readable description.
        """
        self._check_open()
        time_s = _finite_float(time_s, "time_s")
        for name, value in (("kind", kind), ("target", target), ("text", text)):
            if not isinstance(value, str):
                raise ValueError(f"event {name} must be a string, got {value!r}")
        if not kind:
            raise ValueError("event kind must not be empty")
        row = (time_s, kind, target, text)
        self._worker.submit(self._worker.sink.add_event, row)
        self._events.append(row)
        self._check_open()

    def flush(self) -> None:
        """Commit everything written so far and wait until it is on disk.

        Raises:
            OutputFormatError: writing failed.
        """
        self._check_open()
        self._worker.wait(self._worker.sink.commit)
        self._check_open()

    # -- closing ------------------------------------------------------------------------------

    def finish(self, *, summary: Mapping[str, object], agents: Mapping[str, Sequence]) -> None:
        """Complete the run: commit, then write ``summary.json``, ``agents.csv``, ``events.csv``.

        Args:
            summary: headline results; ``"interrupted": false`` and the format version are
                added. Non-finite floats become ``null``.
            agents: one column per key, each a sequence with one value per agent; must contain
                :data:`simcore.columns.AGENTS_CSV_COLUMNS` (extra columns allowed). ``None`` or
                NaN are written as empty cells (e.g. the evacuation time of an agent still in).

        Raises:
            ValueError: ``summary`` or ``agents`` are malformed (the writer stays open; call
                :meth:`abort`).
            OutputFormatError: writing failed (the writer stays open if the trajectory could
                not be completed; call :meth:`abort`).
        """
        self._check_open()
        summary_out = self._summary(summary, interrupted=False)
        header, cells = self._agents(agents, strict=True)
        self._worker.wait(self._worker.sink.commit)
        self._check_open()
        self._closed = True
        self._worker.stop()
        self._finalizer.detach()
        try:
            self._worker.sink.finalize()
        except sqlite3.Error as exc:
            raise OutputFormatError(f"cannot complete {self._path}: {exc}") from exc
        try:
            self._write_files(summary_out, header, cells)
        except OSError as exc:
            raise OutputFormatError(
                f"cannot write the result files of {self._dir}: {exc}; the trajectory is "
                "complete, free some space or fix the permissions and run again"
            ) from exc

    def abort(self, *, summary: Mapping[str, object], agents: Mapping[str, Sequence]) -> None:
        """Close an interrupted run (Ctrl-C, error): keep what was recorded, mark it interrupted.

        Commits every frame written so far and writes the small files like
        :meth:`finish`, with ``"interrupted": true`` in the summary. Missing agent columns are
        left empty. An earlier failure of the database writes is reported in the summary under
        ``"recording_error"`` instead of being raised again.

        Raises:
            OutputFormatError: the files could not be completed (after trying all of them).
        """
        if self._closed:
            raise ValueError(f"the writer of {self._dir} is closed (finish or abort has run)")
        self._closed = True
        self._worker.stop()
        self._finalizer.detach()
        failures: list[BaseException] = []
        try:
            self._worker.sink.finalize()
        except sqlite3.Error as exc:
            failures.append(exc)
        extra = {}
        if self._worker.error is not None:
            extra[_RECORDING_ERROR_KEY] = repr(self._worker.error)
        try:
            summary_out = self._summary({**summary, **extra}, interrupted=True)
        except ValueError as exc:
            failures.append(exc)
            summary_out = self._summary(
                {_RECORDING_ERROR_KEY: f"summary not serialisable: {exc}", **extra},
                interrupted=True,
            )
        try:
            header, cells = self._agents(agents, strict=False)
        except ValueError as exc:
            failures.append(exc)
            header, cells = self._agents({}, strict=False)
        try:
            self._write_files(summary_out, header, cells)
        except OSError as exc:
            failures.append(exc)
        if failures:
            raise OutputFormatError(
                f"run {self._dir} was interrupted and could not be closed cleanly: "
                + "; ".join(repr(f) for f in failures)
            ) from failures[0]

    def _summary(self, summary: Mapping[str, object], *, interrupted: bool) -> dict[str, Any]:
        if not isinstance(summary, Mapping):
            raise ValueError(f"summary must be a mapping, got {type(summary).__name__}")
        try:
            body = jsonable(dict(summary))
        except TypeError as exc:
            raise ValueError(f"summary must be JSON-serialisable: {exc}") from exc
        return {
            FORMAT_VERSION_KEY: _schema.FORMAT_VERSION,
            **body,
            INTERRUPTED_KEY: interrupted,
        }

    @staticmethod
    def _agents(
        agents: Mapping[str, Sequence], *, strict: bool
    ) -> tuple[list[str], list[list[str]]]:
        if not isinstance(agents, Mapping):
            raise ValueError(f"agents must be a mapping of columns, got {type(agents).__name__}")
        for key in agents:
            if not isinstance(key, str) or not key:
                raise ValueError(f"agents column names must be non-empty strings, got {key!r}")
        missing = [c for c in AGENTS_CSV_COLUMNS if c not in agents]
        if strict and missing:
            raise ValueError(
                f"agents lacks the columns {missing}; agents.csv needs at least "
                f"{list(AGENTS_CSV_COLUMNS)}"
            )
        header = [*AGENTS_CSV_COLUMNS, *(c for c in agents if c not in AGENTS_CSV_COLUMNS)]
        lengths = {c: len(agents[c]) for c in agents}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"agents columns must have equal lengths, got {lengths}")
        n = next(iter(lengths.values()), 0)
        cells = [csv_column(agents[c]) if c in agents else [""] * n for c in header]
        return header, cells

    def _write_files(
        self, summary: Mapping[str, Any], header: list[str], cells: list[list[str]]
    ) -> None:
        events = self._events
        atomic_write_csv(
            self._dir / EVENTS_FILE,
            EVENTS_CSV_COLUMNS,
            [
                csv_column([e[0] for e in events]),
                *([e[i] for e in events] for i in (1, 2, 3)),
            ],
        )
        atomic_write_csv(self._dir / AGENTS_FILE, header, cells)
        # Last: a summary means the other files are complete.
        atomic_write_json(self._dir / SUMMARY_FILE, summary)

    # -- context manager ------------------------------------------------------------------------

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._closed:
            return
        reason = (
            {"error": f"{exc_type.__name__}: {exc}"}
            if exc_type is not None
            else {"error": "the writer was closed without finish()"}
        )
        self.abort(summary=reason, agents={})

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{self._next_frame} frames written"
        return f"RunWriter({str(self._dir)!r}, fps={self._fps}, {state})"
