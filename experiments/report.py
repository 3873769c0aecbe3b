"""Self-contained HTML reports: one run (``crowdsafe report``) or two layouts (``compare``).

Figures are drawn with matplotlib's object API (``matplotlib.figure.Figure``, rendered by Agg;
pyplot's global state is never touched) and inlined as base64 PNG, with the CSS in the page, so a
report opens with no network access and can be mailed as one file.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import shapely
from matplotlib.colors import ListedColormap, TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from shapely.geometry.base import BaseGeometry

from .compare import Comparison, Side, fmt, metric_info
from .metrics import (
    CRITICAL_PRESSURE_PER_S2,
    GREEN_GUIDE_LEVEL_PPMS,
    LEVELS,
    Grid,
    RunData,
    RunMetrics,
    analyse,
    evacuation_curve,
    flow_series,
    voronoi_density_maps,
)
from .metrics.los import FRUIN_WALKWAY_PPM2
from .stats import mean_ci, mean_ci_curve

__all__ = ["REPORT_FILE", "comparison_report", "run_report"]

REPORT_FILE: Final = "report.html"
FRUIN_COLOURS: Final = ("#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027")
SIDE_COLOURS: Final = {"A": "#1f77b4", "B": "#d62728"}
_DPI: Final = 110

_CSS: Final = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid
#ddd;padding-bottom:.2em}.sub{color:#666;margin-top:0}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
td,th{border:1px solid #ddd;padding:.25em .6em;text-align:right}th{background:#f4f4f4}
td:first-child,th:first-child{text-align:left}tr.sig td{font-weight:600}
.verdict{background:#f6f8fa;border-left:4px solid #2b6cb0;padding:.6em 1em}
.verdict p{margin:.35em 0}img{max-width:100%;height:auto}.note{color:#555;font-size:.92em}
figure{margin:1em 0}figcaption{color:#555;font-size:.9em}
"""


