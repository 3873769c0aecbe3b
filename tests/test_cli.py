"""System tests of ``crowdsafe run``: outputs, exit statuses, Ctrl-C, determinism, PedPy."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from experiments.cli import main
from simcore import columns as col
from simcore.recording import RunReader

SMALL = """
schema_version = 1
name = "small room"
duration_s = 40.0
seed = 3
[geometry]
walkable = "POLYGON ((0 0, 8 0, 8 5, 0 5, 0 0))"
[[exits]]
id = "door"
area = "POLYGON ((8 2, 8.5 2, 8.5 3, 8 3, 8 2))"
[[populations]]
id = "people"
area = "POLYGON ((0.5 0.5, 7 0.5, 7 4.5, 0.5 4.5, 0.5 0.5))"
count = 30
"""


def _trajectory_digest(run_dir: Path) -> str:
    con = sqlite3.connect(run_dir / col.TRAJECTORY_FILE)
    rows = con.execute(
        "SELECT frame, id, pos_x, pos_y, ori_x, ori_y FROM trajectory_data ORDER BY frame, id"
    ).fetchall()
    con.close()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    return path


def test_run_writes_the_run_directory(small: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["run", str(small), "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / col.SUMMARY_FILE).read_text())
    for key in ("schema_version", "scenario", "seed", "agents_total", "agents_evacuated",
                "evacuation_time_s", "simulated_s", "wall_s", "exits", "casualties",
                "injured_crush"):  # fmt: skip
        assert key in summary
    assert summary["agents_total"] == 30
    assert summary["agents_evacuated"] == 30
    assert summary["exits"]["door"]["count"] == 30
    assert 5.0 < summary["evacuation_time_s"] < 40.0
    agents = RunReader(out).agents()
    assert list(agents[col.EXIT_COL]) == ["door"] * 30
    assert all(o == col.OUTCOME_EVACUATED for o in agents[col.OUTCOME_COL])
    table = capsys.readouterr().out
    assert "door" in table and "evacuated" in table


def test_pedpy_reads_the_trajectory(small: Path, tmp_path: Path) -> None:
    pedpy = pytest.importorskip("pedpy")
    out = tmp_path / "run"
    assert main(["run", str(small), "--out", str(out), "--quiet"]) == 0
    traj = pedpy.load_trajectory_from_jupedsim_sqlite(trajectory_file=out / col.TRAJECTORY_FILE)
    area = pedpy.load_walkable_area_from_jupedsim_sqlite(trajectory_file=out / col.TRAJECTORY_FILE)
    assert traj.frame_rate == pytest.approx(10.0)
    assert traj.data["id"].nunique() == 30
    # every recorded point lies in the walkable area (agents stop being written once out)
    assert pedpy.is_trajectory_valid(traj_data=traj, walkable_area=area)


def test_same_seed_same_trajectory(small: Path, tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out, seed in ((a, 5), (b, 5), (c, 6)):
        assert main(["run", str(small), "--out", str(out), "--seed", str(seed), "--quiet"]) == 0
    assert _trajectory_digest(a) == _trajectory_digest(b)
    assert _trajectory_digest(a) != _trajectory_digest(c)
    assert (a / col.AGENTS_FILE).read_bytes() == (b / col.AGENTS_FILE).read_bytes()


def test_invalid_scenario_exits_2_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.replace("count = 30", "count = -3"))
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.cli", "run", str(bad), "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "bad.toml" in proc.stderr and "populations[0].count" in proc.stderr
    assert not (tmp_path / "x" / col.TRAJECTORY_FILE).exists()


def test_refuses_to_overwrite_a_run(small: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["run", str(small), "--out", str(out), "--quiet"]) == 0
    assert main(["run", str(small), "--out", str(out), "--quiet"]) == 2
    assert "overwrite" in capsys.readouterr().err
    assert main(["run", str(small), "--out", str(out), "--quiet", "--overwrite"]) == 0


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery differs on Windows")
def test_ctrl_c_leaves_a_readable_run_directory(tmp_path: Path) -> None:
    long = tmp_path / "long.toml"
    long.write_text(
        SMALL.replace("duration_s = 40.0", "duration_s = 3000.0")
        .replace("count = 30", "count = 60")
        .replace('area = "POLYGON ((8 2', 'open = false\narea = "POLYGON ((8 2')
        + '\n[[events]]\ntime_s = 2900.0\naction = "open_exit"\ntarget = "door"\n'
    )
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "experiments.cli", "run", str(long), "--out", str(out), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if (out / col.TRAJECTORY_FILE).exists():
            try:
                if RunReader(out).n_frames > 30:
                    break
            except Exception:
                pass
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    reader = RunReader(out)
    assert reader.n_frames > 30
    assert reader.summary is not None and reader.summary[col.INTERRUPTED_KEY] is True
    frame = reader.frame(reader.n_frames - 1)
    assert len(frame) == 60
