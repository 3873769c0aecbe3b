"""Metrics: each quantity on synthetic input with a known answer, then on real small runs."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest
import shapely
from scipy import stats as sps

import scenarios
from experiments.metrics import (
    Grid,
    analyse,
    clearance_time,
    door_width,
    fruin_level,
    load_maps,
)
from experiments.metrics.density import DensityAccumulator
from experiments.metrics.frames import Frame
from experiments.metrics.pressure import PressureAccumulator
from experiments.metrics.thresholds import ThresholdAccumulator
from experiments.runner import run_scenario
from experiments.stats import compare_samples, mean_ci, mean_ci_curve

# --------------------------------------------------------------------------------------------------
# Synthetic


def _frame(i: int, pos, vel=None, fps: float = 5.0) -> Frame:
    pos = np.asarray(pos, dtype=np.float64).reshape(-1, 2)
    vel = np.zeros_like(pos) if vel is None else np.asarray(vel, dtype=np.float64).reshape(-1, 2)
    return Frame(i, i / fps, 1 / fps, np.arange(len(pos)), pos, vel,
                 np.hypot(vel[:, 0], vel[:, 1]), None)  # fmt: skip


def test_clearance_times() -> None:
    t = np.array([5.0, 1.0, 3.0, np.nan, 2.0])
    assert clearance_time(t, n_agents=4, percent=50) == 2.0
    assert clearance_time(t, n_agents=4, percent=100) == 5.0
    assert clearance_time(t, n_agents=5, percent=100) is None  # one agent never left
    assert clearance_time(t, n_agents=20, percent=95) is None
    assert clearance_time(np.array([]), n_agents=0, percent=95) == 0.0


def test_door_width_strip_outside_and_inside() -> None:
    room = shapely.box(0, 0, 8, 6)
    outside = shapely.box(8, 2.5, 9, 3.7)
    inside = shapely.box(7.5, 2.5, 8, 3.7)
    assert door_width(outside, room) == pytest.approx(1.2)
    assert door_width(outside, shapely.union_all([room, outside])) == pytest.approx(1.2)
    assert door_width(inside, room) == pytest.approx(1.2)
    assert door_width(shapely.box(20, 20, 21, 21), room) == 0.0


def test_fruin_levels_at_the_boundaries() -> None:
    d = np.array([0.0, 0.31, 0.32, 0.43, 0.72, 1.08, 2.15, 2.16, 9.0])
    assert [("ABCDEF")[k] for k in fruin_level(d)] == list("AABBCDEFF")


def test_grid_alignment_union_embed() -> None:
    g = Grid.covering((0.3, -1.0, 8.2, 6.0), cell_m=1.0)
    assert (g.x0, g.y0, g.nx, g.ny) == (0.0, -1.0, 9, 7)
    h = Grid.covering((-2.5, 0.0, 4.0, 4.0), cell_m=1.0)
    u = g.union(h)
    assert (u.x0, u.y0, u.nx, u.ny) == (-3.0, -1.0, 12, 7)
    v = g.embed(np.ones(g.shape), u, fill=0.0)
    assert v.sum() == g.nx * g.ny and v[:3].sum() == 0
    c = g.counts(np.array([[0.5, 0.5], [0.9, 0.1], [8.9, 5.9], [20.0, 0.0]]))
    assert c[0, 1] == 2 and c[8, 6] == 1 and c.sum() == 3


def test_density_window_and_thresholds() -> None:
    g = Grid(0.0, 0.0, 1.0, 2, 1)
    th = ThresholdAccumulator(g, (2.0, 4.0))
    acc = DensityAccumulator(g, fps=5.0, window_s=1.0, listeners=(th,))
    five = [[0.5, 0.5]] * 5
    for i in range(5):  # 1 s with 5 people in cell 0
        acc.add(_frame(i, five))
    for i in range(5, 10):  # 1 s with 5 people for 2 frames, none for 3: average 2/m²
        acc.add(_frame(i, five if i < 7 else np.zeros((0, 2))))
    acc.finish()
    d = acc.result
    assert d.peak[0, 0] == pytest.approx(5.0) and d.peak[1, 0] == 0.0
    assert d.mean[0, 0] == pytest.approx(3.5)
    assert list(d.max_series) == pytest.approx([5.0, 2.0])
    assert th.result[4.0].time_s == pytest.approx(1.0)
    assert th.result[2.0].time_s == pytest.approx(1.0)  # 2.0 is not above 2
    assert th.result[4.0].max_area_m2 == 1.0 and th.result[4.0].seconds[0, 0] == 1.0


def test_pressure_is_zero_for_steady_motion_and_grows_with_fluctuations() -> None:
    g = Grid(0.0, 0.0, 1.0, 6, 6)
    rng = np.random.default_rng(0)
    pos = rng.uniform(2.0, 4.0, (12, 2))

    def run(jitter: float, accelerate: bool = False) -> float:
        acc = PressureAccumulator(g, fps=10.0, window_s=2.0)
        for i in range(20):
            v = np.tile([1.0 + (0.05 * i if accelerate else 0.0), 0.0], (12, 1))
            v += jitter * rng.standard_normal((12, 2))
            acc.add(_frame(i, pos, v, fps=10.0))
        acc.finish()
        return acc.result.max_per_s2

    assert run(0.0) == pytest.approx(0.0, abs=1e-12)
    assert run(0.0, accelerate=True) == pytest.approx(0.0, abs=1e-9)  # a trend is not turbulence
    assert run(0.3) > 10 * run(0.03) > 0.0


def test_stats_against_scipy() -> None:
    a = [10.0, 12.0, 11.0, 13.0, None]
    e = mean_ci(a)
    ci = sps.t.interval(0.95, 3, loc=11.5, scale=sps.sem([10, 12, 11, 13]))
    assert (e.mean, e.low, e.high, e.n, e.missing) == pytest.approx((11.5, *ci, 4, 1))
    b = [14.0, 15.0, 16.5, 15.5]
    d = compare_samples(a, b)
    ref = sps.ttest_ind(b, [10, 12, 11, 13], equal_var=False)
    assert d.test == "welch" and d.p_value == pytest.approx(ref.pvalue) and d.significant
    assert d.diff == pytest.approx(15.25 - 11.5)
    same = compare_samples([0.0, 0.0, 0.0], [0.0, 0.0, 0.0])
    assert same.test == "exact" and same.p_value == 1.0 and not same.significant
    shift = compare_samples([1.0, 1.0], [3.0, 3.0])
    assert shift.p_value == 0.0 and shift.diff == 2.0
    paired = compare_samples([1.0, 2.0, 3.0, 4.0], [1.5, 2.4, 3.6, 4.5], paired=True)
    assert paired.test == "paired" and paired.significant
    m, lo, hi = mean_ci_curve(np.array([[0.0, 1.0], [0.0, 3.0]]))
    assert list(m) == [0.0, 2.0] and lo[0] == hi[0] == 0.0 and lo[1] < 2.0 < hi[1]


# --------------------------------------------------------------------------------------------------
# Real runs

ROOM = """
schema_version = 1
name = "Metrics room"
duration_s = 25.0
record_fps = 5
seed = 2
[geometry]
walkable = "POLYGON ((0 0, 5 0, 5 4, 0 4, 0 0))"
[[exits]]
id = "east"
area = "POLYGON ((5 1.5, 6 1.5, 6 2.5, 5 2.5, 5 1.5))"
[[populations]]
id = "people"
area = "POLYGON ((0.5 0.5, 3.5 0.5, 3.5 3.5, 0.5 3.5, 0.5 0.5))"
count = 14
radius_m = 0.2
"""

KNIFE = """
[[threats]]
id = "attacker"
kind = "knife"
start_s = 1.0
path = [[1.0, 2.0]]
pursue = true
speed_mps = 2.5
hit_probability = 0.9
attack_rate_per_s = 2.0
"""


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("metrics") / "plain"
    run_scenario(scenarios.loads(ROOM, fmt="toml"), out_dir=out, seed=3)
    return out


@pytest.fixture(scope="module")
def threat_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("metrics") / "knife"
    text = ROOM.replace("duration_s = 25.0", "duration_s = 8.0") + textwrap.dedent(KNIFE)
    run_scenario(scenarios.loads(text, fmt="toml"), out_dir=out, seed=3)
    return out


def test_headline_of_a_plain_run(plain_run) -> None:
    m = analyse(plain_run)
    h = m.headline()
    assert h["agents"] == 14 and h["evacuated"] == 14 and h["evacuated_fraction"] == 1.0
    assert 0 < h["t50_s"] <= h["t95_s"] <= h["t100_s"] == pytest.approx(h["simulated_s"])
    assert h["exit.east.width_m"] == pytest.approx(1.0) and h["exit.east.count"] == 14
    assert 0.3 < h["exit.east.specific_flow_ppms"] < 3.0
    assert h["density.peak_ppm2"] >= 1.0
    assert h["density.time_above_5_s"] <= h["density.time_above_4_s"] <= h["density.time_above_2_s"]
    assert h["injured"] == 0 and not [k for k in h if k.startswith("threat.")]
    assert m.threats is None
    assert all(v is None or not (isinstance(v, float) and math.isnan(v)) for v in h.values())


def test_maps_saved_and_loaded(plain_run) -> None:
    m = analyse(plain_run)
    m.save()
    back = load_maps(plain_run)
    assert back.grid == m.grid
    assert np.array_equal(back.maps["density_peak"], m.density.peak)
    assert set(back.maps) >= {"floor_fraction", "fruin_worst", "pressure_peak", "seconds_above_5"}
    # the floor: the room (20 cells) and the exit strip's cells half covered
    assert back.maps["floor_fraction"].sum() == pytest.approx(20.0 + 1.0)


def test_threat_outcomes_only_for_runs_with_threats(threat_run) -> None:
    h = analyse(threat_run).headline()
    assert h["injured"] == h.get("injured.knife", 0) > 0
    for key in ("threat.perceived_fraction", "threat.exposure_total_s", "threat.survival_rate"):
        assert key in h
    assert h["threat.survival_rate"] == pytest.approx(1 - h["injured"] / 14)


def test_voronoi_density_by_pedpy(plain_run) -> None:
    pytest.importorskip("pedpy")
    import pedpy

    from experiments.metrics import voronoi_density_maps

    vm = voronoi_density_maps(plain_run, grid_m=0.5, sample_s=2.0)
    assert vm.frames >= 3 and vm.peak.shape == (vm.grid.nx, vm.grid.ny)
    assert (vm.peak >= vm.mean).all() and vm.mean.min() >= 0.0
    assert 0.5 < vm.peak.max() < 8.0
    # oracle: PedPy's own profile, every cell against every polygon
    path = plain_run / "trajectory.sqlite"
    traj = pedpy.load_trajectory_from_jupedsim_sqlite(trajectory_file=path)
    area = pedpy.load_walkable_area_from_jupedsim_sqlite(trajectory_file=path)
    data = traj.data[traj.data["frame"] % 10 == 0].copy()
    cells = pedpy.compute_individual_voronoi_polygons(
        traj_data=pedpy.TrajectoryData(data=data, frame_rate=0.5),
        walkable_area=area,
        cut_off=pedpy.Cutoff(radius=1.0, quad_segments=3),
    )
    ref = np.stack(
        pedpy.compute_density_profile(
            data=cells, walkable_area=area, grid_size=0.5,
            density_method=pedpy.DensityMethod.VORONOI,
        )
    )  # fmt: skip
    assert np.allclose(vm.mean, ref[:, ::-1, :].transpose(0, 2, 1).mean(axis=0), atol=1e-9)