# --------------------------------------------------------------------------------------------------
# Figures


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(html_parts: list[str], fig: Figure, caption: str, png_dir: Path | None, name: str):
    uri = _png(fig)
    if png_dir is not None:
        png_dir.mkdir(parents=True, exist_ok=True)
        (png_dir / f"{name}.png").write_bytes(base64.b64decode(uri.split(",", 1)[1]))
    html_parts.append(
        f'<figure><img alt="{html.escape(caption)}" src="{uri}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def _rings(geom: BaseGeometry) -> Iterable[np.ndarray]:
    for poly in shapely.get_parts(geom):
        if isinstance(poly, shapely.Polygon):
            yield np.asarray(poly.exterior.coords)
            for r in poly.interiors:
                yield np.asarray(r.coords)
        elif isinstance(poly, shapely.LineString):
            yield np.asarray(poly.coords)


def _draw_plan(ax, run: RunData, *, style: str = "-", colour: str = "k", exits: bool = True):
    """The venue plan: walls, exits (green), barriers (grey)."""
    for ring in _rings(run.floor):
        ax.plot(ring[:, 0], ring[:, 1], style, color=colour, lw=0.9)
    for b in run.barriers.values():
        for ring in _rings(b):
            ax.fill(ring[:, 0], ring[:, 1], color="0.35", alpha=0.85, lw=0)
    if exits:
        for exit_id, area in run.exits.items():
            ring = np.asarray(area.exterior.coords)
            ax.fill(ring[:, 0], ring[:, 1], color="#2ca02c", alpha=0.55, lw=0)
            c = area.centroid
            ax.annotate(exit_id, (c.x, c.y), fontsize=7, ha="center", va="center", color="#145214")
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")


def _masked(values: np.ndarray, floor_fraction: np.ndarray | None) -> np.ma.MaskedArray:
    v = np.asarray(values, dtype=np.float64)
    mask = ~np.isfinite(v)
    if floor_fraction is not None:
        mask |= floor_fraction < 0.05
    return np.ma.masked_array(v, mask)


def _map(ax, grid: Grid, values, run: RunData | None, *, floor=None, cmap="viridis", **kw):
    im = ax.imshow(
        _masked(values, floor).T,
        origin="lower",
        extent=grid.extent,
        cmap=cmap,
        interpolation="nearest",
        **kw,
    )
    if run is not None:
        _draw_plan(ax, run)
    return im


def _fruin_map(ax, grid: Grid, worst: np.ndarray, run: RunData | None, floor=None) -> None:
    cmap = ListedColormap(FRUIN_COLOURS).with_extremes(bad="white")
    v = np.where(worst < 0, np.nan, worst)
    _map(ax, grid, v, run, floor=floor, cmap=cmap, vmin=-0.5, vmax=5.5)
    edges = ("0", *(f"{v:g}" for v in FRUIN_WALKWAY_PPM2))
    names = [f"{lvl}  {edges[k]}–{edges[k + 1]}/m²" for k, lvl in enumerate(LEVELS[:-1])]
    names.append(f"F  > {edges[-1]}/m²")
    handles = [Patch(color=c, label=n) for c, n in zip(FRUIN_COLOURS, names, strict=True)]
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def _new(w: float = 7.0, h: float = 4.0, ncols: int = 1) -> tuple[Figure, Any]:
    fig = Figure(figsize=(w, h), layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, axes


def _plan_size(run: RunData, ncols: int = 1) -> tuple[float, float]:
    xmin, ymin, xmax, ymax = run.bounds
    aspect = (ymax - ymin) / max(xmax - xmin, 1e-9)
    w = min(11.0, 5.2 * ncols)
    return w, max(2.6, min(8.0, w / ncols * aspect + 1.0))


# --------------------------------------------------------------------------------------------------
# HTML helpers


def _table(head: Sequence[str], rows: Iterable[Sequence[Any]], classes: Sequence[str] = ()) -> str:
    out = ["<table><tr>", *(f"<th>{html.escape(h)}</th>" for h in head), "</tr>"]
    for i, r in enumerate(rows):
        cls = f' class="{classes[i]}"' if i < len(classes) and classes[i] else ""
        out.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>")
    out.append("</table>")
    return "".join(out)


def _page(title: str, subtitle: str, body: list[str]) -> str:
    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p class='sub'>{html.escape(subtitle)} · made {stamp}"
        " by CrowdSafe</p>" + "".join(body) + "</body></html>"
    )


def _v(value: Any, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value} {unit}".strip()
    return fmt(float(value), unit)


# --------------------------------------------------------------------------------------------------
# One run


def run_report(
    run_dir: Path | str,
    *,
    out: Path | str | None = None,
    voronoi: bool = True,
    png_dir: Path | str | None = None,
) -> Path:
    """Write the HTML report of one run.

    Args:
        run_dir: the run directory. out: the HTML file (default ``RUN_DIR/report.html``).
        voronoi: include PedPy's Voronoi density maps (slower). png_dir: also save each figure
            there as PNG.

    Returns:
        The report's path.
    """
    run_dir = Path(run_dir)
    out_path = Path(out) if out is not None else run_dir / REPORT_FILE
    pngs = Path(png_dir) if png_dir is not None else None
    m = analyse(run_dir)
    body: list[str] = []
    with RunData(run_dir) as run:
        _run_sections(body, m, run, pngs, voronoi=voronoi)
        info = run.run_info
        subtitle = f"run {run_dir.name} · seed {info.get('seed')} · {run.n_agents} people"
        if run.layout != run.name:
            subtitle = f"layout {run.layout} · {subtitle}"
        title = f"{run.name}: evacuation report"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(_page(title, subtitle, body), encoding="utf-8")
    return out_path


def _run_sections(body: list[str], m: RunMetrics, run: RunData, pngs, *, voronoi: bool) -> None:
    h = m.headline()
    ev = m.evacuation
    body.append("<h2>Summary</h2>")
    rows = [
        ("people at the start", _v(h["agents"])),
        ("people out by the end", f"{h['evacuated']} ({h['evacuated_fraction']:.0%})"),
        ("T50 / T95 / T100", " / ".join(_v(h[f"t{p}_s"], "s") for p in (50, 95, 100))),
        ("simulated", _v(h["simulated_s"], "s")),
        ("peak density (1 m², 1 s average)", _v(h["density.peak_ppm2"], "persons/m²")),
        *(
            (f"time above {th:g} persons/m²", _v(h[f"density.time_above_{th:g}_s"], "s"))
            for th in m.exceedance
        ),
        ("time at Fruin level F", _v(h["los.time_F_s"], "s")),
        ("peak crowd pressure", _v(h["pressure.max_per_s2"], "1/s²")),
        ("people injured", _v(h["injured"])),
    ]
    body.append(_table(("quantity", "value"), rows))
    if ev.n_agents and h["t100_s"] is None:
        body.append(
            f"<p class='note'>{ev.n_agents - ev.evacuated} people were still inside when the run"
            " ended, so T100 is undefined.</p>"
        )

    body.append("<h2>Evacuation</h2>")
    fig, ax = _new(7.5, 3.6)
    t = np.linspace(0.0, max(ev.end_s, 1e-9), 400)
    ax.plot(t, ev.at(t), color="#2b6cb0", label="out")
    ax.plot(t, ev.n_agents - ev.at(t), color="0.4", ls="--", label="inside")
    if m.casualties.total:
        t_inj = run.finite("t_injured_s")
        if t_inj is not None:
            t_inj = np.sort(t_inj[np.isfinite(t_inj)])
            ax.plot(t, np.searchsorted(t_inj, t, side="right"), color="#d62728", label="injured")
    for p, style in ((50, ":"), (95, "-."), (100, "--")):
        tp = ev.clearance(p)
        if tp is not None:
            ax.axvline(tp, color="0.6", ls=style, lw=0.8)
            ax.annotate(f"T{p}", (tp, ev.n_agents * 0.03), fontsize=8, color="0.3")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("people")
    ax.legend(fontsize=8)
    _figure(body, fig, "People out and inside over time.", pngs, "evacuation")

    body.append("<h2>Exits</h2>")
    rows = []
    for f in m.flows.values():
        rows.append(
            (
                f.exit_id,
                _v(f.width_m, "m"),
                f.count,
                _v(f.flow_pps, "persons/s"),
                _v(f.specific_flow_ppms, "persons/(m·s)"),
                _v(f.peak_specific_flow_ppms, "persons/(m·s)"),
                "—" if f.green_guide_ratio is None else f"{f.green_guide_ratio:.0%}",
            )
        )
    body.append(
        _table(
            ("exit", "door", "people", "steady flow", "per metre", "peak 10 s", "of 82/m/min"),
            rows,
        )
    )
    times, series = flow_series(run)
    if series:
        fig, ax = _new(7.5, 3.4)
        for exit_id, s in series.items():
            ax.plot(times, s, label=exit_id)
        ax.axhline(GREEN_GUIDE_LEVEL_PPMS, color="k", ls="--", lw=0.9)
        ax.annotate("Green Guide 82 persons/m/min", (0, GREEN_GUIDE_LEVEL_PPMS), fontsize=8,
                    va="bottom")  # fmt: skip
        ax.set_xlabel("time (s)")
        ax.set_ylabel("flow (persons/(m·s)), 10 s window")
        ax.legend(fontsize=8)
        _figure(body, fig, "Specific flow through each exit (trailing 10 s window).", pngs, "flow")
    body.append(
        "<p class='note'>Steady flow: passages between the 10th and 90th percentile of the exit's"
        " crossings. Reference: the Green Guide's level flow rate of 82 persons per metre per"
        " minute (1.37 persons/(m·s)).</p>"
    )

    body.append("<h2>Density</h2>")
    g, ff = m.grid, m.floor_fraction
    w, hgt = _plan_size(run, 2)
    fig, axes = _new(w, hgt, 2)
    vmax = max(2.0, float(m.density.peak.max()))
    im = _map(axes[0], g, m.density.peak, run, floor=ff, cmap="magma_r", vmin=0, vmax=vmax)
    axes[0].set_title("peak density (persons/m²)", fontsize=9)
    fig.colorbar(im, ax=axes[0], shrink=0.8)
    im = _map(axes[1], g, m.density.mean, run, floor=ff, cmap="magma_r", vmin=0)
    axes[1].set_title("mean density over the run (persons/m²)", fontsize=9)
    fig.colorbar(im, ax=axes[1], shrink=0.8)
    _figure(body, fig, "Grid density, 1 m² cells, 1 s averages.", pngs, "density")

    fig, axes = _new(w, max(3.0, hgt * 0.9), len(m.exceedance) or 1)
    axes = np.atleast_1d(axes)
    for ax, (th, ex) in zip(axes, m.exceedance.items(), strict=False):
        top = float(ex.seconds.max())
        im = _map(ax, g, ex.seconds, run, floor=ff, cmap="Reds", vmin=0, vmax=max(top, 1.0))
        ax.set_title(f"seconds above {th:g}/m²" + ("" if top else " (never)"), fontsize=9)
        fig.colorbar(im, ax=ax, shrink=0.7)
    _figure(body, fig, "Time each cell spent above each density threshold.", pngs, "thresholds")

    fig, ax = _new(7.5, 3.2)
    ax.plot(m.density.times_s, m.density.max_series, color="k", lw=1)
    for th in m.exceedance:
        ax.axhline(th, ls="--", lw=0.8, color="#d62728" if th >= 4 else "#ff7f0e")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("highest cell density (persons/m²)")
    _figure(body, fig, "Highest density anywhere over time, with the 2, 4 and 5/m² lines.",
            pngs, "density_series")  # fmt: skip

    if voronoi:
        try:
            vm = voronoi_density_maps(run.run_dir)
        except ImportError as exc:
            body.append(f"<p class='note'>Voronoi density skipped: {html.escape(str(exc))}</p>")
            vm = None
        if vm is not None:
            fig, axes = _new(w, hgt, 2)
            vff = vm.grid.coverage(run.floor)
            im = _map(axes[0], vm.grid, vm.peak, run, floor=vff, cmap="magma_r", vmin=0)
            axes[0].set_title("peak Voronoi density (persons/m²)", fontsize=9)
            fig.colorbar(im, ax=axes[0], shrink=0.8)
            im = _map(axes[1], vm.grid, vm.mean, run, floor=vff, cmap="magma_r", vmin=0)
            axes[1].set_title("mean Voronoi density (persons/m²)", fontsize=9)
            fig.colorbar(im, ax=axes[1], shrink=0.8)
            _figure(
                body,
                fig,
                f"Voronoi density by PedPy ({vm.grid.cell_m:g} m cells, {vm.frames} frames,"
                f" one every {vm.sample_s:g} s, cells cut off at 1 m).",
                pngs,
                "voronoi",
            )

    body.append("<h2>Level of service (Fruin)</h2>")
    fig, ax = _new(*_plan_size(run))
    _fruin_map(ax, g, m.fruin.worst, run, floor=ff)
    ax.set_title("worst walkway level of service reached", fontsize=9)
    _figure(body, fig, "Fruin walkway level of service: worst level each cell reached (1 s"
            " averages).", pngs, "fruin")  # fmt: skip

    body.append("<h2>Crowd pressure</h2>")
    fig, axes = _new(w, hgt, 2)
    im = _map(axes[0], g, m.pressure.peak, run, floor=ff, cmap="inferno_r", vmin=0)
    axes[0].set_title("peak crowd pressure ρ·Var(V) (1/s²)", fontsize=9)
    fig.colorbar(im, ax=axes[0], shrink=0.8)
    axes[1].plot(m.pressure.times_s, m.pressure.max_series, color="k", lw=1)
    axes[1].axhline(CRITICAL_PRESSURE_PER_S2, color="#d62728", ls="--", lw=0.8)
    axes[1].set_xlabel("time (s)")
    axes[1].set_ylabel("highest pressure (1/s²)")
    _figure(body, fig, "Crowd pressure (Helbing et al. 2007); the dashed line is 0.02/s², where"
            " crowd turbulence was observed in a very dense crowd.", pngs, "pressure")  # fmt: skip

    body.append("<h2>Injuries and threats</h2>")
    if m.casualties.total:
        body.append(_table(("cause", "people injured"), m.casualties.by_cause.items()))
        fig, ax = _new(*_plan_size(run))
        im = _map(ax, g, m.casualty_map, run, floor=ff, cmap="Reds", vmin=0)
        fig.colorbar(im, ax=ax, shrink=0.8)
        ax.set_title("where people were injured", fontsize=9)
        _figure(body, fig, "Injuries per 1 m² cell.", pngs, "casualties")
    else:
        body.append("<p>Nobody was injured (crush injuries are modelled in every run).</p>")
    th = m.threats
    if th is None:
        body.append(
            "<p class='note'>This scenario has no threat, so exposure, time to safety and fear"
            " are not reported.</p>"
        )
    else:
        body.append(
            _table(
                ("threat outcome", "value"),
                [
                    ("threats", ", ".join(th.kinds)),
                    ("share who perceived a threat", f"{th.perceived_fraction:.0%}"),
                    ("people exposed", th.agents_exposed),
                    ("total exposure", _v(th.exposure_total_s, "s")),
                    ("closest approach", _v(th.min_distance_m, "m")),
                    ("mean time to safety", _v(th.time_to_safety_mean_s, "s")),
                    ("95th percentile time to safety", _v(th.time_to_safety_p95_s, "s")),
                    ("mean peak fear", _v(th.max_fear_mean)),
                    ("share not injured", f"{m.casualties.survival_rate:.1%}"),
                ],
            )
        )


# --------------------------------------------------------------------------------------------------
# Two layouts


def _side_run(side: Side) -> RunData | None:
    for d in side.run_dirs:
        try:
            return RunData(d)
        except Exception:  # a damaged run just isn't drawn
            continue
    return None


def _curves(side: Side, t: np.ndarray) -> np.ndarray:
    out = []
    for d in side.run_dirs:
        with RunData(d) as run:
            ev = evacuation_curve(run)
            out.append(ev.at(t) / max(ev.n_agents, 1))
    return np.array(out)


def comparison_report(
    comp: Comparison, *, out_dir: Path | str, png_dir: Path | str | None = None
) -> Path:
    """Write ``report.html`` (and the comparison's data) for a comparison into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pngs = Path(png_dir) if png_dir is not None else None
    comp.write_data(out)
    a, b = comp.a, comp.b
    body: list[str] = ['<div class="verdict">']
    body += [f"<p>{html.escape(s)}</p>" for s in comp.verdict]
    body.append("</div>")
    body += [f"<p class='note'>{html.escape(n)}</p>" for n in comp.notes]

    body.append("<h2>Metrics</h2>")
    rows, classes = [], []
    for m in comp.metrics:
        d, u = m.diff, m.info.unit

        def est(e, u: str = u) -> str:
            if e.n == 0:
                return "—"
            r = abs(e.mean)
            ci = f" [{fmt(e.low, ref=r)}, {fmt(e.high, ref=r)}]" if math.isfinite(e.low) else ""
            miss = f" ({e.missing} undefined)" if e.missing else ""
            return f"{fmt(e.mean, u, ref=r)}{ci}{miss}"

        r = max(abs(d.low), abs(d.high)) if math.isfinite(d.low) else abs(d.diff)
        diff = "—" if not math.isfinite(d.diff) else fmt(d.diff, u, ref=r)
        if math.isfinite(d.low):
            diff += f" [{fmt(d.low, ref=r)}, {fmt(d.high, ref=r)}]"
        p = "—" if not math.isfinite(d.p_value) else f"{d.p_value:.2g}"
        ph = "—" if not math.isfinite(m.p_holm) else f"{m.p_holm:.2g}"
        rows.append((m.info.label, est(d.a), est(d.b), diff, p, ph))
        classes.append("sig" if d.significant else "")
    head = (
        "metric",
        f"{a.label}: mean [95% CI]",
        f"{b.label}: mean [95% CI]",
        f"{b.label} − {a.label} [95% CI]",
        "p",
        "p (Holm)",
    )
    body.append(_table(head, rows, classes))
    test = "paired t-test on runs with common seeds" if comp.paired else "Welch's t-test"
    body.append(
        "<p class='note'>Bold rows differ significantly (p &lt; 0.05, each metric on its own)."
        f" Test: {test}; the data are in comparison.csv and comparison.json next to this"
        " file.</p>"
    )

    run_a, run_b = _side_run(a), _side_run(b)
    try:
        _comparison_figures(body, comp, run_a, run_b, pngs)
    finally:
        for r in (run_a, run_b):
            if r is not None:
                r.close()
    title = f"{a.name} vs {b.name}"
    subtitle = f"{len(a.rows)} + {len(b.rows)} runs"
    path = out / REPORT_FILE
    path.write_text(_page(title, subtitle, body), encoding="utf-8")
    return path


def _comparison_figures(body, comp: Comparison, run_a, run_b, pngs) -> None:
    a, b = comp.a, comp.b
    body.append("<h2>Evacuation curves</h2>")
    ends = [float(r.get("simulated_s") or 0.0) for r in (*a.rows, *b.rows)]
    t = np.linspace(0.0, max([*ends, 1.0]), 400)
    fig, ax = _new(7.5, 3.8)
    for side in (a, b):
        curves = _curves(side, t)
        if not len(curves):
            continue
        mean, lo, hi = mean_ci_curve(curves)
        lo, hi = np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)
        c = SIDE_COLOURS.get(side.label, "k")
        ax.plot(t, mean * 100, color=c, label=f"{side.label}: {side.name} ({len(curves)} runs)")
        ax.fill_between(t, lo * 100, hi * 100, color=c, alpha=0.2, lw=0)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("people out (%)")
    ax.set_ylim(0, 102)
    ax.legend(fontsize=8, loc="lower right")
    _figure(body, fig, "Share of people out over time: mean and 95% confidence band.", pngs,
            "curves")  # fmt: skip

    maps_a, n_a = comp.maps(a)
    maps_b, n_b = comp.maps(b)
    if maps_a is not None and maps_b is not None and run_a is not None and run_b is not None:
        grid = maps_a.grid
        ff_a, ff_b = maps_a.maps["floor_fraction"], maps_b.maps["floor_fraction"]
        ff = np.maximum(ff_a, ff_b)
        body.append("<h2>Density over the venue plan</h2>")
        w, h = _plan_size(run_a, 3)
        fig, axes = _new(w * 1.1, h, 3)
        pa, pb = maps_a.maps["density_peak"], maps_b.maps["density_peak"]
        vmax = max(2.0, float(np.nanmax(pa)), float(np.nanmax(pb)))
        for ax, vals, run, ffs, side, n in ((axes[0], pa, run_a, ff_a, a, n_a),
                                            (axes[1], pb, run_b, ff_b, b, n_b)):  # fmt: skip
            im = _map(ax, grid, vals, run, floor=ffs, cmap="magma_r", vmin=0, vmax=vmax)
            ax.set_title(f"{side.label}: peak density, mean of {n} runs", fontsize=9)
        fig.colorbar(im, ax=axes[:2], shrink=0.7, label="persons/m²")
        diff = pb - pa
        lim = max(0.5, float(np.nanmax(np.abs(diff))))
        im = _map(axes[2], grid, diff, run_b, floor=ff, cmap="RdBu_r",
                  norm=TwoSlopeNorm(0.0, -lim, lim))  # fmt: skip
        _draw_plan(axes[2], run_a, style=":", colour="0.5", exits=False)
        axes[2].set_title(f"{b.label} − {a.label} (red: denser in {b.label})", fontsize=9)
        fig.colorbar(im, ax=axes[2], shrink=0.7, label="persons/m²")
        _figure(body, fig, "Peak density per 1 m² cell (1 s averages), averaged over the"
                " replicates, and the difference.", pngs, "density_maps")  # fmt: skip

        body.append("<h2>Level of service (Fruin)</h2>")
        fig, axes = _new(w * 0.75, h, 2)
        for ax, maps, run, side in ((axes[0], maps_a, run_a, a), (axes[1], maps_b, run_b, b)):
            _fruin_map(ax, grid, maps.maps["fruin_worst"], run, floor=maps.maps["floor_fraction"])
            ax.set_title(f"{side.label}: worst level (median over runs)", fontsize=9)
        _figure(body, fig, "Fruin walkway level of service, worst level reached in at least"
                " half of the runs.", pngs, "fruin")  # fmt: skip

    body.append("<h2>Exit usage</h2>")
    exits = [m.key for m in comp.metrics if m.key.startswith("exit.") and m.key.endswith(".count")]
    if exits:
        fig, ax = _new(min(9.0, 3.5 + 1.3 * len(exits)), 3.2)
        x = np.arange(len(exits))
        for k, side in enumerate((a, b)):
            ests = [mean_ci(side.values(key)) for key in exits]
            means = np.array([e.mean for e in ests])
            err = np.array(
                [[e.mean - e.low, e.high - e.mean] if math.isfinite(e.low) else [0, 0]
                 for e in ests]
            ).T  # fmt: skip
            ax.bar(x + (k - 0.5) * 0.38, means, 0.38, yerr=err, capsize=3,
                   color=SIDE_COLOURS[side.label], label=f"{side.label}: {side.name}")  # fmt: skip
        ax.set_xticks(
            x, [metric_info(key).label.removeprefix("people leaving by ") for key in exits]
        )
        ax.set_ylabel("people (mean, 95% CI)")
        ax.legend(fontsize=8)
        _figure(body, fig, "People leaving by each exit.", pngs, "exits")

    threat_keys = [m for m in comp.metrics if m.key.startswith(("threat.", "injured"))]
    if any(m.key.startswith("threat.") for m in threat_keys) or any(
        m.diff.a.mean or m.diff.b.mean for m in threat_keys
    ):
        body.append("<h2>Injuries and threat outcomes</h2>")
        keys = [m for m in threat_keys if m.key.startswith("injured")]
        if keys:
            fig, ax = _new(7.0, 3.0)
            x = np.arange(len(keys))
            for k, side in enumerate((a, b)):
                ests = [mean_ci(side.values(m.key)) for m in keys]
                err = np.array(
                    [[e.mean - e.low, e.high - e.mean] if math.isfinite(e.low) else [0, 0]
                     for e in ests]
                ).T  # fmt: skip
                ax.bar(x + (k - 0.5) * 0.38, [e.mean for e in ests], 0.38, yerr=err, capsize=3,
                       color=SIDE_COLOURS[side.label], label=side.label)  # fmt: skip
            names = ["all causes" if m.key == "injured" else m.key.split(".", 1)[1] for m in keys]
            ax.set_xticks(x, names)
            ax.set_ylabel("people (mean, 95% CI)")
            ax.legend(fontsize=8)
            _figure(body, fig, "Injuries by cause.", pngs, "injuries")
    else:
        body.append(
            "<h2>Injuries and threat outcomes</h2><p>Nobody was injured in any run, and the"
            " scenarios have no threat.</p>"
        )
