"""Sweeps: rows, seeds, executors (here, process pool, Dask), failures, resuming, bad files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import experiments
from experiments.cli import main
from experiments.compare import compare_sides, side_from_sweep
from experiments.sweep import (
    RESULTS_FILE,
    executor_for,
    load_spec,
    plan_from_spec,
    read_rows,
    run_sweep,
)
from simcore.errors import ScenarioError

REPO = Path(experiments.__file__).resolve().parents[1]

ROOM = """
schema_version = 1
name = "Sweep room"
duration_s = 30.0
record_fps = 5
seed = 1

[geometry]
walkable = "POLYGON ((0 0, 5 0, 5 4, 0 4, 0 0))"

[[exits]]
id = "east"
area = "POLYGON ((5 1.5, 6 1.5, 6 2.5, 5 2.5, 5 1.5))"

[[populations]]
id = "people"
area = "POLYGON ((0.5 0.5, 3.5 0.5, 3.5 3.5, 0.5 3.5, 0.5 0.5))"
count = 16
radius_m = { distribution = "uniform", min = 0.2, max = 0.23 }
"""

WIDTHS = """
schema_version = 1
name = "door widths"
scenario = "room.toml"
replicates = 3
seed = 2024

[parameters]
exits.east.width_m = [0.8, 1.6]
"""

NOT_TIMED = ("wall_s",)


def _plan(folder: Path, text: str = WIDTHS):
    path = folder / "sweep.toml"
    path.write_text(text)
    return plan_from_spec(load_spec(path), source=path)


def _same(rows_a, rows_b) -> None:
    strip = [{k: v for k, v in r.items() if k not in NOT_TIMED} for r in rows_a]
    other = [{k: v for k, v in r.items() if k not in NOT_TIMED} for r in rows_b]
    assert strip == other


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("sweep")
    (d / "room.toml").write_text(ROOM)
    return d


@pytest.fixture(scope="module")
def widths(folder: Path):
    """The 2 widths × 3 seeds sweep, run here (one run after the other)."""
    return run_sweep(_plan(folder), out_dir=folder / "out")


def test_six_rows_distinct_seeds_monotone_flow(widths) -> None:
    rows = widths.rows
    assert len(rows) == 6 and widths.executed == 6 and widths.skipped == 0
    assert all(r["status"] == "ok" and r["error"] == "" for r in rows)
    assert len({r["seed"] for r in rows}) == 6
    assert [r["seed_key"] for r in rows[:2]] == ["2024/0/0/0", "2024/0/0/1"]
    narrow = [r["exit.east.flow_pps"] for r in rows if r["exits.east.width_m"] == 0.8]
    wide = [r["exit.east.flow_pps"] for r in rows if r["exits.east.width_m"] == 1.6]
    assert len(narrow) == len(wide) == 3
    assert max(narrow) < min(wide)  # flow grows with the door, whatever the seed
    assert {r["exit.east.width_m"] for r in rows} == {0.8, 1.6}  # measured on the geometry


def test_table_on_disk(widths, folder: Path) -> None:
    table = pq.read_table(folder / "out" / RESULTS_FILE)
    assert table.num_rows == 6
    assert table.column_names[:10] == [
        "run_id", "label", "point", "replicate", "seed", "seed_key", "status", "error",
        "run_dir", "exits.east.width_m",
    ]  # fmt: skip
    assert table.column_names[-1] == "wall_s"
    _same(read_rows(folder / "out"), widths.rows)
    for r in widths.rows:
        run_dir = folder / "out" / r["run_dir"]
        assert (run_dir / "trajectory.sqlite").exists() and (run_dir / "maps.npz").exists()
        assert json.loads((run_dir / "row.json").read_text())["seed"] == r["seed"]


def test_running_again_does_nothing(widths, folder: Path) -> None:
    again = run_sweep(_plan(folder), out_dir=folder / "out")
    assert again.executed == 0 and again.skipped == 6
    assert again.rows == widths.rows


def test_another_sweep_in_the_same_directory_is_refused(widths, folder: Path) -> None:
    with pytest.raises(ScenarioError, match="holds another sweep"):
        run_sweep(_plan(folder, WIDTHS.replace("seed = 2024", "seed = 5")), out_dir=folder / "out")


def test_a_changed_scenario_is_not_mixed_with_old_runs(widths, folder: Path) -> None:
    changed = _plan(folder, WIDTHS + "\n[set]\nduration_s = 20.0\n")
    with pytest.raises(ScenarioError, match=r"the scenario of point p0000 .* has changed"):
        run_sweep(changed, out_dir=folder / "out")


def test_dask_local_cluster_gives_identical_rows(widths, folder: Path) -> None:
    pytest.importorskip("distributed")
    with executor_for(dask="local", workers=2) as (executor, where):
        assert "LocalCluster, 2 workers" in where
        result = run_sweep(_plan(folder), out_dir=folder / "dask", executor=executor)
    assert result.executed == 6
    _same(result.rows, widths.rows)


def test_killed_sweep_resumes_with_only_the_missing_runs(widths, folder: Path) -> None:
    """Kill a 2-process sweep (and its workers) mid-way; run it again: nothing is lost."""
    out = folder / "killed"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "experiments.cli", "sweep", str(folder / "sweep.toml"),
         "--out", str(out), "--workers", "2", "--quiet"],
        env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    rows = lambda: sorted((out / "runs").glob("*/row.json"))  # noqa: E731
    deadline = time.monotonic() + 300
    try:
        while not rows() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    before = {p.parent.name: p.read_text() for p in rows()}
    assert 1 <= len(before) < 6, proc.stderr.read().decode()[-2000:]
    resumed = run_sweep(_plan(folder), out_dir=out)
    assert resumed.skipped == len(before) and resumed.executed == 6 - len(before)
    assert len(resumed.rows) == 6 and len(read_rows(out)) == 6
    for run_id, text in before.items():  # finished runs were kept, not redone
        assert (out / "runs" / run_id / "row.json").read_text() == text
    # worker processes (one numba thread each) computed the same rows as this process
    _same(resumed.rows, widths.rows)


def test_failed_runs_are_recorded_and_the_others_finish(folder: Path, monkeypatch) -> None:
    text = WIDTHS.replace("replicates = 3", "replicates = 1").replace("[0.8, 1.6]", "[0.1, 1.2]")
    plan = _plan(folder, text)
    result = run_sweep(plan, out_dir=folder / "failing")
    bad, good = result.rows
    assert bad["status"] == "failed" and bad["error"].startswith("GeometryError: ")
    assert "point p0000: exits.east.width_m = 0.1" in bad["error"]
    assert "widen the exit" in bad["error"]
    assert good["status"] == "ok" and good["evacuated"] == 16
    assert result.failed == 1 and len(read_rows(folder / "failing")) == 2
    # a run that raises inside the simulation
    import experiments.runner

    real = experiments.runner.run_scenario

    def flaky(scenario, *, out_dir, seed, **kw):  # same signature as run_scenario
        if seed == good["seed"]:
            raise RuntimeError("solver blew up")
        return real(scenario, out_dir=out_dir, seed=seed, **kw)

    monkeypatch.setattr(experiments.runner, "run_scenario", flaky)
    again = run_sweep(plan, out_dir=folder / "failing2")
    assert [r["status"] for r in again.rows] == ["failed", "failed"]
    assert again.rows[1]["error"].startswith("RuntimeError: solver blew up")
    # failed runs count as done; --retry-failed runs them again
    assert run_sweep(plan, out_dir=folder / "failing2").executed == 0
    monkeypatch.setattr(experiments.runner, "run_scenario", real)
    retried = run_sweep(plan, out_dir=folder / "failing2", retry_failed=True)
    assert retried.executed == 2 and [r["status"] for r in retried.rows] == ["failed", "ok"]


def test_compare_finds_the_narrow_door_worse(widths, folder: Path) -> None:
    out = folder / "out"
    a = side_from_sweep(f"{out}::exits.east.width_m=0.8", label="A")
    b = side_from_sweep(f"{out}::exits.east.width_m=1.6", label="B")
    comp = compare_sides(a, b)
    t95 = comp.metric("t95_s").diff
    assert t95.significant and t95.diff < 0
    assert comp.verdict[0].startswith("B clears the venue") and "sooner" in comp.verdict[0]
    assert comp.metric("exit.east.flow_pps").diff.significant


def test_selector_errors(widths, folder: Path) -> None:
    out = folder / "out"
    with pytest.raises(ScenarioError, match="holds 2 parameter points"):
        side_from_sweep(str(out), label="A")
    with pytest.raises(ScenarioError, match=r"no parameter 'width'; its parameters: exits\.east"):
        side_from_sweep(f"{out}::width=0.8", label="A")


BAD_FILES = [
    ("replicate = 3", "unknown key 'replicate'; did you mean 'replicates'?"),
    ('sampling = "lhs"', 'sampling = "lhs" needs samples = N'),
    ("[parameters]\nduration_s = 20", "a parameter needs a list of values"),
    ("[parameters]\nduration_s = { min = 10, max = 20 }", "range without steps; add steps = N"),
    ("[parameters]\nduration_s = { min = 30, max = 20, steps = 2 }", "min ≤ max"),
    ("[parameters]\nvariant = ['a']", "variant 'a' is not defined"),
    ("[variants.a]\n", "variants a are defined but not used"),
    ("replicates = 0", "replicates: must be greater than or equal to 1"),
    ("replicates = [", "malformed TOML"),
]


@pytest.mark.parametrize(("extra", "message"), BAD_FILES)
def test_invalid_sweep_files_get_clear_errors(folder: Path, extra: str, message: str) -> None:
    base = 'schema_version = 1\nscenario = "room.toml"\n'
    if extra.startswith("replicate"):
        text = base + extra + "\n"
    else:
        text = base + extra + "\n"
    path = folder / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_spec(path)
    assert message in str(err.value)
    assert err.value.file == str(path)


def test_bad_paths_and_values_name_the_point(folder: Path) -> None:
    text = WIDTHS.replace("exits.east.width_m = [0.8, 1.6]", '"exits.west.width_m" = [1.0]')
    with pytest.raises(ScenarioError, match="no item with id 'west'; ids here: east"):
        _plan(folder, text)
    text = WIDTHS.replace("exits.east.width_m = [0.8, 1.6]", "dt_s = [0.01, 0.5]")
    with pytest.raises(ScenarioError) as err:
        _plan(folder, text)
    assert "point p0001: dt_s = 0.5" in str(err.value) and "≤ 0.1" in str(err.value)
    with pytest.raises(ScenarioError, match="file not found"):
        _plan(folder, WIDTHS.replace("room.toml", "nowhere.toml"))


def test_cli_reports_a_bad_sweep_file_without_traceback(folder: Path, capsys) -> None:
    path = folder / "bad_cli.toml"
    path.write_text('schema_version = 1\nscenario = "room.toml"\nreplicate = 3\n')
    assert main(["sweep", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "did you mean 'replicates'?" in err
    assert "Traceback" not in err


def test_grid_and_lhs_points(folder: Path) -> None:
    text = WIDTHS + "populations.people.count = { min = 4, max = 12, steps = 3, integer = true }\n"
    plan = _plan(folder, text)
    assert [p.params for p in plan.points][:3] == [
        {"exits.east.width_m": 0.8, "populations.people.count": 4},
        {"exits.east.width_m": 0.8, "populations.people.count": 8},
        {"exits.east.width_m": 0.8, "populations.people.count": 12},
    ]
    lhs = WIDTHS.replace("replicates = 3", 'replicates = 1\nsampling = "lhs"\nsamples = 5').replace(
        "[0.8, 1.6]", "{ min = 0.8, max = 1.8 }"
    )
    plan = _plan(folder, lhs)
    widths = sorted(p.params["exits.east.width_m"] for p in plan.points)
    # one value in each fifth of the range: a Latin hypercube
    assert [int((w - 0.8) / 0.2) for w in widths] == [0, 1, 2, 3, 4]
    assert (
        plan_from_spec(load_spec(folder / "sweep.toml"), source=folder / "sweep.toml")
        .points[0]
        .params
        == plan.points[0].params
    )  # the sample is reproducible
