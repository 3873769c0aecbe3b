"""One run directory as the replay sees it: frames on demand, agents at any time, HUD figures.

:class:`ReplayRun` wraps :class:`simcore.recording.RunReader`. Frames are read in blocks of
consecutive frames (one query per table for a block, :meth:`RunReader.frames`) and kept in an LRU
cache bounded in agent rows, so in memory at any crowd size; the interactive viewer also reads
ahead on a background thread with its own connection. Positions between recorded frames are
interpolated (:meth:`ReplayRun.snapshot`).
Per-agent facts (radius, population, exit, outcome, evacuation and injury times) come from
``agents.csv``; a run that crashed before writing it still replays, with the figures that need it
shown as unavailable.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np

from ._recording import Event, FrameBlock, FrameData, OutputFormatError, RunReader, col
from .colour import OUTCOMES, ColourMode
from .density import DensityGrid, local_density
from .playhead import frame_position
from .venue import Layout, Threat, parse_layouts, parse_shapes, parse_threats

__all__ = ["AgentTable", "Figures", "ReplayRun", "Snapshot"]

#: Radius drawn for agents of a run without agents.csv (m); the HUD says it is nominal.
NOMINAL_RADIUS_M: Final = 0.25
#: Trajectory rows (agents × frames) kept in memory per run: about 130 MB with three state
#: columns, e.g. 40 frames of 50,000 agents or 200 of 10,000.
_CACHE_ROWS: Final = 2_000_000
#: Rows read from disk at once. While it fetches a block the database driver holds every value as
#: a Python object (about 0.6 kB per agent and frame), and longer blocks were measured to read no
#: faster than short ones: the driver's per-value work, not the number of queries, sets the pace.
#: So blocks are kept short enough for that transient memory (about 60 MB) to stay small.
_BLOCK_ROWS: Final = 100_000
#: Frames per block, at least and at most (2 for 50,000 agents, 10 for 10,000).
_BLOCK_FRAMES: Final = (1, 50)
#: Frames of the first block after a jump (then doubling, up to the block size).
_FIRST_BLOCK: Final = 2
#: Replay seconds read ahead of the playhead (at the current speed), and at least these frames.
_READ_AHEAD_S: Final = 2.0
_READ_AHEAD_FRAMES: Final = 24
#: Recorded frames whose local densities are kept.
_DENSITY_FRAMES: Final = 48
#: Above this many trajectory rows, the time-above overlay reads block by block (bounded memory).
_LOAD_ALL_ROWS: Final = 4_000_000

_OUTCOME_CODES: Final = {name: k for k, (name, _) in enumerate(OUTCOMES)}


def _outcome_code(outcome: str) -> int:
    if outcome.startswith(col.OUTCOME_INJURED_PREFIX):
        return _OUTCOME_CODES["injured"]
    return _OUTCOME_CODES.get(outcome, _OUTCOME_CODES["other"])


@dataclass(frozen=True)
class AgentTable:
    """Per-agent facts from ``agents.csv``, rows sorted by id.

    Attributes:
        ids: agent ids, ascending.
        radius_m: body radius (m).
        population: population index into ``population_names``.
        population_names: population ids in order of first appearance in run_info (or the file).
        exit, target_exit: exit used (empty if none) and exit chosen last.
        outcome: the outcome text (``evacuated``, ``remaining``, ``injured_<cause>``…).
        outcome_code: index into :data:`viz.colour.OUTCOMES`.
        t_evacuated_s, t_injured_s: times (NaN if never).
        has_injury_times: whether the file has a ``t_injured_s`` column.
    """

    ids: np.ndarray
    radius_m: np.ndarray
    population: np.ndarray
    population_names: tuple[str, ...]
    exit: tuple[str, ...]
    target_exit: tuple[str, ...]
    outcome: tuple[str, ...]
    outcome_code: np.ndarray
    t_evacuated_s: np.ndarray
    t_injured_s: np.ndarray
    has_injury_times: bool

    @classmethod
    def from_columns(
        cls, table: Mapping[str, Any], *, populations: tuple[str, ...] = ()
    ) -> AgentTable:
        """Build from :meth:`RunReader.agents` output."""
        ids = np.asarray(table[col.ID_COL], dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        n = ids.size

        def text(name: str) -> tuple[str, ...]:
            values = table.get(name)
            if values is None:
                return ("",) * n
            return tuple(str(values[k]) for k in order)

        def floats(name: str) -> np.ndarray:
            values = table.get(name)
            if values is None:
                return np.full(n, np.nan)
            return np.asarray(values, dtype=np.float64)[order]

        pops = text(col.POPULATION_COL)
        names = list(populations)
        for p in pops:
            if p not in names:
                names.append(p)
        code = {p: k for k, p in enumerate(names)}
        outcome = text(col.OUTCOME_COL)
        return cls(
            ids=ids[order],
            radius_m=floats(col.RADIUS_COL),
            population=np.array([code[p] for p in pops], dtype=np.int64),
            population_names=tuple(names),
            exit=text(col.EXIT_COL),
            target_exit=text(col.TARGET_EXIT_COL),
            outcome=outcome,
            outcome_code=np.array([_outcome_code(o) for o in outcome], dtype=np.int64),
            t_evacuated_s=floats(col.T_EVACUATED_COL),
            t_injured_s=floats(col.T_INJURED_COL),
            has_injury_times=col.T_INJURED_COL in table,
        )

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """Row of each id (−1 for ids not in the table)."""
        if self.ids.size == 0:
            return np.full(np.shape(ids), -1, dtype=np.int64)
        k = np.minimum(np.searchsorted(self.ids, ids), self.ids.size - 1)
        return np.where(self.ids[k] == ids, k, -1)

    def sorted_times(self) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray | None]:
        """Sorted evacuation times (all, and per exit) and injury times (for counting by time)."""
        out = np.sort(self.t_evacuated_s[np.isfinite(self.t_evacuated_s)])
        exits = np.asarray(self.exit, dtype=object)
        per_exit = {}
        for e in set(self.exit) - {""}:
            t = self.t_evacuated_s[exits == e]
            per_exit[e] = np.sort(t[np.isfinite(t)])
        injured = None
        if self.has_injury_times:
            t = self.t_injured_s[self.outcome_code == _OUTCOME_CODES["injured"]]
            injured = np.sort(t[np.isfinite(t)])
        return out, per_exit, injured


@dataclass(frozen=True)
class Snapshot:
    """The agents at one replay time.

    Attributes:
        t_s: replay time (s); frame, alpha: where it falls (:func:`viz.playhead.frame_position`).
        nearest: the recorded frame nearest in time (whose set of agents is shown).
        ids, pos: agents shown and their interpolated positions (m).
        state: interpolated continuous state (speed, fear) and the nearest frame's discrete state
            (harmed), one array per recorded column.
        rows: row of each agent in the run's :class:`AgentTable` (−1 if none).
    """

    t_s: float
    frame: int
    alpha: float
    nearest: int
    ids: np.ndarray
    pos: np.ndarray
    state: Mapping[str, np.ndarray]
    rows: np.ndarray

    def __len__(self) -> int:
        return int(self.ids.size)


@dataclass(frozen=True)
class Figures:
    """The HUD figures of one run at one time (``None``: not available for this run).

    Attributes:
        inside: agents in the venue (recorded in the nearest frame).
        evacuated: agents out by then. casualties: agents injured by then.
        per_exit: exit id → agents out through it by then.
        exit_open: exit id → open in the layout in force (every exit if the run recorded its
            layouts, else only exits with a shape).
    """

    inside: int
    evacuated: int | None
    casualties: int | None
    per_exit: dict[str, int | None] = field(default_factory=dict)
    exit_open: dict[str, bool] = field(default_factory=dict)


class _Prefetcher:
    """Reads frames ahead of the playhead on a background thread with its own connection.

    It reads in blocks (one query per table for many frames): after a jump, blocks of
    ``_FIRST_BLOCK`` frames so playback starts soon, doubling up to the store's block size while
    the reading goes on where it left off. A block may run past the frames asked for, so that
    reading keeps up in whole blocks rather than one frame at a time at the window's end.
    """

    def __init__(self, run_dir: Path, store: _FrameStore):
        self._run_dir = run_dir
        self._store = store
        self._want: tuple[int, int] | None = None
        self._cv = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="replay-read-ahead", daemon=True)
        self._thread.start()

    def want(self, first: int, last: int) -> None:
        with self._cv:
            self._want = (first, last)
            self._cv.notify()

    def stop(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify()
        self._thread.join(timeout=2.0)

    def _interrupted(self) -> bool:
        with self._cv:
            return self._stop or self._want is not None

    def _loop(self) -> None:
        try:
            reader = RunReader(self._run_dir)
        except OutputFormatError:
            return
        store = self._store
        size, resume = _FIRST_BLOCK, -1
        try:
            while True:
                with self._cv:
                    while self._want is None and not self._stop:
                        self._cv.wait()
                    if self._stop:
                        return
                    first, last = self._want  # type: ignore[misc]
                    self._want = None
                i: int | None = first
                while not self._interrupted():
                    i = store.first_missing(i, last)
                    if i is None:
                        break
                    if i != resume:  # a jump: small blocks first, for a quick start
                        size = _FIRST_BLOCK
                    stop = store.missing_until(i, i + min(size, store.block_frames()))
                    store.put(reader.frames(start=i, stop=stop))
                    i = resume = min(stop, reader.n_frames)
                    size = min(2 * size, store.block_frames())
        except OutputFormatError:
            return
        finally:
            reader.close()


class _FrameStore:
    """Recorded frames in memory, read from disk in blocks (thread-safe).

    Holds whole blocks (:class:`FrameBlock`), least recently used first out, within a budget of
    trajectory rows (agents × frames) rather than of frames, so memory stays bounded at any crowd
    size (the block just read is always kept, however large). A frame asked for and not in memory is read together with the frame after it (drawing
    between two recorded frames needs both), or with a whole block when the frame before it is in
    memory (playback or an export running on past what was read).
    """

    def __init__(self, reader: RunReader, *, max_rows: int = _CACHE_ROWS, rows_per_frame: int = 1):
        self._reader = reader
        self._max_rows = max_rows
        self._blocks: OrderedDict[int, FrameBlock] = OrderedDict()  # by block key, LRU first
        self._owner: dict[int, int] = {}  # frame → key of the block it is served from
        self._serves: dict[int, int] = {}  # block key → frames it serves
        self._views: dict[int, FrameData] = {}
        self._keys = itertools.count()
        self._rows = 0
        #: Agents per recorded frame, from the latest block read (sizes blocks and the budget).
        self.rows_per_frame = max(int(rows_per_frame), 1)
        self._lock = threading.Lock()

    @property
    def rows(self) -> int:
        """Trajectory rows held."""
        return self._rows

    def block_frames(self) -> int:
        """Frames per block at the current crowd size (``_BLOCK_ROWS`` rows, within limits)."""
        lo, hi = _BLOCK_FRAMES
        return min(max(_BLOCK_ROWS // self.rows_per_frame, lo), hi)

    def budget_frames(self) -> int:
        """Frames the row budget holds at the current crowd size."""
        return max(self._max_rows // self.rows_per_frame, 1)

    def has(self, i: int) -> bool:
        with self._lock:
            return i in self._views

    def first_missing(self, first: int, last: int) -> int | None:
        """The first frame of ``first … last`` not in memory, or ``None``."""
        with self._lock:
            return next((i for i in range(first, last + 1) if i not in self._views), None)

    def missing_until(self, first: int, stop: int) -> int:
        """End of the run of frames from ``first`` (not in memory) before ``stop`` or a held one."""
        with self._lock:
            return next((i for i in range(first + 1, stop) if i in self._views), stop)

    def put(self, block: FrameBlock) -> dict[int, FrameData]:
        """Hold a block read from disk (its frames replace any copy already held)."""
        n = len(block.offsets) - 1
        views = {f: block.frame(f) for f in range(block.start, block.start + n)}
        with self._lock:
            key = next(self._keys)
            for f, data in views.items():
                old = self._owner.get(f)
                if old is not None:
                    self._release(old)
                self._owner[f] = key
                self._views[f] = data
            self._blocks[key] = block
            self._serves[key] = n
            self._rows += int(block.ids.size)
            if n:
                self.rows_per_frame = max(math.ceil(block.ids.size / n), 1)
            while self._rows > self._max_rows and len(self._blocks) > 1:
                self._evict(next(iter(self._blocks)))
        return views

    def _release(self, key: int) -> None:
        self._serves[key] -= 1
        if self._serves[key] == 0:
            self._remove(key)

    def _remove(self, key: int) -> None:
        block = self._blocks.pop(key)
        del self._serves[key]
        self._rows -= int(block.ids.size)

    def _evict(self, key: int) -> None:
        block = self._blocks[key]
        for f in range(block.start, block.start + len(block.offsets) - 1):
            if self._owner.get(f) == key:
                del self._owner[f]
                del self._views[f]
        self._remove(key)

    def get(self, i: int) -> FrameData:
        with self._lock:
            data = self._views.get(i)
            if data is not None:
                self._blocks.move_to_end(self._owner[i])
                return data
            following = (i - 1) in self._views
        stop = self.missing_until(i, i + (self.block_frames() if following else 2))
        return self.put(self._reader.frames(start=i, stop=stop))[i]


class ReplayRun:
    """A run directory opened for replay.

    Args:
        run_dir: the run directory.
        read_ahead: read frames ahead of the playhead on a background thread (interactive use).

    Raises:
        OutputFormatError: the directory is missing, truncated, of an unknown format version,
            or has no recorded frame.

    Attributes:
        run_dir, fps, n_frames, duration_s, bounds, run_info, summary, state_columns: as recorded.
        title, subtitle: the layout or scenario name, and the directory and seed.
        agents: the per-agent table, or ``None`` (with ``agents_problem`` saying why).
        exit_ids: the venue's exits; events: the run's timed events; threats: its threats.
    """

    def __init__(self, run_dir: Path | str, *, read_ahead: bool = False):
        self.run_dir = Path(run_dir)
        self._reader = RunReader(self.run_dir)
        try:
            self._init()
        except BaseException:
            self._reader.close()
            raise
        # until the first read says how many agents a frame holds, assume all of agents.csv
        agents = self.agents.ids.size if self.agents is not None else 1
        self._store = _FrameStore(self._reader, rows_per_frame=agents)
        self._prefetch = _Prefetcher(self.run_dir, self._store) if read_ahead else None
        self._density_cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._rows: OrderedDict[int, np.ndarray] = OrderedDict()
        self.grid = DensityGrid(self.bounds)

    def _init(self) -> None:
        r = self._reader
        if r.n_frames == 0:
            raise OutputFormatError(
                f"{self.run_dir} has no recorded frame (the run stopped before its first frame "
                "was saved); run the scenario again"
            )
        self.fps: float = r.fps
        self.n_frames: int = r.n_frames
        self.duration_s: float = (r.n_frames - 1) / r.fps
        self.bounds: tuple[float, float, float, float] = r.bounds
        self.run_info: dict[str, Any] = r.run_info
        self.summary: dict[str, Any] | None = r.summary
        self.state_columns: tuple[str, ...] = r.state_columns
        info = self.run_info
        name = info.get("layout") or info.get("scenario") or self.run_dir.name
        seed = info.get("seed")
        self.title: str = str(name)
        self.subtitle: str = (
            self.run_dir.name
            + (f" · seed {seed}" if seed is not None else "")
            + (" · interrupted" if r.interrupted else "")
        )

        self.agents: AgentTable | None = None
        self.agents_problem: str | None = None
        try:
            self.agents = AgentTable.from_columns(
                r.agents(), populations=tuple(str(p) for p in info.get("populations") or ())
            )
        except OutputFormatError as exc:
            self.agents_problem = str(exc)
        self._times = self.agents.sorted_times() if self.agents is not None else None

        exits = info.get("exits")
        if exits is None and self.summary is not None:
            exits = list((self.summary.get("exits") or {}).keys())
        self.exit_ids: tuple[str, ...] = tuple(str(e) for e in exits or ())
        self.events: list[Event] = sorted(r.events(), key=lambda e: e.time_s)

        self.exit_areas, self.barrier_shapes, ratings = parse_shapes(info)
        self._layout_starts = r.layout_changes()
        self._starts = np.array([s for s, _ in self._layout_starts], dtype=np.int64)
        recorded = parse_layouts(info)
        self.layouts: dict[int, Layout] = {
            h: Layout.from_wkt(
                r.geometries()[h],
                exit_areas=self.exit_areas,
                barriers=self.barrier_shapes,
                states=recorded.get(h),
                exit_ids=self.exit_ids,
            )
            for _, h in self._layout_starts
        }
        try:
            tracks = r.threat_tracks()
        except OutputFormatError:  # a damaged threats.csv: fall back to the specification
            tracks = {}
        self.threats: list[Threat] = parse_threats(
            info.get("threats") or (),
            barriers_at=self._barriers_in_place_at,
            ratings=ratings,
            tracks=tracks,
        )

    # -- basics ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop reading ahead and close the database (idempotent)."""
        if self._prefetch is not None:
            self._prefetch.stop()
            self._prefetch = None
        self._reader.close()

    def __enter__(self) -> ReplayRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ReplayRun({str(self.run_dir)!r}, n_frames={self.n_frames}, fps={self.fps})"

    def frame_at(self, t_s: float) -> tuple[int, float]:
        """``(frame, alpha)`` of a replay time in this run."""
        return frame_position(t_s, fps=self.fps, n_frames=self.n_frames)

    def nearest_frame(self, t_s: float) -> int:
        """The recorded frame nearest to ``t_s``."""
        i, alpha = self.frame_at(t_s)
        return min(i + 1, self.n_frames - 1) if alpha >= 0.5 else i

    def frame(self, i: int) -> FrameData:
        """Recorded frame ``i`` (cached)."""
        return self._store.get(i)

    def ready(self, t_s: float) -> bool:
        """Whether the frames needed to draw time ``t_s`` are in memory (no wait for the disk)."""
        i, alpha = self.frame_at(t_s)
        return self._store.has(i) and (alpha == 0.0 or self._store.has(i + 1))

    def read_ahead(self, t_s: float, *, speed: float = 1.0) -> None:
        """Ask the background reader for the frames the next seconds of playback will need."""
        if self._prefetch is None:
            return
        i, _ = self.frame_at(t_s)
        store = self._store
        span = max(_READ_AHEAD_FRAMES, math.ceil(_READ_AHEAD_S * speed * self.fps))
        # the window and a block past it fit in half the budget: the other half keeps the frames
        # just played (trails) and the read-ahead never evicts frames it has not shown yet
        span = max(min(span, store.budget_frames() // 2 - store.block_frames()), 1)
        self._prefetch.want(i, min(i + span, self.n_frames - 1))

    # -- layouts --------------------------------------------------------------------------------

    def layout_hash(self, frame: int) -> int:
        """Hash of the walkable area in force at ``frame``."""
        k = int(np.searchsorted(self._starts, frame, side="right")) - 1
        return self._layout_starts[max(k, 0)][1]

    def layout(self, frame: int) -> Layout:
        """The layout in force at ``frame``."""
        return self.layouts[self.layout_hash(frame)]

    def _barriers_in_place_at(self, t_s: float) -> dict[str, Any]:
        lay = self.layout(self.frame_at(t_s)[0])
        return {b: self.barrier_shapes[b] for b, ok in lay.barrier_in_place.items() if ok}

    # -- agents at a time --------------------------------------------------------------------

    def snapshot(self, t_s: float) -> Snapshot:
        """The agents at replay time ``t_s``, positions interpolated between recorded frames.

        The agents shown are those of the nearest recorded frame (an agent leaving between two
        frames disappears half-way); those also in the other frame move on the straight line
        between their two recorded positions.
        """
        i, alpha = self.frame_at(t_s)
        a = self.frame(i)
        if alpha == 0.0:
            return self._snap(t_s, i, 0.0, i, a.ids, a.pos.copy(), dict(a.state))
        b = self.frame(i + 1)
        near, other, w = (a, b, alpha) if alpha < 0.5 else (b, a, 1.0 - alpha)
        if near.ids.size == other.ids.size and np.array_equal(near.ids, other.ids):
            # the usual case: the same agents in both frames
            pos = near.pos + w * (other.pos - near.pos)
            state = {
                name: values
                if name == col.STATE_HARMED
                else values + w * (other.state[name] - values)
                for name, values in near.state.items()
            }
            return self._snap(t_s, i, alpha, near.frame, near.ids, pos, state)
        k = np.minimum(np.searchsorted(other.ids, near.ids), max(other.ids.size - 1, 0))
        match = other.ids[k] == near.ids if other.ids.size else np.zeros(near.ids.size, dtype=bool)
        km = k[match]
        pos = near.pos.copy()
        pos[match] += w * (other.pos[km] - near.pos[match])
        state: dict[str, np.ndarray] = {}
        for name, values in near.state.items():
            v = values.copy()
            if name != col.STATE_HARMED:
                v[match] += w * (other.state[name][km] - values[match])
            state[name] = v
        return self._snap(t_s, i, alpha, near.frame, near.ids, pos, state)

    def _snap(
        self,
        t_s: float,
        i: int,
        alpha: float,
        nearest: int,
        ids: np.ndarray,
        pos: np.ndarray,
        state: dict[str, np.ndarray],
    ) -> Snapshot:
        rows = self._rows.get(nearest)
        if rows is None:
            rows = self.agents.rows(ids) if self.agents is not None else np.full(ids.size, -1)
            self._rows[nearest] = rows
            while len(self._rows) > 8:
                self._rows.popitem(last=False)
        return Snapshot(t_s, i, alpha, nearest, ids, pos, state, rows)

    def radii(self, snap: Snapshot) -> np.ndarray:
        """Body radius of each agent of a snapshot (m); nominal where agents.csv has none."""
        if self.agents is None:
            return np.full(len(snap), NOMINAL_RADIUS_M)
        r = np.where(snap.rows >= 0, self.agents.radius_m[np.maximum(snap.rows, 0)], np.nan)
        return np.where(np.isfinite(r), r, NOMINAL_RADIUS_M)

    def harmed(self, snap: Snapshot) -> np.ndarray:
        """Whether each agent of a snapshot is injured at that time (bool)."""
        if col.STATE_HARMED in snap.state:
            return snap.state[col.STATE_HARMED] > 0.5
        if self.agents is not None and self.agents.has_injury_times:
            t = np.where(snap.rows >= 0, self.agents.t_injured_s[np.maximum(snap.rows, 0)], np.nan)
            return t <= snap.t_s
        return np.zeros(len(snap), dtype=bool)

    def local_density(self, frame: int) -> np.ndarray:
        """Local density (persons/m²) of each agent of recorded ``frame`` (cached)."""
        d = self._density_cache.get(frame)
        if d is None:
            d = local_density(self.frame(frame).pos)
            self._density_cache[frame] = d
            while len(self._density_cache) > _DENSITY_FRAMES:
                self._density_cache.popitem(last=False)
        return d

    # -- colour modes ---------------------------------------------------------------------------

    def mode_problem(self, mode: ColourMode) -> str | None:
        """Why ``mode`` cannot colour this run, or ``None`` if it can."""
        if mode in (ColourMode.SPEED, ColourMode.FEAR):
            if mode.value not in self.state_columns:
                return f"{mode.label} is not recorded in this run (no agent_state.{mode.value})"
            return None
        if mode in (ColourMode.POPULATION, ColourMode.OUTCOME):
            return None if self.agents is not None else "no agents.csv (the run did not close)"
        return None

    def colour_values(self, mode: ColourMode, snap: Snapshot) -> np.ndarray:
        """Values of a snapshot's agents for ``mode``: floats, or integer categories."""
        if mode in (ColourMode.SPEED, ColourMode.FEAR):
            return snap.state[mode.value]
        if mode is ColourMode.DENSITY:
            return self.local_density(snap.nearest)
        assert self.agents is not None
        rows = np.maximum(snap.rows, 0)
        table = (
            self.agents.population if mode is ColourMode.POPULATION else self.agents.outcome_code
        )
        values = table[rows]
        return np.where(snap.rows >= 0, values, -1)

    # -- HUD ------------------------------------------------------------------------------------

    def figures(self, t_s: float) -> Figures:
        """The HUD figures at replay time ``t_s``."""
        nearest = self.nearest_frame(t_s)
        inside = len(self.frame(nearest))
        exit_open = dict(self.layout(nearest).exit_open)
        if self._times is None:
            return Figures(inside, None, None, dict.fromkeys(self.exit_ids), exit_open)
        out, per_exit_t, injured = self._times

        def count(t: np.ndarray) -> int:
            return int(np.searchsorted(t, t_s, side="right"))

        per_exit: dict[str, int | None] = {
            e: count(per_exit_t[e]) if e in per_exit_t else 0 for e in self.exit_ids
        }
        casualties = None if injured is None else count(injured)
        return Figures(inside, count(out), casualties, per_exit, exit_open)

    def events_between(self, t0_s: float, t1_s: float) -> list[Event]:
        """Events with ``t0_s ≤ time ≤ t1_s``."""
        return [e for e in self.events if t0_s <= e.time_s <= t1_s]

    # -- trails and heatmaps -----------------------------------------------------------------

    def trails(self, snap: Snapshot, *, seconds: float) -> list[np.ndarray]:
        """Earlier positions of a snapshot's agents: one ``(n, 2)`` array per frame, oldest first.

        Rows are NaN where an agent was not recorded in that frame.
        """
        k = max(1, round(seconds * self.fps))
        out = []
        for f in range(max(snap.frame - k, 0), snap.frame + 1):
            data = self.frame(f)
            j = np.minimum(np.searchsorted(data.ids, snap.ids), max(data.ids.size - 1, 0))
            ok = data.ids[j] == snap.ids if data.ids.size else np.zeros(len(snap), dtype=bool)
            pos = np.full((len(snap), 2), np.nan)
            pos[ok] = data.pos[j[ok]]
            out.append(pos)
        out.append(snap.pos)
        return out

    def _positions_by_frame(self) -> Iterator[tuple[int, np.ndarray]]:
        rows = self._rows_estimate()
        if rows <= _LOAD_ALL_ROWS:
            frames, _, pos = self._reader.load_all()
            if frames.size == 0:
                return
            cuts = np.flatnonzero(np.diff(frames)) + 1
            starts = np.concatenate([[0], cuts])
            ends = np.concatenate([cuts, [frames.size]])
            for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
                yield int(frames[lo]), pos[lo:hi]
        else:  # a block at a time: bounded memory, one query per block
            step = self._store.block_frames()
            for start in range(0, self.n_frames, step):
                block = self._reader.frames(start=start, stop=start + step)
                offsets = block.offsets.tolist()
                for k in range(len(offsets) - 1):
                    yield start + k, block.pos[offsets[k] : offsets[k + 1]]

    def _rows_estimate(self) -> int:
        """Rough number of trajectory rows (frames × agents of the first frame)."""
        return self.n_frames * max(len(self.frame(0)), 1)

    def ensure_time_above(self, progress: Callable[[float], None] | None = None) -> None:
        """Compute the time-above-4-persons/m² overlay (reads the whole trajectory once)."""
        if not self.grid.has_time_above:
            self.grid.compute_time_above(
                self._positions_by_frame(), n_frames=self.n_frames, fps=self.fps, progress=progress
            )
