"""Frames as the replay reads them: in blocks, within a row budget, ahead of the playhead.

The oracle is :meth:`RunReader.frame`, one frame per query, which the block reads must reproduce
whatever the order of access, the evictions and the races with the read-ahead thread.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simcore.columns as col
from simcore.recording import RunReader, RunWriter
from viz.run import _FIRST_BLOCK, ReplayRun, _FrameStore

N_FRAMES = 40
FPS = 10.0


def write_leaving_crowd(run_dir, *, n_frames: int = N_FRAMES, seed: int = 3):
    """A run whose crowd shrinks from 40 agents (one leaves every frame or so), ids not 0…n."""
    rng = np.random.default_rng(seed)
    ids = np.sort(rng.choice(1000, size=40, replace=False))
    leave = rng.integers(5, n_frames + 10, size=ids.size)
    with RunWriter(
        run_dir, fps=FPS, bounds=(0, 0, 20, 10), geometry_wkt="POLYGON ((0 0, 20 0, 20 10, 0 10, 0 0))",
        run_info={"scenario": "leaving crowd"}, state_columns=(col.STATE_SPEED, col.STATE_HARMED),
        overwrite=True, background=False,
    ) as w:  # fmt: skip
        for f in range(n_frames):
            here = ids[leave > f]
            w.write_frame(
                f,
                ids=here,
                pos=rng.uniform([0, 0], [20, 10], (here.size, 2)),
                ori=np.tile([1.0, 0.0], (here.size, 1)),
                state={col.STATE_SPEED: rng.uniform(0, 2, here.size),
                       col.STATE_HARMED: (rng.uniform(size=here.size) < 0.1).astype(float)},
            )  # fmt: skip
        w.finish(summary={}, agents={c: [] for c in col.AGENTS_CSV_COLUMNS})
    return run_dir


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return write_leaving_crowd(tmp_path_factory.mktemp("viz-frames") / "run")


@pytest.fixture(scope="module")
def oracle(run_dir):
    with RunReader(run_dir) as r:
        return [r.frame(i) for i in range(r.n_frames)]


def same(a, b) -> None:
    assert a.frame == b.frame
    assert np.array_equal(a.ids, b.ids)
    assert np.array_equal(a.pos, b.pos)
    assert np.array_equal(a.ori, b.ori)
    assert a.state.keys() == b.state.keys()
    for name in a.state:
        assert np.array_equal(a.state[name], b.state[name])


def check_books(store: _FrameStore) -> None:
    """Every frame held is served by a block held; rows counted are the blocks' rows."""
    assert set(store._owner) == set(store._views)
    assert set(store._owner.values()) == set(store._blocks)
    for key, block in store._blocks.items():
        served = [f for f, k in store._owner.items() if k == key]
        assert store._serves[key] == len(served) > 0
        assert all(block.start <= f < block.start + len(block.offsets) - 1 for f in served)
    assert store.rows == sum(int(b.ids.size) for b in store._blocks.values())


class CountingReader:
    """A reader that records the frame ranges it is asked for."""

    def __init__(self, reader: RunReader):
        self.reader = reader
        self.reads: list[tuple[int, int]] = []

    def frames(self, *, start: int, stop: int):
        block = self.reader.frames(start=start, stop=stop)
        self.reads.append((start, block.start + len(block.offsets) - 1))
        return block


def test_a_frame_is_read_with_the_next_and_playback_reads_whole_blocks(run_dir, oracle):
    with RunReader(run_dir) as r:
        reader = CountingReader(r)
        store = _FrameStore(reader, rows_per_frame=40)  # type: ignore[arg-type]
        same(store.get(7), oracle[7])
        assert reader.reads == [(7, 9)]  # a jump: the frame and the next, for interpolation
        same(store.get(8), oracle[8])
        assert len(reader.reads) == 1
        block = store.block_frames()
        assert block == 50  # few rows per frame: the longest blocks
        for i in range(9, N_FRAMES):  # playing on past what was read
            same(store.get(i), oracle[i])
        assert reader.reads == [(7, 9), (9, N_FRAMES)]
        for i in range(7):  # frames held are not read again; the gap before them is read once
            same(store.get(i), oracle[i])
        assert reader.reads[2:] == [(0, 2), (2, 7)]
        check_books(store)


