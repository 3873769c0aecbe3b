"""EvacuationModel: the Mesa model around one simulation (a small room, a few seconds)."""

from __future__ import annotations

import textwrap

import mesa
import numpy as np
import pytest

from experiments import EvacuationModel
from experiments.model import Pedestrian, engine_seed
from simcore.errors import ScenarioError

ROOM = textwrap.dedent(
    """
    schema_version = 1
    name = "Model test room"
    duration_s = 12.0
    record_fps = 5
    seed = 5

    [geometry]
    walkable = "POLYGON ((0 0, 5 0, 5 4, 0 4, 0 0))"

    [[exits]]
    id = "east"
    area = "POLYGON ((5 1.5, 6 1.5, 6 2.5, 5 2.5, 5 1.5))"

    [[populations]]
    id = "people"
    area = "POLYGON ((0.5 0.5, 3.5 0.5, 3.5 3.5, 0.5 3.5, 0.5 0.5))"
    count = 12
    radius_m = 0.2
    """
)


@pytest.fixture(scope="module")
def room(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("model") / "room.toml"
    path.write_text(ROOM)
    return str(path)


@pytest.fixture(scope="module")
def finished(room: str) -> EvacuationModel:
    model = EvacuationModel(room, rng=7)
    model.run_model()
    return model


def test_three_lines_run_and_collect(finished: EvacuationModel) -> None:
    df = finished.datacollector.get_model_vars_dataframe()
    assert list(df.columns[:6]) == [
        "time_s", "present", "evacuated", "mean_speed_mps", "max_density_ppm2", "injured",
    ]  # fmt: skip
    assert "exit.east" in df.columns
    # one row at t = 0, then one per simulated second
    assert df["time_s"].iloc[0] == 0.0
    assert np.allclose(np.diff(df["time_s"].to_numpy()[:-1]), 1.0)
    # people are conserved and leave by the only exit
    assert ((df["present"] + df["evacuated"]) == 12).all()
    assert (df["exit.east"] == df["evacuated"]).all()
    assert df["evacuated"].is_monotonic_increasing
    assert not finished.running
    assert finished.steps == len(df) - 1


def test_no_fear_columns_without_threats(finished: EvacuationModel) -> None:
    df = finished.datacollector.get_model_vars_dataframe()
    assert not any(c.startswith(("fear", "afraid")) for c in df.columns)
    assert finished.has_threats is False


def test_rng_int_is_the_engine_seed_and_reproducible(room: str, finished) -> None:
    again = EvacuationModel(room, rng=7)
    again.run_model()
    a = finished.datacollector.get_model_vars_dataframe()
    b = again.datacollector.get_model_vars_dataframe()
    assert a.equals(b)
    assert finished.seed == 7
    ss = np.random.SeedSequence(3).spawn(2)[1]
    assert engine_seed(ss) == int(ss.generate_state(1, np.uint32)[0])


def test_overrides_as_keywords(room: str) -> None:
    model = EvacuationModel(room, rng=1, duration_s=3.0, **{"populations.people.count": 5})
    model.run_model()
    df = model.datacollector.get_model_vars_dataframe()
    assert df["present"].iloc[0] == 5
    assert df["time_s"].iloc[-1] == pytest.approx(3.0)


def test_bad_override_is_a_scenario_error(room: str) -> None:
    with pytest.raises(ScenarioError, match=r"no item with id 'west'.*ids here: east"):
        EvacuationModel(room, rng=1, **{"exits.west.width_m": 2.0})


def test_handles_read_the_arrays(room: str) -> None:
    model = EvacuationModel(room, rng=2, handles=True, step_s=2.0)
    handles = list(model.agents)
    assert len(handles) == 12 and all(isinstance(h, Pedestrian) for h in handles)
    h = handles[3]
    assert h.position == tuple(model.simulation.crowd.pos[h.index])
    assert h.inside and h.exit_used is None and h.target_exit == "east"
    model.step()
    assert model.datacollector.get_model_vars_dataframe()["time_s"].iloc[-1] == pytest.approx(2.0)
    assert h.position == tuple(model.simulation.crowd.pos[h.index])


def test_step_must_be_a_multiple_of_dt(room: str) -> None:
    with pytest.raises(ValueError, match="multiple of dt_s"):
        EvacuationModel(room, rng=1, step_s=0.015)


def test_batch_run_drives_it(room: str) -> None:
    results = mesa.batch_run(
        EvacuationModel,
        {"scenario": room, "rng": [1], "duration_s": 4.0, "exits.east.width_m": [1.0, 2.0]},
        max_steps=10,
        display_progress=False,
    )
    assert sorted(r["exits.east.width_m"] for r in results) == [1.0, 2.0]
    assert all(r["present"] + r["evacuated"] == 12 for r in results)
