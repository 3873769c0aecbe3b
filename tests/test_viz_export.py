"""Headless export (MP4, PNG frames, snapshot) and the `crowdsafe replay` command's errors."""

from __future__ import annotations

import json
import sqlite3

import imageio_ffmpeg
import numpy as np
import pytest
from test_viz_support import N_FRAMES, write_run

from experiments.cli import main
from viz import ReplayError, export, frame_times, snapshot
from viz._pygame import pygame


@pytest.fixture(autouse=True)
def headless(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    yield
    pygame.quit()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return write_run(tmp_path_factory.mktemp("viz") / "run")


def test_frame_times_follow_recorded_time_not_the_clock():
    assert frame_times(1.0, speed=1.0, fps=30.0).size == 31
    assert frame_times(1.0, speed=2.0, fps=30.0).size == 16
    t = frame_times(10.0, speed=4.0, fps=10.0, start_s=2.0, end_s=6.0)
    assert t == pytest.approx(np.arange(2.0, 6.0 + 1e-9, 0.4))
    with pytest.raises(ReplayError, match="before start"):
        frame_times(10.0, speed=1.0, fps=10.0, start_s=5.0, end_s=4.0)
    with pytest.raises(ReplayError, match="outside"):
        frame_times(10.0, speed=1.0, fps=10.0, start_s=11.0)


def test_mp4_has_the_expected_frame_count_and_size(run_dir, tmp_path):
    out = tmp_path / "replay.mp4"
    n = export([run_dir], out, size=(160, 96), speed=0.5, fps=10.0)
    assert n == 21  # 1 s of recording at 0.5× is 2 s of video at 10 fps, both ends included
    reader = imageio_ffmpeg.read_frames(str(out))
    meta = next(reader)
    assert tuple(meta["size"]) == (160, 96)
    frames = list(reader)
    assert len(frames) == n
    assert len(frames[0]) == 160 * 96 * 3
    assert not (tmp_path / "replay.partial.mp4").exists()


def test_mp4_refuses_odd_sizes_and_existing_files(run_dir, tmp_path):
    with pytest.raises(ReplayError, match="even width and height"):
        export([run_dir], tmp_path / "odd.mp4", size=(161, 96))
    out = tmp_path / "x.mp4"
    out.write_bytes(b"")
    with pytest.raises(ReplayError, match="--overwrite"):
        export([run_dir], out, size=(160, 96))


def test_png_frames(run_dir, tmp_path):
    out = tmp_path / "frames"
    n = export([run_dir, run_dir], out, size=(200, 120), speed=1.0, fps=10.0)
    files = sorted(out.glob("frame_*.png"))
    assert n == len(files) == N_FRAMES
    assert pygame.image.load(str(files[0])).get_size() == (200, 120)
    with pytest.raises(ReplayError, match="--overwrite"):
        export([run_dir], out, size=(200, 120), fps=10.0)
    assert export([run_dir], out, size=(200, 120), fps=5.0, overwrite=True) == 6
    assert len(list(out.glob("frame_*.png"))) == 6


def test_snapshot(run_dir, tmp_path):
    out = snapshot([run_dir], tmp_path / "pic.png", t_s=0.5, size=(300, 200))
    assert pygame.image.load(str(out)).get_size() == (300, 200)
    with pytest.raises(ReplayError, match="outside the replay"):
        snapshot([run_dir], tmp_path / "late.png", t_s=60.0)
    with pytest.raises(ReplayError, match=r"\.png"):
        snapshot([run_dir], tmp_path / "pic.jpg", t_s=0.5)


# -- the command line -------------------------------------------------------------------------


def test_cli_snapshot_and_export(run_dir, tmp_path, capsys):
    pic = tmp_path / "a.png"
    assert main(["replay", str(run_dir), "--snapshot", "t=0.5", str(pic), "--size", "320x200"]) == 0
    assert pygame.image.load(str(pic)).get_size() == (320, 200)
    video = tmp_path / "a.mp4"
    args = ["replay", str(run_dir), str(run_dir), "--export", str(video), "--size", "128x72"]
    assert main([*args, "--fps", "5", "--colour", "population", "--heatmap", "above4"]) == 0
    assert imageio_ffmpeg.count_frames_and_secs(str(video))[0] == N_FRAMES // 2 + 1
    assert "exported 6 frames" in capsys.readouterr().out


def _error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_cli_missing_run_directory(tmp_path, capsys):
    err = _error(capsys, ["replay", str(tmp_path / "nowhere")])
    assert "does not exist" in err


def test_cli_truncated_trajectory(run_dir, tmp_path, capsys):
    broken = write_run(tmp_path / "broken")
    db = broken / "trajectory.sqlite"
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2 + 100])
    err = _error(capsys, ["replay", str(broken), "--snapshot", "0", str(tmp_path / "x.png")])
    assert "truncated" in err


def test_cli_unknown_format_version(tmp_path, capsys):
    newer = write_run(tmp_path / "newer")
    with sqlite3.connect(newer / "trajectory.sqlite") as con:
        con.execute("UPDATE run_info SET value = ? WHERE key = 'format_version'", (json.dumps(99),))
    err = _error(capsys, ["replay", str(newer), "--export", str(tmp_path / "x.mp4")])
    assert "format_version 99" in err and "upgrade" in err


def test_cli_not_a_run_directory(tmp_path, capsys):
    (tmp_path / "trajectory.sqlite").write_text("hello")
    err = _error(capsys, ["replay", str(tmp_path)])
    assert "not a SQLite database" in err


def test_cli_bad_requests(run_dir, tmp_path, capsys):
    no_fear = write_run(tmp_path / "nofear", state_columns=("speed",))
    err = _error(capsys, ["replay", str(no_fear), "--colour", "fear", "--snapshot", "0", "x.png"])
    assert "fear is not recorded" in err
    err = _error(capsys, ["replay", str(run_dir), "--diff", "--snapshot", "0", "x.png"])
    assert "two runs" in err
    err = _error(capsys, ["replay", str(run_dir), "--snapshot", "t=99", str(tmp_path / "x.png")])
    assert "outside the replay" in err
    with pytest.raises(SystemExit) as exc:
        main(["replay", str(run_dir), "--size", "big"])
    assert exc.value.code == 2


def test_run_without_agents_csv_still_replays(tmp_path):
    lost = write_run(tmp_path / "lost", agents_csv=False)
    out = snapshot([lost], tmp_path / "lost.png", t_s=0.3, size=(200, 120))
    assert out.exists()
