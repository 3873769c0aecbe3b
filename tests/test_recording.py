"""Run directory: writer and reader round trip, PedPy compatibility, crashes, broken files."""

from __future__ import annotations

import csv
import gc
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pedpy
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from simcore.columns import (
    AGENTS_CSV_COLUMNS,
    AGENTS_FILE,
    EVENTS_CSV_COLUMNS,
    EVENTS_FILE,
    ID_COL,
    OUTCOME_COL,
    RUN_INFO_FILE,
    SUMMARY_FILE,
    T_EVACUATED_COL,
    TRAJECTORY_FILE,
)
from simcore.errors import OutputFormatError
from simcore.recording import (
    FORMAT_VERSION,
    RunReader,
    RunWriter,
    geometry_hash,
)
from simcore.recording import writer as writer_module

REPO = Path(__file__).resolve().parents[1]
SQUARE = "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))"
SQUARE_HASH = 2271186412743206542  # BLAKE2b-64 of SQUARE; must never change (files store it)
WITH_HOLE = "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (4 4, 6 4, 6 6, 4 6, 4 4))"
BOUNDS = (0.0, 0.0, 10.0, 10.0)
RUN_FILES = {TRAJECTORY_FILE, SUMMARY_FILE, AGENTS_FILE, EVENTS_FILE, RUN_INFO_FILE}


def random_frames(rng: np.random.Generator, n_frames: int, n_agents: int = 40) -> list[dict]:
    """Frames whose agent set changes (agents leave and come back), ids in shuffled order."""
    frames = []
    for _ in range(n_frames):
        ids = rng.permutation(np.flatnonzero(rng.random(n_agents) < 0.7))
        n = ids.size
        speed = rng.random(n)
        speed[rng.random(n) < 0.2] = np.nan  # stored as NULL, read back as NaN
        frames.append(
            {
                "ids": ids,
                "pos": rng.uniform(0.0, 10.0, (n, 2)),
                "ori": rng.normal(size=(n, 2)),
                "state": {"speed": speed, "fear": rng.random(n)},
            }
        )
    return frames


