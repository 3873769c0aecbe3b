"""Floor-plan importers: DXF layers and GeoJSON roles → scenario → TOML that loads again.

Drawings are built in ``tmp_path`` with ezdxf; every error path has its own test asserting the
message names the problem and the place.
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import ezdxf
import pytest
import shapely

import scenarios
from experiments.cli import main as cli_main
from scenarios.importers import (
    DxfLayers,
    Role,
    import_plan,
    plan_to_scenario,
    read_dxf,
    read_geojson,
    scenario_to_toml,
)
from scenarios.importers.writer import toml_value
from simcore.errors import GeometryError, ScenarioError

# --------------------------------------------------------------------------------------------------
# Drawings


def _square(msp, x0, y0, x1, y1, layer, *, close=True):
    return msp.add_lwpolyline(
        [(x0, y0), (x1, y0), (x1, y1), (x0, y1)], close=close, dxfattribs={"layer": layer}
    )


def _plan(tmp_path: Path, *, units: int = 6, extra=None, name: str = "plan.dxf") -> Path:
    """A 20 m × 10 m room, a 0.5 m pillar, a 2 m door to the east, a fence, one spawn area."""
    doc = ezdxf.new()
    doc.header["$INSUNITS"] = units
    s = {6: 1.0, 4: 1000.0}[units]
    msp = doc.modelspace()
    _square(msp, 0, 0, 20 * s, 10 * s, "jps-walkablearea")
    msp.add_circle((5 * s, 5 * s), 0.25 * s, dxfattribs={"layer": "jps-obstacles"})
    _square(msp, 20 * s, 4 * s, 21 * s, 6 * s, "jps-exits-east")
    msp.add_line((12 * s, 2 * s), (12 * s, 8 * s), dxfattribs={"layer": "jps-barriers-fence"})
    _square(msp, 1 * s, 1 * s, 9 * s, 9 * s, "jps-distributions-crowd")
    if extra is not None:
        extra(doc, msp)
    path = tmp_path / name
    doc.saveas(path)
    return path


def _feature(role, geometry, **props):
    return {"type": "Feature", "geometry": geometry, "properties": {"role": role, **props}}


def _poly(x0, y0, x1, y1):
    return {"type": "Polygon",
            "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}  # fmt: skip


def _geojson(*extra_features, walkable=True):
    feats = [
        _feature("walkable", _poly(0, 0, 30, 12)) if walkable else None,
        _feature("obstacle", _poly(10, 5, 12, 7)),
        _feature("exit", _poly(30, 4, 31, 7), id="gate-1"),
        _feature("exit", _poly(-1, 4, 0, 6), id="gate-2", open=False),
        _feature("barrier", {"type": "LineString", "coordinates": [[20, 1], [20, 9]]},
                 id="planters", thickness_m=0.6, rating="N2"),
        _feature("spawn", _poly(1, 1, 9, 11), id="visitors", count=40),
        _feature("spawn", _poly(22, 1, 28, 11), id="staff"),
        *extra_features,
    ]  # fmt: skip
    return {"type": "FeatureCollection", "features": [f for f in feats if f is not None]}


# --------------------------------------------------------------------------------------------------
# DXF: geometry read right


def test_dxf_layers_become_floor_obstacles_exits_barriers_and_people(tmp_path):
    imported = import_plan(_plan(tmp_path))
    s = imported.scenario
    assert s.geometry.walkable_shape().area == pytest.approx(200.0)
    assert len(s.geometry.obstacles) == 1
    pillar = s.geometry.obstacle_shapes()[0]
    assert pillar.area == pytest.approx(math.pi * 0.25**2, rel=0.05)
    assert pillar.centroid.distance(shapely.Point(5, 5)) < 1e-3
    assert s.exit_ids == ["east"]
    assert s.exit("east").shape().area == pytest.approx(2.0)
    (fence,) = s.barriers
    assert fence.id == "fence" and fence.thickness_m == pytest.approx(0.2)
    assert fence.raw_shape().equals(shapely.LineString([(12, 2), (12, 8)]))
    (crowd,) = s.populations
    assert crowd.id == "crowd"
    free = 64.0 - pillar.area  # the spawn square minus the pillar
    assert crowd.count == round(0.5 * free)


def test_dxf_in_millimetres_is_scaled_to_metres(tmp_path):
    s = import_plan(_plan(tmp_path, units=4)).scenario
    assert s.geometry.walkable_shape().bounds == pytest.approx((0.0, 0.0, 20.0, 10.0))
    assert s.exit("east").shape().area == pytest.approx(2.0)
    assert any("mm" in w for w in import_plan(_plan(tmp_path, units=4)).warnings)


def test_units_argument_overrides_the_header(tmp_path):
    doc = ezdxf.new()
    doc.header["$INSUNITS"] = 0  # unitless
    msp = doc.modelspace()
    _square(msp, 0, 0, 2000, 1000, "jps-walkablearea")
    _square(msp, 2000, 400, 2100, 600, "jps-exits-1")
    doc.saveas(tmp_path / "cm.dxf")
    plan = read_dxf(tmp_path / "cm.dxf", units="cm")
    assert plan.of(Role.WALKABLE)[0].geometry.bounds == pytest.approx((0, 0, 20, 10))


def test_hatch_with_an_island_and_a_block_reference(tmp_path):
    def extra(doc, msp):
        hatch = msp.add_hatch(dxfattribs={"layer": "jps-obstacles-kiosk"})
        hatch.paths.add_polyline_path([(14, 1), (18, 1), (18, 3), (14, 3)], is_closed=True)
        hatch.paths.add_polyline_path([(15, 1.5), (16, 1.5), (16, 2.5), (15, 2.5)],
                                      is_closed=True)  # fmt: skip
        block = doc.blocks.new("BENCH")
        block.add_lwpolyline([(0, 0), (2, 0), (2, 0.5), (0, 0.5)], close=True)  # layer 0
        msp.add_blockref("BENCH", (14, 7), dxfattribs={"layer": "jps-obstacles"})

    s = import_plan(_plan(tmp_path, extra=extra)).scenario
    areas = sorted(round(g.area, 3) for g in s.geometry.obstacle_shapes())
    assert areas[-2:] == [1.0, 7.0]  # the bench (2 × 0.5); the kiosk 4 × 2 minus its 1 m² island


def test_bare_exit_layer_numbers_its_exits(tmp_path):
    def extra(doc, msp):
        _square(msp, -1, 1, 0, 3, "jps-exits")
        _square(msp, -1, 6, 0, 8, "jps-exits")

    s = import_plan(_plan(tmp_path, extra=extra)).scenario
    assert sorted(s.exit_ids) == ["east", "exit-1", "exit-2"]


def test_ignored_and_hidden_layers_and_annotation(tmp_path):
    def extra(doc, msp):
        msp.add_text("Main hall", dxfattribs={"layer": "A-TEXT"})
        doc.layers.add("jps-obstacles-old").off()
        _square(msp, 15, 1, 16, 2, "jps-obstacles-old")
        msp.add_text("pillar", dxfattribs={"layer": "jps-obstacles"})
        _square(msp, 1, 1, 2, 2, "jps-waypoints-1")

    imported = import_plan(_plan(tmp_path, extra=extra), ignore_layers=("A-*",))
    assert len(imported.scenario.geometry.obstacles) == 1  # the hidden one is skipped
    notes = " ".join(imported.warnings)
    assert "jps-obstacles-old" in notes and "hidden layer" in notes
    assert "jps-waypoints-1" in notes


def test_older_jupedsim_walkable_layer_name(tmp_path):
    doc = ezdxf.new()
    _square(doc.modelspace(), 0, 0, 10, 10, "walkablearea")
    _square(doc.modelspace(), 10, 4, 11, 6, "jps-exits-0")
    doc.saveas(tmp_path / "old.dxf")
    assert import_plan(tmp_path / "old.dxf").scenario.exit_ids == ["0"]


def test_custom_layer_names(tmp_path):
    doc = ezdxf.new()
    msp = doc.modelspace()
    _square(msp, 0, 0, 10, 10, "FLOOR")
    _square(msp, 10, 4, 11, 6, "DOOR-main")
    doc.saveas(tmp_path / "custom.dxf")
    layers = DxfLayers(walkable="FLOOR", exits="DOOR")
    plan = read_dxf(tmp_path / "custom.dxf", layers=layers)
    s, _ = plan_to_scenario(plan)
    assert s.exit_ids == ["main"]
    assert s.populations[0].id == "people"  # no spawn layer: one population on the whole floor
    assert s.populations[0].count == 50


def test_imported_toml_loads_back_equal_and_is_commented(tmp_path):
    imported = import_plan(_plan(tmp_path))
    text = imported.toml()
    assert text.startswith("# CrowdSafe scenario imported from the DXF plan 'plan.dxf'.")
    assert "# layer 'jps-exits-east', LWPOLYLINE" in text
    assert scenarios.loads(text, fmt="toml") == imported.scenario


def test_cli_import_writes_a_scenario_that_loads(tmp_path, capsys):
    out = tmp_path / "venue.toml"
    assert cli_main(["import", str(_plan(tmp_path)), "--out", str(out), "--density", "0.3"]) == 0
    s = scenarios.load(out)
    assert s.populations[0].count == round(0.3 * (64.0 - math.pi * 0.25**2))
    assert "1 exit(s) (east)" in capsys.readouterr().out
    # a second import refuses to overwrite without --overwrite
    assert cli_main(["import", str(_plan(tmp_path)), "--out", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_cli_import_reports_errors_without_a_traceback(tmp_path, capsys):
    code = cli_main(["import", str(tmp_path / "missing.dxf"), "--out", str(tmp_path / "v.toml")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and "file not found" in err and "Traceback" not in err


# --------------------------------------------------------------------------------------------------
# DXF: one test per error


def test_error_file_not_found(tmp_path):
    with pytest.raises(ScenarioError, match="file not found; check the path"):
        read_dxf(tmp_path / "nope.dxf")


def test_error_not_a_dxf(tmp_path):
    bad = tmp_path / "plan.dxf"
    bad.write_text("this is a PDF, honest\n")
    with pytest.raises(ScenarioError, match="not a DXF file") as exc:
        read_dxf(bad)
    assert exc.value.file == str(bad)


def test_error_unsupported_file_type(tmp_path):
    (tmp_path / "plan.pdf").write_text("%PDF")
    with pytest.raises(ScenarioError, match=r"cannot import '\.pdf' files"):
        import_plan(tmp_path / "plan.pdf")


def test_error_unknown_layer(tmp_path):
    def extra(doc, msp):
        _square(msp, 3, 3, 4, 4, "FURNITURE")
        _square(msp, 5, 3, 6, 4, "FURNITURE")

    with pytest.raises(ScenarioError, match=r"layer\(s\) of no known role: 'FURNITURE' \(2"):
        read_dxf(_plan(tmp_path, extra=extra))


def test_error_open_polyline_for_an_area(tmp_path):
    def extra(doc, msp):
        _square(msp, 15, 1, 17, 3, "jps-obstacles", close=False)

    with pytest.raises(GeometryError, match="an obstacle must be a closed polygon") as exc:
        read_dxf(_plan(tmp_path, extra=extra))
    msg = str(exc.value)
    assert "layer 'jps-obstacles', LWPOLYLINE" in msg and "ends are 2 m apart" in msg
    assert "close it" in msg


def test_error_exit_that_is_not_a_closed_polygon(tmp_path):
    def extra(doc, msp):
        msp.add_line((0, 2), (0, 4), dxfattribs={"layer": "jps-exits-west"})

    with pytest.raises(GeometryError, match="an exit must be a closed polygon, but this is a line"):
        read_dxf(_plan(tmp_path, extra=extra))


def test_error_exit_in_separate_pieces(tmp_path):
    def extra(doc, msp):
        _square(msp, -1, 1, 0, 3, "jps-exits-west")
        _square(msp, -1, 6, 0, 8, "jps-exits-west")

    with pytest.raises(GeometryError, match="exit 'west' is made of 2 separate pieces"):
        import_plan(_plan(tmp_path, extra=extra))


def test_error_nothing_walkable(tmp_path):
    doc = ezdxf.new()
    _square(doc.modelspace(), 0, 0, 1, 2, "jps-exits-1")
    doc.saveas(tmp_path / "empty.dxf")
    with pytest.raises(GeometryError, match=r"nothing walkable.*layer 'jps-walkablearea'"):
        import_plan(tmp_path / "empty.dxf")


def test_error_no_exit(tmp_path):
    doc = ezdxf.new()
    _square(doc.modelspace(), 0, 0, 10, 10, "jps-walkablearea")
    doc.saveas(tmp_path / "closed-room.dxf")
    with pytest.raises(GeometryError, match=r"no exit.*jps-exits-<id>"):
        import_plan(tmp_path / "closed-room.dxf")


def test_error_self_intersecting_outline(tmp_path):
    def extra(doc, msp):
        msp.add_lwpolyline([(14, 1), (16, 3), (16, 1), (14, 3)], close=True,
                           dxfattribs={"layer": "jps-obstacles"})  # fmt: skip

    with pytest.raises(GeometryError, match=r"not a valid polygon.*Self-intersection"):
        read_dxf(_plan(tmp_path, extra=extra))


def test_error_entity_that_is_not_a_shape(tmp_path):
    def extra(doc, msp):
        mesh = msp.add_mesh(dxfattribs={"layer": "jps-obstacles"})
        with mesh.edit_data() as data:
            data.vertices = [(14, 1, 0), (15, 1, 0), (15, 2, 0)]
            data.faces = [(0, 1, 2)]

    with pytest.raises(GeometryError, match="cannot read a MESH entity as a shape"):
        read_dxf(_plan(tmp_path, extra=extra))


def test_error_exit_off_the_floor(tmp_path):
    def extra(doc, msp):
        _square(msp, 30, 4, 31, 6, "jps-exits-far")

    with pytest.raises(GeometryError, match="exit 'far' does not touch the walkable area"):
        import_plan(_plan(tmp_path, extra=extra))


def test_error_unitless_drawing_in_millimetres(tmp_path):
    doc = ezdxf.new()
    doc.header["$INSUNITS"] = 0
    _square(doc.modelspace(), 0, 0, 20000, 10000, "jps-walkablearea")
    _square(doc.modelspace(), 20000, 4000, 21000, 6000, "jps-exits-1")
    doc.saveas(tmp_path / "mm.dxf")
    with pytest.raises(ScenarioError, match="probably drawn in millimetres"):
        read_dxf(tmp_path / "mm.dxf")
    assert read_dxf(tmp_path / "mm.dxf", units="mm").of(Role.EXIT)[0].geometry.area == 2.0


def test_error_unknown_unit(tmp_path):
    with pytest.raises(ScenarioError, match="unknown drawing unit 'furlong'"):
        read_dxf(_plan(tmp_path), units="furlong")


# --------------------------------------------------------------------------------------------------
# GeoJSON


def test_geojson_roles_become_the_scenario():
    plan = read_geojson(_geojson())
    s, notes = plan_to_scenario(plan, name="square")
    assert s.name == "square"
    assert s.geometry.walkable_shape().area == pytest.approx(360.0)
    assert [o.area for o in s.geometry.obstacle_shapes()] == [pytest.approx(4.0)]
    assert s.exit_ids == ["gate-1", "gate-2"]
    assert s.exit("gate-1").open and not s.exit("gate-2").open
    (planters,) = s.barriers
    assert planters.rating == "N2" and planters.thickness_m == pytest.approx(0.6)
    visitors, staff = s.populations
    assert visitors.count == 40  # the count property wins over the density
    assert staff.count == round(0.5 * 60.0)
    assert notes["exits.gate-1"] == "features[2]"


def test_geojson_file_round_trips_through_toml(tmp_path):
    path = tmp_path / "plan.geojson"
    path.write_text(json.dumps(_geojson()))
    imported = import_plan(path)
    assert "GeoJSON plan 'plan.geojson'" in imported.toml()
    assert scenarios.loads(imported.toml(), fmt="toml") == imported.scenario


def test_geojson_features_sharing_an_id_are_merged():
    doc = _geojson(_feature("spawn", _poly(1, 1, 9, 11), id="staff"))
    s, _ = plan_to_scenario(read_geojson(doc))
    staff = s.population("staff")
    assert staff.shape().area == pytest.approx(60.0 + 80.0)


@pytest.mark.parametrize(
    ("doc", "error", "pattern"),
    [
        ({"type": "Feature"}, ScenarioError, "expected a GeoJSON FeatureCollection"),
        (_geojson({"type": "Feature", "geometry": _poly(0, 0, 1, 1), "properties": {}}),
         ScenarioError, r'features\[7\] has no "role" property'),
        (_geojson(_feature("stage", _poly(1, 1, 2, 2))), ScenarioError,
         r"features\[7\] has unknown role 'stage'; use one of walkable, obstacle"),
        (_geojson(_feature("exit", {"type": "LineString", "coordinates": [[0, 8], [0, 10]]},
                           id="west")),
         GeometryError, r"features\[7\] \(exit\) is a LineString; an exit feature must be a Polygon"),
        (_geojson(_feature("spawn", _poly(2, 2, 3, 3), id="x", count=2.5)), ScenarioError,
         r"features\[7\]\.properties\.count = 2\.5 is not a whole number"),
        (_geojson(walkable=False), GeometryError, "nothing walkable"),
        (_geojson(_feature("obstacle", {"type": "Polygon", "coordinates": [
            [[14, 1], [16, 3], [16, 1], [14, 3], [14, 1]]]})),
         GeometryError, r"features\[7\] \(obstacle\) is not a valid Polygon"),
    ],
    ids=["not-a-collection", "no-role", "unknown-role", "exit-not-polygon", "bad-property",
         "nothing-walkable", "invalid-polygon"],
)  # fmt: skip
def test_geojson_errors(doc, error, pattern):
    with pytest.raises(error, match=pattern):
        plan_to_scenario(read_geojson(doc))


def test_geojson_error_longitude_latitude():
    lonlat = {"type": "FeatureCollection", "features": [
        _feature("walkable", {"type": "Polygon", "coordinates": [[
            [13.3350, 52.5050], [13.3362, 52.5050], [13.3362, 52.5057], [13.3350, 52.5057],
            [13.3350, 52.5050]]]})]}  # fmt: skip
    with pytest.raises(ScenarioError, match="look like longitude/latitude degrees"):
        read_geojson(lonlat)


def test_geojson_error_geographic_crs():
    doc = _geojson()
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    with pytest.raises(ScenarioError, match="declares a geographic CRS"):
        read_geojson(doc)


def test_geojson_error_not_json(tmp_path):
    path = tmp_path / "plan.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [}')
    with pytest.raises(ScenarioError, match=r"not valid JSON \(line 1, column"):
        read_geojson(path)


def test_geojson_error_file_not_found(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        read_geojson(tmp_path / "nope.geojson")


# --------------------------------------------------------------------------------------------------
# Writer


def test_writer_round_trips_the_bundled_scenarios():
    for path in [scenarios.library_path("default"), *sorted(
            (Path(scenarios.library_path("default")).parent / "venues").glob("*/*.toml"))[:4]]:  # fmt: skip
        s = scenarios.load(path)
        text = scenario_to_toml(s, header="a header", notes={"geometry": "the floor"})
        assert scenarios.loads(text, fmt="toml") == s, path


def test_writer_escapes_strings_and_writes_special_floats():
    assert toml_value('say "hi"\\ \n\tbye') == '"say \\"hi\\"\\\\ \\n\\tbye"'
    assert toml_value(float("inf")) == "inf" and toml_value(1e-7) == "1e-07"
    assert toml_value(3.0) == "3.0" and toml_value(True) == "true"
    doc = tomllib.loads(f"x = {toml_value({'a b': [1, 2.5], 'c': {'d': 'é'}})}")
    assert doc == {"x": {"a b": [1, 2.5], "c": {"d": "é"}}}


def test_writer_keeps_multi_line_wkt_exact():
    s = scenarios.load(scenarios.library_path("default"))
    text = scenario_to_toml(s)
    assert '"""POLYGON ((0 0, 40 0, 40 25, 0 25, 0 0),\n' in text
    assert tomllib.loads(text)["geometry"]["walkable"] == s.geometry.walkable
