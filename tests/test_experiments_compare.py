"""Layout comparison and reports: identical layouts are not told apart; reports are offline."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from experiments.cli import main
from experiments.compare import fmt, run_comparison

ROOM = """
schema_version = 1
name = "Compare room"
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


@pytest.fixture(scope="module")
def identical(tmp_path_factory):
    d = tmp_path_factory.mktemp("compare")
    (d / "a.toml").write_text(ROOM)
    (d / "b.toml").write_text(ROOM)
    comp = run_comparison(str(d / "a.toml"), str(d / "b.toml"), out_dir=d / "out", replicates=4)
    return d, comp


def test_identical_layouts_show_no_significant_difference(identical) -> None:
    _, comp = identical
    assert len(comp.a.rows) == len(comp.b.rows) == 4
    assert set(comp.a.seeds).isdisjoint(comp.b.seeds)  # independent replicates
    assert comp.verdict[0].startswith("No significant difference in the time to clear")
    assert all(not (m.p_holm < 0.05) for m in comp.metrics)
    t100 = comp.metric("t100_s").diff
    assert t100.low < 0 < t100.high


def test_paired_replicates_share_seeds(tmp_path) -> None:
    (tmp_path / "a.toml").write_text(ROOM.replace("count = 16", "count = 6"))
    (tmp_path / "b.toml").write_text(ROOM.replace("count = 16", "count = 6"))
    comp = run_comparison(
        str(tmp_path / "a.toml"), str(tmp_path / "b.toml"), out_dir=tmp_path / "o",
        replicates=2, paired=True,
    )  # fmt: skip
    assert comp.a.seeds == comp.b.seeds
    d = comp.metric("t100_s").diff
    assert d.test == "exact" and d.diff == 0.0 and d.p_value == 1.0  # same seed, same layout


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("src", "href"):
                self.refs.append((tag, k, v or ""))


def _offline(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    parser = _Refs()
    parser.feed(text)
    assert "script" not in parser.tags and "link" not in parser.tags
    assert parser.refs, "the report has no figure"
    for tag, attr, value in parser.refs:
        assert tag == "img" and value.startswith("data:image/png;base64,"), (tag, attr, value[:40])
    assert not re.search(r"url\(|@import|https?://", text)
    return len(parser.refs)


def test_cli_compare_of_sweep_outputs_writes_an_offline_report(identical, tmp_path, capsys):
    d, _ = identical
    out, dest, png = d / "out", tmp_path / "c", tmp_path / "png"
    code = main(
        ["compare", f"{out}::layout=a", f"{out}::layout=b", "--out", str(dest), "--png", str(png)]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.startswith("No significant difference")
    assert _offline(dest / "report.html") >= 4
    assert "No significant difference" in (dest / "report.html").read_text()
    assert {p.name for p in png.iterdir()} >= {
        "curves.png", "density_maps.png", "fruin.png", "exits.png",
    }  # fmt: skip
    assert (dest / "comparison.csv").read_text().startswith("metric,label,unit")
    assert (dest / "comparison.json").exists()


def test_cli_run_report_is_offline(identical, tmp_path) -> None:
    _, comp = identical
    run_dir = comp.b.run_dirs[0]
    assert main(["report", str(run_dir), "--no-voronoi", "--png", str(tmp_path)]) == 0
    page = run_dir / "report.html"
    assert _offline(page) >= 6
    text = page.read_text()
    assert "Nobody was injured" in text and "no threat" in text
    assert (tmp_path / "fruin.png").exists() and (tmp_path / "pressure.png").exists()


def test_numbers_in_words() -> None:
    assert fmt(41.3, "s") == "41 s"
    assert fmt(-0.473, ref=0.47) == "−0.47"
    assert fmt(2.66, "persons/m²") == "2.7 persons/m²"
    assert fmt(None) == "—"