def agents_table(n: int) -> dict[str, list]:
    table: dict[str, list] = {c: [0.5 * i for i in range(n)] for c in AGENTS_CSV_COLUMNS}
    table[ID_COL] = list(range(n))
    table["population"] = ["adults"] * n
    table["exit"] = ["north, main"] * n  # a comma, quoted by the CSV writer
    table[OUTCOME_COL] = ["evacuated" if i % 2 else "remaining" for i in range(n)]
    table[T_EVACUATED_COL] = [float(i) if i % 2 else np.nan for i in range(n)]
    table["injured"] = [i % 3 == 0 for i in range(n)]  # extra columns
    table["group"] = [i // 2 for i in range(n)]
    table["cause"] = [""] * n  # text, empty in this run
    table["t_injured_s"] = [None] * n  # a quantity, empty in this run
    return table


def new_writer(run_dir: Path, **kwargs) -> RunWriter:
    options = {
        "fps": 8.0,
        "bounds": BOUNDS,
        "geometry_wkt": SQUARE,
        "run_info": {"scenario": "unit", "seed": 7, "dt_s": 0.01, "parameters": {"A_N": 2000.0}},
        "state_columns": ("speed", "fear"),
    }
    return RunWriter(run_dir, **(options | kwargs))


def write(writer: RunWriter, frames: list[dict], start: int = 0) -> None:
    for i, f in enumerate(frames):
        writer.write_frame(start + i, ids=f["ids"], pos=f["pos"], ori=f["ori"], state=f["state"])


def assert_frame_equal(got, expected: dict) -> None:
    order = np.argsort(expected["ids"])
    np.testing.assert_array_equal(got.ids, expected["ids"][order])
    assert got.ids.dtype == np.int64
    np.testing.assert_array_equal(got.pos, expected["pos"][order])
    np.testing.assert_array_equal(got.ori, expected["ori"][order])
    assert set(got.state) == set(expected["state"])
    for name, values in expected["state"].items():
        np.testing.assert_array_equal(got.state[name], values[order])


def listing(run_dir: Path) -> set[str]:
    return {p.name for p in run_dir.iterdir()}


# -- round trip -------------------------------------------------------------------------------


@pytest.mark.parametrize("background", [True, False])
def test_round_trip(tmp_path: Path, background: bool) -> None:
    rng = np.random.default_rng(1)
    frames = random_frames(rng, 23)
    frames[4] = {  # an empty frame (everyone out) must still count
        "ids": np.empty(0, np.int64),
        "pos": np.empty((0, 2)),
        "ori": np.empty((0, 2)),
        "state": {"speed": np.empty(0), "fear": np.empty(0)},
    }
    run = tmp_path / "nested" / "run"
    with new_writer(run, background=background, commit_every_frames=5) as writer:
        write(writer, frames)
        writer.write_event(time_s=1.25, kind="exit_closed", target="gate-2", text='a "b", c\nd')
        writer.write_event(time_s=2.0, kind="alarm")
        writer.finish(
            summary={"t_total_s": np.float64(2.75), "n": np.int64(3)}, agents=agents_table(5)
        )

    assert listing(run) == RUN_FILES
    with RunReader(run) as reader:
        assert reader.fps == 8.0
        assert reader.n_frames == len(frames)
        assert reader.bounds == BOUNDS
        assert reader.state_columns == ("speed", "fear")
        assert reader.format_version == FORMAT_VERSION
        assert reader.run_info == {
            "format_version": FORMAT_VERSION,
            "scenario": "unit",
            "seed": 7,
            "dt_s": 0.01,
            "parameters": {"A_N": 2000.0},
        }
        assert reader.summary == {
            "format_version": FORMAT_VERSION,
            "t_total_s": 2.75,
            "n": 3,
            "interrupted": False,
        }
        assert not reader.interrupted
        for i, expected in enumerate(frames):
            assert_frame_equal(reader.frame(i), expected)
        streamed = list(reader.iter_frames())
        assert [f.frame for f in streamed] == list(range(len(frames)))
        for got, expected in zip(streamed, frames, strict=True):
            assert_frame_equal(got, expected)

        all_frames, all_ids, all_pos = reader.load_all()
        order = [np.argsort(f["ids"]) for f in frames]
        np.testing.assert_array_equal(
            all_frames, np.concatenate([np.full(f["ids"].size, i) for i, f in enumerate(frames)])
        )
        np.testing.assert_array_equal(
            all_ids, np.concatenate([f["ids"][o] for f, o in zip(frames, order, strict=True)])
        )
        np.testing.assert_array_equal(
            all_pos, np.concatenate([f["pos"][o] for f, o in zip(frames, order, strict=True)])
        )

        events = reader.events()
        assert [(e.time_s, e.kind, e.target, e.text) for e in events] == [
            (1.25, "exit_closed", "gate-2", 'a "b", c\nd'),
            (2.0, "alarm", "", ""),
        ]
        agents = reader.agents()
    assert list(agents)[: len(AGENTS_CSV_COLUMNS)] == list(AGENTS_CSV_COLUMNS)
    assert agents[ID_COL].dtype == np.int64
    np.testing.assert_array_equal(agents[ID_COL], np.arange(5))
    np.testing.assert_array_equal(agents[T_EVACUATED_COL], [np.nan, 1.0, np.nan, 3.0, np.nan])
    np.testing.assert_array_equal(agents["radius_m"], [0.0, 0.5, 1.0, 1.5, 2.0])
    assert agents["exit"] == ["north, main"] * 5
    assert agents["injured"] == ["True", "False", "False", "True", "False"]
    assert agents["group"].dtype == np.int64
    np.testing.assert_array_equal(agents["group"], [0, 0, 1, 1, 2])
    assert agents["cause"] == [""] * 5
    assert agents["t_injured_s"].dtype == np.float64
    assert np.isnan(agents["t_injured_s"]).all()

    with (run / EVENTS_FILE).open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows == [
        list(EVENTS_CSV_COLUMNS),
        ["1.25", "exit_closed", "gate-2", 'a "b", c\nd'],
        ["2.0", "alarm", "", ""],
    ]
    assert json.loads((run / RUN_INFO_FILE).read_text())["seed"] == 7


def test_frames_are_copied_when_written(tmp_path: Path) -> None:
    """The background thread must not see the caller reuse its arrays."""
    ids = np.arange(40)
    pos = np.zeros((40, 2))
    with new_writer(tmp_path / "run", state_columns=()) as writer:
        for i in range(30):
            pos[:] = i  # the caller overwrites its buffer at once
            writer.write_frame(i, ids=ids, pos=pos, ori=pos)
        writer.finish(summary={}, agents=agents_table(0))
    with RunReader(tmp_path / "run") as reader:
        for i in range(30):
            assert (reader.frame(i).pos == i).all()


def test_state_columns_fixed_by_first_frame(tmp_path: Path) -> None:
    writer = new_writer(tmp_path / "run", state_columns=())
    writer.write_frame(0, ids=[3], pos=[[1.0, 2.0]], ori=[[1.0, 0.0]], state={"fear": [0.25]})
    with pytest.raises(ValueError, match="fear"):
        writer.write_frame(1, ids=[3], pos=[[1.0, 2.0]], ori=[[1.0, 0.0]], state={"panic": [1.0]})
    writer.write_frame(1, ids=[3], pos=[[1.0, 2.0]], ori=[[1.0, 0.0]], state={"fear": [0.5]})
    writer.finish(summary={}, agents=agents_table(1))
    with RunReader(tmp_path / "run") as reader:
        assert reader.state_columns == ("fear",)
        assert reader.frame(1).state["fear"].tolist() == [0.5]


def test_no_state_columns(tmp_path: Path) -> None:
    with new_writer(tmp_path / "run", state_columns=()) as writer:
        writer.write_frame(0, ids=[1, 2], pos=[[1.0, 1.0], [2.0, 2.0]], ori=[[1, 0], [0, 1]])
        writer.finish(summary={}, agents=agents_table(2))
    with RunReader(tmp_path / "run") as reader:
        assert reader.state_columns == ()
        assert dict(reader.frame(0).state) == {}


def test_bad_frames_are_rejected_and_the_writer_stays_usable(tmp_path: Path) -> None:
    writer = new_writer(tmp_path / "run", state_columns=())
    good = {"ids": np.array([1, 2]), "pos": np.ones((2, 2)), "ori": np.ones((2, 2))}
    with pytest.raises(ValueError, match="expected frame 0, got 1"):
        writer.write_frame(1, **good)
    with pytest.raises(ValueError, match="agent 2 is not finite"):
        writer.write_frame(0, ids=[1, 2], pos=[[1.0, 1.0], [np.nan, 1.0]], ori=good["ori"])
    with pytest.raises(ValueError, match="unique"):
        writer.write_frame(0, ids=[1, 1], pos=good["pos"], ori=good["ori"])
    with pytest.raises(ValueError, match="shape"):
        writer.write_frame(0, ids=[1, 2], pos=np.ones((2, 3)), ori=good["ori"])
    with pytest.raises(ValueError, match="integer"):
        writer.write_frame(0, ids=[1.5, 2.0], pos=good["pos"], ori=good["ori"])
    writer.write_frame(0, **good)
    with pytest.raises(ValueError, match="agents lacks the columns"):
        writer.finish(summary={}, agents={ID_COL: [1, 2]})
    writer.finish(summary={}, agents=agents_table(2))  # still open after the rejected finish
    with pytest.raises(ValueError, match="closed"):
        writer.write_frame(1, **good)
    with RunReader(tmp_path / "run") as reader:
        assert reader.n_frames == 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"fps": 0.0}, "fps"),
        ({"fps": float("nan")}, "fps"),
        ({"bounds": (0.0, 0.0, -1.0, 1.0)}, "bounds"),
        ({"geometry_wkt": ""}, "WKT"),
        ({"state_columns": ("speed", "id")}, "reserved"),
        ({"state_columns": ("bad name",)}, "identifier"),
        ({"run_info": {"format_version": 9}}, "reserved"),
        ({"run_info": {"x": object()}}, "JSON"),
        ({"commit_every_frames": 0}, "commit_every_frames"),
    ],
)
def test_bad_writer_arguments(tmp_path: Path, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        new_writer(tmp_path / "run", **kwargs)
    assert not (tmp_path / "run" / TRAJECTORY_FILE).exists()


# -- the file is JuPedSim's format ------------------------------------------------------------


def test_schema_is_jupedsim_version_2(tmp_path: Path) -> None:
    with new_writer(tmp_path / "run") as writer:
        write(writer, random_frames(np.random.default_rng(3), 3))
        writer.finish(summary={}, agents=agents_table(0))
    con = sqlite3.connect(tmp_path / "run" / TRAJECTORY_FILE)
    try:

        def columns(table: str) -> list[tuple[str, str, int]]:
            return [(r[1], r[2], r[3]) for r in con.execute(f"PRAGMA table_info({table})")]

        assert columns("trajectory_data") == [
            ("frame", "INTEGER", 1),
            ("id", "INTEGER", 1),
            ("pos_x", "REAL", 1),
            ("pos_y", "REAL", 1),
            ("ori_x", "REAL", 1),
            ("ori_y", "REAL", 1),
        ]
        assert columns("metadata") == [("key", "TEXT", 1), ("value", "TEXT", 1)]
        assert columns("geometry") == [("hash", "INTEGER", 1), ("wkt", "TEXT", 1)]
        assert columns("frame_data") == [("frame", "INTEGER", 1), ("geometry_hash", "INTEGER", 1)]
        assert columns("agent_state") == [
            ("frame", "INTEGER", 1),
            ("id", "INTEGER", 1),
            ("speed", "REAL", 0),
            ("fear", "REAL", 0),
        ]
        assert columns("events") == [
            ("time_s", "REAL", 0),
            ("kind", "TEXT", 0),
            ("target", "TEXT", 0),
            ("text", "TEXT", 0),
        ]
        assert [r[2] for r in con.execute("PRAGMA index_info(frame_id_idx)")] == ["frame", "id"]
        assert dict(con.execute("SELECT key, value FROM metadata")) == {
            "version": "2",
            "fps": "8.0",
            "xmin": "0.0",
            "xmax": "10.0",
            "ymin": "0.0",
            "ymax": "10.0",
        }
        assert con.execute("SELECT frame, geometry_hash FROM frame_data").fetchall() == [
            (0, SQUARE_HASH),
            (1, SQUARE_HASH),
            (2, SQUARE_HASH),
        ]
        assert dict(con.execute("SELECT key, value FROM run_info"))["format_version"] == "1"
        # Self-contained: the write-ahead log is folded in and switched off.
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        con.close()
    assert listing(tmp_path / "run") == RUN_FILES


def test_pedpy_loads_the_trajectory_and_the_walkable_area(tmp_path: Path) -> None:
    frames = random_frames(np.random.default_rng(4), 6)
    with new_writer(tmp_path / "run", geometry_wkt=WITH_HOLE) as writer:
        write(writer, frames)
        writer.finish(summary={}, agents=agents_table(0))
    path = tmp_path / "run" / TRAJECTORY_FILE
    traj = pedpy.load_trajectory_from_jupedsim_sqlite(trajectory_file=path)
    assert traj.frame_rate == 8.0
    data = traj.data.sort_values(["frame", "id"])
    np.testing.assert_array_equal(
        data["frame"], np.concatenate([np.full(f["ids"].size, i) for i, f in enumerate(frames)])
    )
    expected = np.concatenate([f["pos"][np.argsort(f["ids"])] for f in frames])
    np.testing.assert_array_equal(data[["x", "y"]].to_numpy(), expected)
    area = pedpy.load_walkable_area_from_jupedsim_sqlite(trajectory_file=path)
    assert area.polygon.equals(shapely.from_wkt(WITH_HOLE))


# -- layout changes ---------------------------------------------------------------------------


@pytest.mark.parametrize("background", [True, False])
def test_layout_change(tmp_path: Path, background: bool) -> None:
    frames = random_frames(np.random.default_rng(5), 10)
    with new_writer(tmp_path / "run", background=background) as writer:
        write(writer, frames[:3])
        hole_hash = writer.set_geometry(frame=5, wkt=WITH_HOLE)
        write(writer, frames[3:7], start=3)
        assert writer.set_geometry(frame=7, wkt=SQUARE) == SQUARE_HASH  # the old layout again
        with pytest.raises(ValueError, match="written already"):
            writer.set_geometry(frame=6, wkt=WITH_HOLE)
        write(writer, frames[7:], start=7)
        writer.finish(summary={}, agents=agents_table(0))
    assert hole_hash == geometry_hash(WITH_HOLE) != SQUARE_HASH

    path = tmp_path / "run" / TRAJECTORY_FILE
    con = sqlite3.connect(path)
    try:
        per_frame = con.execute("SELECT frame, geometry_hash FROM frame_data ORDER BY frame")
        assert per_frame.fetchall() == [
            (f, hole_hash if 5 <= f < 7 else SQUARE_HASH) for f in range(10)
        ]
        assert sorted(con.execute("SELECT hash, wkt FROM geometry")) == sorted(
            [(SQUARE_HASH, SQUARE), (hole_hash, WITH_HOLE)]
        )
    finally:
        con.close()
    with RunReader(tmp_path / "run") as reader:
        assert [reader.geometry_at(f) for f in range(10)] == [
            WITH_HOLE if 5 <= f < 7 else SQUARE for f in range(10)
        ]
        assert reader.layout_changes() == [(0, SQUARE_HASH), (5, hole_hash), (7, SQUARE_HASH)]
        assert reader.geometries() == {SQUARE_HASH: SQUARE, hole_hash: WITH_HOLE}
        with pytest.raises(IndexError):
            reader.geometry_at(10)
    # PedPy takes the union of the layouts.
    area = pedpy.load_walkable_area_from_jupedsim_sqlite(trajectory_file=path)
    assert area.polygon.equals(shapely.from_wkt(SQUARE))


def test_geometry_hash_is_the_same_in_every_process() -> None:
    assert geometry_hash(SQUARE) == SQUARE_HASH
    code = f"from simcore.recording import geometry_hash; print(geometry_hash({SQUARE!r}))"
    for seed in ("1", "2"):
        env = os.environ | {"PYTHONPATH": str(REPO), "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert int(out.stdout) == SQUARE_HASH


# -- interrupted runs -------------------------------------------------------------------------

CRASH_SCRIPT = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    from simcore.recording import RunWriter

    run_dir, background = sys.argv[1], sys.argv[2] == "1"
    n_frames, flush_at = map(int, sys.argv[3:])
    writer = RunWriter(run_dir, fps=4.0, bounds=(0, 0, 10, 10), geometry_wkt={square!r},
                       run_info={{}}, state_columns=("speed",), commit_every_frames=10,
                       background=background)
    for f in range(n_frames):
        ids = np.arange(f % 7, 30)
        pos = np.column_stack([ids * 0.25, np.full(ids.size, f * 0.125)])
        writer.write_frame(f, ids=ids, pos=pos, ori=np.ones_like(pos), state={{"speed": ids * 1.0}})
        if f + 1 == flush_at:
            writer.flush()
    os._exit(0)  # a hard crash: no finish, no abort, no clean-up of any kind
    """
).format(square=SQUARE)


def expected_crash_frame(f: int) -> tuple[np.ndarray, np.ndarray]:
    ids = np.arange(f % 7, 30)
    return ids, np.column_stack([ids * 0.25, np.full(ids.size, f * 0.125)])


@pytest.mark.parametrize(
    ("background", "n_frames", "flush_at", "committed"),
    [(False, 25, 0, 20), (True, 25, 23, 23)],
)
def test_crashed_run_is_readable_up_to_the_last_commit(
    tmp_path: Path, background: bool, n_frames: int, flush_at: int, committed: int
) -> None:
    run = tmp_path / "run"
    env = os.environ | {"PYTHONPATH": str(REPO)}
    args = [str(run), "1" if background else "0", str(n_frames), str(flush_at)]
    subprocess.run([sys.executable, "-c", CRASH_SCRIPT, *args], env=env, check=True)

    with RunReader(run) as reader:
        assert reader.summary is None
        assert reader.interrupted
        assert reader.n_frames == committed
        for f in range(committed):
            got = reader.frame(f)
            ids, pos = expected_crash_frame(f)
            np.testing.assert_array_equal(got.ids, ids)
            np.testing.assert_array_equal(got.pos, pos)
            np.testing.assert_array_equal(got.state["speed"], ids * 1.0)
        with pytest.raises(OutputFormatError, match="did not close"):
            reader.agents()
    traj = pedpy.load_trajectory_from_jupedsim_sqlite(trajectory_file=run / TRAJECTORY_FILE)
    assert traj.data["frame"].max() == committed - 1
    assert traj.frame_rate == 4.0
    area = pedpy.load_walkable_area_from_jupedsim_sqlite(trajectory_file=run / TRAJECTORY_FILE)
    assert area.polygon.equals(shapely.from_wkt(SQUARE))


@pytest.mark.parametrize("background", [True, False])
def test_dropped_writer_keeps_the_committed_frames(tmp_path: Path, background: bool) -> None:
    frames = random_frames(np.random.default_rng(6), 13)
    writer = new_writer(tmp_path / "run", background=background, commit_every_frames=5)
    write(writer, frames)
    del writer  # never finished: the open transaction (frames 10-12) is lost, as in a crash
    gc.collect()
    with RunReader(tmp_path / "run") as reader:
        assert reader.summary is None
        assert reader.n_frames == 10
        for f in range(10):
            assert_frame_equal(reader.frame(f), frames[f])


@pytest.mark.parametrize("background", [True, False])
def test_abort_keeps_every_frame_and_marks_the_summary(tmp_path: Path, background: bool) -> None:
    frames = random_frames(np.random.default_rng(7), 7)
    run = tmp_path / "run"
    writer = new_writer(run, background=background)  # 7 frames, below one commit batch
    write(writer, frames)
    writer.write_event(time_s=0.5, kind="threat_start", target="t1")
    partial = {ID_COL: [0, 1], T_EVACUATED_COL: [np.nan, 3.5]}  # missing columns stay empty
    writer.abort(summary={"t_end_s": 0.875}, agents=partial)
    assert writer.closed
    with pytest.raises(ValueError, match="closed"):
        writer.abort(summary={}, agents={})

    assert listing(run) == RUN_FILES
    with RunReader(run) as reader:
        assert reader.n_frames == 7
        assert reader.summary == {"format_version": 1, "t_end_s": 0.875, "interrupted": True}
        assert reader.interrupted
        assert [e.kind for e in reader.events()] == ["threat_start"]
        agents = reader.agents()
        for f in range(7):
            assert_frame_equal(reader.frame(f), frames[f])
    assert list(agents)[: len(AGENTS_CSV_COLUMNS)] == list(AGENTS_CSV_COLUMNS)
    np.testing.assert_array_equal(agents[T_EVACUATED_COL], [np.nan, 3.5])
    assert agents[OUTCOME_COL] == ["", ""]
    pedpy.load_trajectory_from_jupedsim_sqlite(trajectory_file=run / TRAJECTORY_FILE)


def test_exception_in_with_block_aborts(tmp_path: Path) -> None:
    frames = random_frames(np.random.default_rng(8), 3)
    with pytest.raises(KeyboardInterrupt), new_writer(tmp_path / "run") as writer:
        write(writer, frames)
        raise KeyboardInterrupt
    with RunReader(tmp_path / "run") as reader:
        assert reader.n_frames == 3
        assert reader.summary is not None
        assert reader.summary["interrupted"] is True
        assert "KeyboardInterrupt" in reader.summary["error"]


def test_write_failure_in_the_thread_surfaces_in_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_run = writer_module._Insert.run

    def failing_run(self, con, columns):
        columns = list(columns)
        # Frame 12 fails in its second insert (agent_state), after its trajectory rows went in.
        if next(iter(columns[0])) >= 12 and self.single_sql.startswith("INSERT INTO agent_state"):
            raise sqlite3.OperationalError("disk I/O error")
        real_run(self, con, columns)

    monkeypatch.setattr(writer_module._Insert, "run", failing_run)
    frames = random_frames(np.random.default_rng(9), 40)
    writer = new_writer(tmp_path / "run", commit_every_frames=5)
    with pytest.raises(OutputFormatError, match="disk I/O error"):
        write(writer, frames)  # raised on a later write_frame, or at the latest by finish
        writer.finish(summary={}, agents=agents_table(0))
    writer.abort(summary={}, agents=agents_table(0))
    with RunReader(tmp_path / "run") as reader:
        assert reader.n_frames == 12  # every complete frame; frame 12 undone, no stray rows
        assert reader.load_all()[0].size == sum(f["ids"].size for f in frames[:12])
        for f in range(12):
            assert_frame_equal(reader.frame(f), frames[f])
        assert reader.summary is not None
        assert reader.summary["interrupted"] is True
        assert "disk I/O error" in reader.summary["recording_error"]


def test_ctrl_c_inside_a_frame_leaves_no_partial_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_run = writer_module._Insert.run

    def interrupted_run(self, con, columns):
        columns = list(columns)
        if next(iter(columns[0])) == 3 and self.single_sql.startswith("INSERT INTO agent_state"):
            raise KeyboardInterrupt
        real_run(self, con, columns)

    monkeypatch.setattr(writer_module._Insert, "run", interrupted_run)
    frames = random_frames(np.random.default_rng(13), 5)
    writer = new_writer(tmp_path / "run", background=False)
    with pytest.raises(KeyboardInterrupt):
        write(writer, frames)
    assert writer.frames_written == 3
    writer.abort(summary={}, agents={})
    with RunReader(tmp_path / "run") as reader:
        assert reader.n_frames == 3
        assert reader.load_all()[0].size == sum(f["ids"].size for f in frames[:3])
        assert "recording_error" not in (reader.summary or {})


# -- files ------------------------------------------------------------------------------------


def test_refuses_to_overwrite_a_run_unless_asked(tmp_path: Path) -> None:
    run = tmp_path / "run"
    with new_writer(run) as writer:
        write(writer, random_frames(np.random.default_rng(10), 5))
        writer.finish(summary={"first": True}, agents=agents_table(1))
    with pytest.raises(OutputFormatError, match="overwrite=True") as info:
        new_writer(run)
    assert str(run) in str(info.value)
    with RunReader(run) as reader:  # untouched
        assert reader.n_frames == 5

    (run / ".summary.json.abc.tmp").write_text("left by a killed process")
    (run / "notes.txt").write_text("the user's own file")
    with new_writer(run, overwrite=True, fps=2.0) as writer:
        write(writer, random_frames(np.random.default_rng(11), 2))
        assert not (run / SUMMARY_FILE).exists()  # the old run is gone at once
        writer.finish(summary={"second": True}, agents=agents_table(1))
    assert listing(run) == RUN_FILES | {"notes.txt"}
    with RunReader(run) as reader:
        assert reader.n_frames == 2
        assert reader.fps == 2.0
        assert reader.summary is not None
        assert reader.summary["second"] is True


def test_result_files_have_ordinary_permissions(tmp_path: Path) -> None:
    finished_run(tmp_path / "run", n_frames=2)
    reference = tmp_path / "plain.txt"
    reference.write_text("written the ordinary way")
    expected = reference.stat().st_mode & 0o777
    for name in RUN_FILES:
        assert (tmp_path / "run" / name).stat().st_mode & 0o777 == expected, name


def test_failed_atomic_write_keeps_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from simcore.recording import _files

    target = tmp_path / "summary.json"
    target.write_text("old")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_files.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space"):
        _files.atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert listing(tmp_path) == {"summary.json"}


def test_summary_is_strict_json(tmp_path: Path) -> None:
    with new_writer(tmp_path / "run") as writer:
        writer.finish(
            summary={"t_evac_s": float("nan"), "flows": np.array([1.5, np.inf])},
            agents=agents_table(0),
        )
    text = (tmp_path / "run" / SUMMARY_FILE).read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["t_evac_s"] is None
    assert json.loads(text)["flows"] == [1.5, None]


# -- broken run directories -------------------------------------------------------------------


def finished_run(run: Path, n_frames: int = 60) -> Path:
    frames = random_frames(np.random.default_rng(12), n_frames, n_agents=300)
    with new_writer(run) as writer:
        write(writer, frames)
        writer.finish(summary={}, agents=agents_table(3))
    return run / TRAJECTORY_FILE


def set_sql(path: Path, sql: str) -> None:
    con = sqlite3.connect(path)
    try:
        with con:
            con.execute(sql)
    finally:
        con.close()


def break_missing_dir(run: Path) -> Path:
    return run / "nowhere"


def break_missing_db(run: Path) -> Path:
    finished_run(run).unlink()
    return run / TRAJECTORY_FILE


def break_text_file(run: Path) -> Path:
    path = finished_run(run)
    path.write_text("frame id x y\n0 1 0.5 0.5\n")
    return path


def break_empty_file(run: Path) -> Path:
    path = finished_run(run)
    path.write_bytes(b"")
    return path


def break_truncated(run: Path) -> Path:
    path = finished_run(run)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def break_truncated_mid_page(run: Path) -> Path:
    path = finished_run(run)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 1000])
    return path


def break_version_3(run: Path) -> Path:
    path = finished_run(run)
    set_sql(path, "UPDATE metadata SET value = '3' WHERE key = 'version'")
    return path


def break_format_version(run: Path) -> Path:
    path = finished_run(run)
    set_sql(path, "UPDATE run_info SET value = '2' WHERE key = 'format_version'")
    return path


def break_missing_table(run: Path) -> Path:
    path = finished_run(run)
    set_sql(path, "DROP TABLE frame_data")
    return path


def break_jupedsim_file(run: Path) -> Path:
    path = finished_run(run)
    set_sql(path, "DROP TABLE run_info")
    return path


def break_summary(run: Path) -> Path:
    finished_run(run)
    (run / SUMMARY_FILE).write_text('{"interrupted": fal')
    return run / SUMMARY_FILE


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (break_missing_dir, "does not exist"),
        (break_missing_db, "is missing"),
        (break_text_file, "not a SQLite database"),
        (break_empty_file, "is empty"),
        (break_truncated, "truncated"),
        (break_truncated_mid_page, "truncated"),
        (break_version_3, "version '3'"),
        (break_format_version, "format_version 2.*upgrade"),
        (break_missing_table, r"lacks the tables \['frame_data'\]"),
        (break_jupedsim_file, "JuPedSim trajectory file"),
        (break_summary, "cannot be read as JSON"),
    ],
)
def test_broken_run_directories_raise_output_format_error(
    tmp_path: Path, damage, match: str
) -> None:
    run = tmp_path / "run"
    culprit = damage(run)
    with pytest.raises(OutputFormatError, match=match) as info:
        RunReader(culprit if damage is break_missing_dir else run)
    assert str(culprit) in str(info.value)


def test_pages_zeroed_inside_the_file_raise_output_format_error(tmp_path: Path) -> None:
    run = tmp_path / "run"
    path = finished_run(run, n_frames=200)
    data = bytearray(path.read_bytes())
    start, stop = len(data) * 2 // 5, len(data) * 3 // 5
    data[start:stop] = bytes(stop - start)
    path.write_bytes(bytes(data))
    with pytest.raises(OutputFormatError, match="damaged") as info:
        with RunReader(run) as reader:
            reader.load_all()
            for _ in reader.iter_frames():
                pass
    assert str(path) in str(info.value)


def test_reader_rejects_frames_out_of_range(tmp_path: Path) -> None:
    finished_run(tmp_path / "run", n_frames=3)
    with RunReader(tmp_path / "run") as reader:
        with pytest.raises(IndexError, match=r"frames are 0…2"):
            reader.frame(3)
        with pytest.raises(IndexError):
            reader.frame(-1)
    with pytest.raises(ValueError, match="closed"):
        reader.load_all()


# -- property ---------------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)
frame_strategy = st.lists(
    st.tuples(st.integers(-(2**62), 2**62), finite, finite, finite, finite, st.floats()),
    max_size=12,
    unique_by=lambda row: row[0],
)


@settings(deadline=None)  # a database per example: slower than hypothesis' default deadline
@given(frames=st.lists(frame_strategy, min_size=1, max_size=5), background=st.booleans())
def test_random_frames_round_trip(frames: list[list[tuple]], background: bool) -> None:
    expected = []
    for rows in frames:
        table = np.array([r[1:] for r in rows], dtype=np.float64).reshape(len(rows), 5)
        expected.append(
            {
                "ids": np.array([r[0] for r in rows], dtype=np.int64),
                "pos": table[:, 0:2],
                "ori": table[:, 2:4],
                "state": {"x_any": table[:, 4]},  # any float, NaN and infinities included
            }
        )
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        with new_writer(
            run, state_columns=("x_any",), background=background, commit_every_frames=2
        ) as writer:
            write(writer, expected)
            writer.finish(summary={}, agents=agents_table(0))
        with RunReader(run) as reader:
            assert reader.n_frames == len(expected)
            for f, exp in enumerate(expected):
                assert_frame_equal(reader.frame(f), exp)
            all_frames, all_ids, all_pos = reader.load_all()
        assert all_ids.tolist() == [i for e in expected for i in sorted(e["ids"].tolist())]
        assert all_frames.tolist() == [f for f, e in enumerate(expected) for _ in e["ids"]]
        assert len(all_pos) == len(all_ids)


def test_frames_block_equals_frame_by_frame(tmp_path):
    """RunReader.frames reads a range at once and agrees with frame() row for row."""
    rng = np.random.default_rng(7)
    run = tmp_path / "block"
    with RunWriter(
        run, fps=10.0, bounds=(0, 0, 10, 10), geometry_wkt="POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))",
        run_info={}, state_columns=("speed",),
    ) as w:  # fmt: skip
        for f in range(6):
            ids = np.sort(rng.choice(50, size=20 + f, replace=False))
            pos = rng.uniform(0, 10, (ids.size, 2))
            w.write_frame(f, ids=ids, pos=pos, ori=np.tile([1.0, 0.0], (ids.size, 1)),
                          state={"speed": rng.uniform(0, 2, ids.size)})  # fmt: skip
        w.finish(summary={}, agents={c: [] for c in AGENTS_CSV_COLUMNS})
    with RunReader(run) as r:
        block = r.frames(start=1, stop=5)
        assert list(block.offsets) == [0, 21, 43, 66, 90]
        for f in range(1, 5):
            a, b = r.frame(f), block.frame(f)
            assert np.array_equal(a.ids, b.ids)
            assert np.array_equal(a.pos, b.pos)
            assert np.array_equal(a.state["speed"], b.state["speed"])
        with pytest.raises(IndexError):
            r.frames(start=4, stop=4)


def test_threat_tracks_round_trip(tmp_path):
    """write_threat_tracks and RunReader.threat_tracks agree, per threat, value for value."""
    from simcore.recording import write_threat_tracks

    run = tmp_path / "threats"
    with RunWriter(run, fps=10.0, bounds=(0, 0, 10, 10), geometry_wkt=SQUARE, run_info={}) as w:
        w.write_frame(0, ids=np.array([0]), pos=[[1.0, 1.0]], ori=[[1.0, 0.0]])
        w.finish(summary={}, agents={c: [] for c in AGENTS_CSV_COLUMNS})
    write_threat_tracks(
        run,
        [
            [0, 0.0, "a", "knife", 1.0, 2.0, 1.0, 0.0, 0, ""],
            [0, 0.0, "f", "hazard", 5.0, 5.0, 1.0, 0.0, 1, 2.5],
            [1, 0.1, "a", "knife", 1.5, 2.0, 1.0, 0.0, 1, ""],
        ],
    )
    with RunReader(run) as r:
        tracks = r.threat_tracks()
    assert set(tracks) == {"a", "f"}
    assert tracks["a"]["kind"] == "knife"
    assert list(tracks["a"]["x"]) == [1.0, 1.5]
    assert list(tracks["a"]["active"]) == [False, True]
    assert np.isnan(tracks["a"]["radius_m"]).all()
    assert list(tracks["f"]["radius_m"]) == [2.5]