def test_block_size_follows_the_crowd_size(run_dir):
    with RunReader(run_dir) as r:
        store = _FrameStore(r, rows_per_frame=50_000)
        assert (store.block_frames(), store.budget_frames()) == (2, 40)
        store = _FrameStore(r, rows_per_frame=10_000)
        assert (store.block_frames(), store.budget_frames()) == (10, 200)
        store = _FrameStore(r, rows_per_frame=1_000_000)
        assert (store.block_frames(), store.budget_frames()) == (1, 2)
        store.get(0)  # the rows read replace the guess
        assert store.rows_per_frame < 50 and store.block_frames() == 50


@settings(max_examples=40, deadline=None)
@given(
    frames=st.lists(st.integers(0, N_FRAMES - 1), min_size=1, max_size=60),
    max_rows=st.integers(1, 800),
)
def test_any_access_order_within_any_budget_gives_the_recorded_frames(
    run_dir, oracle, frames, max_rows
):
    with RunReader(run_dir) as r:
        store = _FrameStore(r, max_rows=max_rows)
        for i in frames:
            same(store.get(i), oracle[i])
            check_books(store)
            # the budget holds, except that the block just read is always kept
            assert store.rows <= max_rows or len(store._blocks) == 1


def test_overlapping_blocks_are_accounted_once(run_dir, oracle):
    """The read-ahead and a synchronous read can read the same frames: the newer copy serves."""
    with RunReader(run_dir) as r:
        store = _FrameStore(r)
        store.put(r.frames(start=0, stop=4))
        store.put(r.frames(start=2, stop=6))
        check_books(store)
        assert len(store._blocks) == 2
        store.put(r.frames(start=0, stop=2))  # the first block serves nothing any more
        check_books(store)
        assert len(store._blocks) == 2
        for i in range(6):
            same(store.get(i), oracle[i])


def test_read_ahead_reads_growing_blocks_in_the_background(run_dir, oracle, monkeypatch):
    reads: list[tuple[int, int]] = []
    frames = RunReader.frames

    def counting(self, *, start, stop):
        block = frames(self, start=start, stop=stop)
        reads.append((start, block.start + len(block.offsets) - 1))
        return block

    monkeypatch.setattr(RunReader, "frames", counting)

    def wait_for(frames: range) -> None:
        deadline = time.monotonic() + 10.0
        while not all(run.ready(i / FPS) for i in frames):
            assert time.monotonic() < deadline, f"read-ahead stalled after {reads}"
            time.sleep(0.005)

    run = ReplayRun(run_dir, read_ahead=True)
    try:
        run.read_ahead(0.0)  # 2 s at 1×, at least 24 frames: frames 0…24
        wait_for(range(25))
        # after a jump a short first block, then doubling, each where the last ended, the last
        # one past the window (whole blocks, not a frame at a time at the window's end)
        assert reads == [(0, 2), (2, 6), (6, 14), (14, 30)]
        assert _FIRST_BLOCK == 2
        time.sleep(0.05)
        assert len(reads) == 4  # nothing beyond what was asked for
        run.read_ahead(2.0)  # playback went on: reading goes on where it stopped
        wait_for(range(N_FRAMES))
        assert reads[4:] == [(30, N_FRAMES)]
        for i in range(N_FRAMES):
            same(run.frame(i), oracle[i])
    finally:
        run.close()


def test_time_above_of_a_large_run_reads_block_by_block(run_dir, oracle, monkeypatch):
    """Above the load-all size the overlay's pass over the trajectory goes block by block."""
    import viz.run

    monkeypatch.setattr(viz.run, "_LOAD_ALL_ROWS", 0)
    with ReplayRun(run_dir) as run:
        passed = list(run._positions_by_frame())
    assert [f for f, _ in passed] == list(range(N_FRAMES))
    for (_, pos), expected in zip(passed, oracle, strict=True):
        assert np.array_equal(pos, expected.pos)
