"""Comparisons with measured crowd behaviour: fundamental diagrams (RiMEA 4, Weidmann 1993, the
Jülich corridor data, RiMEA 16 single file) and bottleneck flow against width (Kretz et al. 2006,
Seyfried et al. 2009, Liao et al. 2014).

Reference data (summaries of the published time series, computed once from the files shipped with
JuPedSim's validation tests, ``systemtest/Validation``):

* Jülich 1.8 m corridor, runs ug-180-015/060/140/230: Voronoi (ρ, v) per frame;
* single-file experiment, runs N = 14, 20, 34, 45, 62 (attributed to Seyfried et al. 2005,
  J. Stat. Mech. P10002 [recalled]);
* Kretz et al. 2006 flows against bottleneck width (``2006Kretz.txt``).
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

from .core import Context, HealthSpec, Outcome, Run
from .measure import binned, crossing_times, figure, steady_flow, voronoi_fd, weidmann_speed

__all__ = [
    "JUELICH_UG180",
    "KRETZ_2006",
    "SEYFRIED_2005",
    "bottleneck_width",
    "juelich_corridor",
    "rimea_04",
    "rimea_16",
    "weidmann_fd",
]

#: Jülich ug-180 runs: (ρ p10, p50, p90 in 1/m²; v p10, p50, p90 in m/s) [code: JuPedSim data].
JUELICH_UG180: Final = {
    "ug-180-015": ((0.194, 0.295, 0.411), (1.035, 1.146, 1.224)),
    "ug-180-060": ((0.915, 1.142, 1.438), (0.723, 0.779, 0.828)),
    "ug-180-140": ((2.966, 3.291, 3.672), (0.159, 0.222, 0.294)),
    "ug-180-230": ((3.532, 4.028, 4.353), (0.039, 0.087, 0.209)),
}
#: Single-file experiment (Seyfried et al. 2005 [recalled]), runs by N: (ρ p10, p50, p90 in 1/m; v p10, p50, p90 in m/s).
SEYFRIED_2005: Final = {
    14: ((0.333, 0.570, 0.798), (1.105, 1.176, 1.236)),
    20: ((0.642, 0.781, 0.877), (0.862, 0.938, 1.000)),
    34: ((1.078, 1.211, 1.350), (0.415, 0.486, 0.534)),
    45: ((1.382, 1.511, 1.752), (0.171, 0.229, 0.307)),
    62: ((2.025, 2.234, 2.525), (0.053, 0.092, 0.127)),
}
#: Kretz et al. 2006: bottleneck width (m) → measured flows (p/s) [code: JuPedSim data].
KRETZ_2006: Final = {
    0.4: (0.879, 0.899),
    0.5: (1.007, 1.036),
    0.6: (1.124,),
    0.7: (1.222, 1.251),
    0.8: (1.388, 1.417, 1.456),
    0.9: (1.534, 1.583, 1.632),
    1.0: (1.710, 1.808, 1.876, 2.023),
    1.2: (2.033, 2.111, 2.287),
}

# ---------------------------------------------------------------------- corridor fundamental diagram
#: Corridor runs: (entrance width, exit width, people).
FD_RUNS: Final = (
    (0.6, 1.8, 200),
    (1.0, 1.8, 200),
    (1.8, 1.8, 250),
    (1.8, 1.2, 250),
    (1.8, 0.9, 250),
    (1.8, 0.6, 200),
)
FD_RUNS_QUICK: Final = ((1.0, 1.8, 200), (1.8, 1.8, 250), (1.8, 0.9, 250))
_W: Final = 1.8
_L: Final = 20.0
MAIN: Final = [(14.0, 0.0), (16.0, 0.0), (16.0, _W), (14.0, _W)]
CONTROLS: Final = {
    "control x 10–12 m": [(10.0, 0.0), (12.0, 0.0), (12.0, _W), (10.0, _W)],
    "control x 6–8 m": [(6.0, 0.0), (8.0, 0.0), (8.0, _W), (6.0, _W)],
}
#: The Jülich participants' free speed (run ug-180-015 walks at 1.15 m/s at 0.3 P/m²).
JUELICH_SPEED: Final = {"distribution": "normal", "mean": 1.15, "std": 0.15, "min": 0.5, "max": 1.8}
#: Weidmann tolerance (m/s): the spread between empirical data sets.
WEIDMANN_TOL: Final = 0.2


def _corridor(b_in: float, b_out: float, speed: dict | None):
    yc = _W / 2

    def edit(d):
        parts = [box(-10, yc - 5, 0, yc + 5), box(0, 0, _L, _W)]
        x_exit = _L
        if b_out < _W:
            parts.append(box(_L, yc - b_out / 2, _L + 0.5, yc + b_out / 2))
            x_exit = _L + 0.5
        d["geometry"]["walkable"] = shapely.union_all(parts).wkt
        obstacles = []
        if b_in < _W:
            obstacles = [
                box(-0.2, -0.2, 0.0, yc - b_in / 2).wkt,
                box(-0.2, yc + b_in / 2, 0.0, _W + 0.2).wkt,
            ]
        d["geometry"]["obstacles"] = obstacles
        d["exits"][0]["area"] = box(x_exit, yc - b_out / 2, x_exit + 1.0, yc + b_out / 2).wkt
        if speed is not None:
            d["populations"][0]["desired_speed_mps"] = speed

    return edit


def _fd_runs(ctx: Context, *, juelich: bool = False) -> dict[str, dict[str, pd.DataFrame]]:
    """Voronoi (ρ, v) at the three measuring sections of every corridor run."""
    base = ctx.scenario("corridor-fd")
    out = {}
    for b_in, b_out, n in FD_RUNS_QUICK if ctx.quick else FD_RUNS:
        key = f"fd-{'juelich-' if juelich else ''}in{b_in:g}-out{b_out:g}"
        edit = _corridor(b_in, b_out, JUELICH_SPEED if juelich else None)

        def count(d, edit=edit, n=n):
            edit(d)
            d["populations"][0]["count"] = n

        run = ctx.run(key, ctx.variant(base, count))
        cache = f"_fd_{key}"
        if not hasattr(ctx, cache):
            fd = voronoi_fd(run, areas={"main": MAIN, **CONTROLS}, region_x=(3.0, _L + 0.5))
            t0, t1 = _steady_window(run)
            setattr(ctx, cache, {k: v[(v["t"] >= t0) & (v["t"] <= t1)] for k, v in fd.items()})
        out[key] = getattr(ctx, cache)
    return out


def _steady_window(run: Run) -> tuple[float, float]:
    """The times at which 10 % and 90 % of the people have passed the main section's centre.

    Frames outside this window are the arrival of the first people and the emptying of the
    corridor at the end, transient states that the experiments exclude (they analyse steady
    states); with them, the emptying tail of a jam adds slow, thin states that belong to no
    stationary diagram.
    """
    t = crossing_times(run, ((15.0, 0.0), (15.0, _W)))
    if len(t) < 10:
        return 0.0, float("inf")
    return float(t[int(0.1 * len(t))]), float(t[int(0.9 * len(t)) - 1])


def _pooled(runs: dict[str, dict[str, pd.DataFrame]], area: str) -> pd.DataFrame:
    frames = [r[area] for r in runs.values() if len(r[area])]
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["frame", "t", "density", "speed"])
    )


def _main_speed(run: Run) -> float:
    """Mean Voronoi speed at the main section in the steady window (m/s)."""
    fd = voronoi_fd(run, areas={"main": MAIN}, region_x=(9.0, _L + 0.5))["main"]
    t0, t1 = _steady_window(run)
    fd = fd[(fd["t"] >= t0) & (fd["t"] <= t1)]
    return float(fd["speed"].mean()) if len(fd) else float("nan")


def _fd_health(ctx: Context) -> HealthSpec:
    key = "fd-in1.8-out0.9"
    return HealthSpec(key, _main_speed, "mean speed at the main section, exit 0.9 m (m/s)", 0.1)


def rimea_04(ctx: Context) -> Outcome:
    """RiMEA 4: documented FD at three measuring points; speed falls with density."""
    runs = _fd_runs(ctx)
    main = binned(_pooled(runs, "main"))
    monotone = bool(np.all(np.diff(main["speed"].to_numpy()) <= 0.05))
    agree = True
    ctrl_bins = {}
    for name in CONTROLS:
        cb = binned(_pooled(runs, name))
        ctrl_bins[name] = cb
        both = main.merge(cb, on="bin", suffixes=("", "_c"))
        if len(both):
            agree &= bool((np.abs(both["speed"] - both["speed_c"]) <= 0.15).all())
    passed = monotone and agree
    reached = float(main["density"].max()) if len(main) else 0.0
    requested = [0.5, 1, 2, 3, 4, 5, 6]
    fig, axes = figure(ncols=2, width_in=10.5, height_in=4.0)
    ax = axes[0, 0]
    pooled = _pooled(runs, "main")
    ax.scatter(pooled["density"], pooled["speed"], s=3, alpha=0.25, color="tab:blue")
    ax.plot(main["density"], main["speed"], "o-", color="tab:blue", label="main (bin means)")
    for (name, cb), c in zip(ctrl_bins.items(), ("tab:orange", "tab:green"), strict=True):
        ax.plot(cb["density"], cb["speed"], "s--", color=c, ms=4, label=name)
    ax.set_xlabel("Voronoi density (1/m²)")
    ax.set_ylabel("Voronoi speed (m/s)")
    ax.set_xlim(0, 6.2)
    for r in requested:
        ax.axvline(r, color="0.85", lw=0.8, zorder=0)
    ax.legend(fontsize=8)
    ax.set_title("RiMEA 4: speed–density at three measuring points")
    ax = axes[0, 1]
    ax.plot(main["density"], main["density"] * main["speed"], "o-", label="main")
    ax.set_xlabel("density (1/m²)")
    ax.set_ylabel("specific flow (1/(m·s))")
    ax.set_xlim(0, 6.2)
    ax.set_title("flow = density × speed")
    path = ctx.save_figure(fig, "rimea-04")
    table = "\n".join(
        f"| {r.density:.2f} | {r.speed:.3f} | {r.density * r.speed:.2f} | {int(r.count)} |"
        for r in main.itertuples()
    )
    missing = [r for r in requested if r > reached + 0.25]
    return Outcome(
        passed=passed,
        measured=(
            f"densities 0–{reached:.1f} P/m² reached; speed falls with density"
            f" ({'yes' if monotone else 'NO'}); control points agree ({'yes' if agree else 'NO'})"
        ),
        details=(
            "Main measuring section, bins of 0.5 P/m² (≥ 20 frames, one frame in three):\n\n"
            "| density (1/m²) | speed (m/s) | flow (1/(m·s)) | frames |\n|---|---|---|---|\n"
            + table
            + "\n\nRiMEA's requested densities "
            + ", ".join(f"{r:g}" for r in missing)
            + " P/m² are not reached: in the narrowest exit the jam settles near"
            f" {reached:.1f} P/m², where the social repulsion balances the push of the people"
            " behind."
            if missing
            else ""
        ),
        figure=path,
        values={"main_bins": main.to_dict("list"), "max_density": reached},
        health=_fd_health(ctx),
    )


def weidmann_fd(ctx: Context) -> Outcome:
    """Weidmann's v(ρ) within ±0.2 m/s in every density bin reached."""
    runs = _fd_runs(ctx)
    main = binned(_pooled(runs, "main"))
    ref = weidmann_speed(main["density"].to_numpy())
    dev = main["speed"].to_numpy() - ref
    passed = bool(len(main) and np.all(np.abs(dev) <= WEIDMANN_TOL))
    fig, axes = figure(ncols=2, width_in=10.5, height_in=4.0)
    rho = np.linspace(0.05, 5.4, 200)
    ax = axes[0, 0]
    pooled = _pooled(runs, "main")
    ax.scatter(pooled["density"], pooled["speed"], s=3, alpha=0.2, color="tab:blue")
    ax.plot(main["density"], main["speed"], "o", color="tab:blue", label="CrowdSafe (bin means)")
    ax.plot(rho, weidmann_speed(rho), color="k", label="Weidmann 1993")
    ax.fill_between(
        rho,
        weidmann_speed(rho) - WEIDMANN_TOL,
        weidmann_speed(rho) + WEIDMANN_TOL,
        color="0.5",
        alpha=0.15,
        label="±0.2 m/s",
    )
    ax.set_xlabel("density (1/m²)")
    ax.set_ylabel("speed (m/s)")
    ax.set_ylim(0, 1.8)
    ax.legend(fontsize=8)
    ax = axes[0, 1]
    ax.plot(rho, rho * weidmann_speed(rho), color="k", label="Weidmann")
    ax.plot(main["density"], main["density"] * main["speed"], "o", label="CrowdSafe")
    ax.set_xlabel("density (1/m²)")
    ax.set_ylabel("specific flow (1/(m·s))")
    ax.legend(fontsize=8)
    fig.suptitle("Weidmann's fundamental diagram, 1.8 m corridor, main measuring section")
    path = ctx.save_figure(fig, "weidmann-fd")
    table = "\n".join(
        f"| {r.density:.2f} | {r.speed:.3f} | {w:.3f} | {d:+.3f} |"
        for r, w, d in zip(main.itertuples(), ref, dev, strict=True)
    )
    worst = float(np.max(np.abs(dev))) if len(dev) else float("nan")
    return Outcome(
        passed=passed,
        measured=f"{len(main)} density bins 0–{main['density'].max():.1f} P/m²; largest"
        f" deviation {worst:.2f} m/s",
        details=(
            "| density (1/m²) | CrowdSafe speed (m/s) | Weidmann (m/s) | difference |\n"
            "|---|---|---|---|\n" + table
        ),
        figure=path,
        values={"bins": main.to_dict("list"), "weidmann": ref.tolist(), "worst_m_s": worst},
        health=_fd_health(ctx),
    )


def juelich_corridor(ctx: Context) -> Outcome:
    """Simulated speed at each Jülich run's median density within the run's 10–90 % speeds."""
    runs = _fd_runs(ctx, juelich=True)
    pooled = _pooled(runs, "main")
    rows = []
    for name, ((_, r50, _), (v10, v50, v90)) in JUELICH_UG180.items():
        sel = pooled[(pooled["density"] - r50).abs() <= 0.25]
        v = float(sel["speed"].mean()) if len(sel) >= 20 else float("nan")
        rows.append((name, r50, v10, v50, v90, v, len(sel), bool(v10 <= v <= v90)))
    passed = all(r[-1] for r in rows)
    fig, ax = figure(height_in=4.2)
    ax = ax[0, 0]
    ax.scatter(
        pooled["density"],
        pooled["speed"],
        s=3,
        alpha=0.2,
        color="tab:blue",
        label="CrowdSafe, v0 = N(1.15, 0.15)",
    )
    for name, r50, v10, v50, v90, v, _, ok in rows:
        ax.errorbar([r50], [v50], yerr=[[v50 - v10], [v90 - v50]], fmt="s", color="k", capsize=3)
        ax.annotate(name.split("-")[-1], (r50, v90), textcoords="offset points", xytext=(3, 3))
        if np.isfinite(v):
            ax.plot([r50], [v], "o", color="tab:green" if ok else "tab:red", ms=8)
    ax.plot([], [], "s", color="k", label="Jülich ug-180 (median, 10–90 %)")
    ax.set_xlabel("Voronoi density (1/m²)")
    ax.set_ylabel("Voronoi speed (m/s)")
    ax.set_xlim(0, 5)
    ax.legend(fontsize=8)
    ax.set_title("Jülich 1.8 m corridor: CrowdSafe at the runs' median densities")
    path = ctx.save_figure(fig, "juelich-corridor")
    table = "\n".join(
        f"| {n} | {r50:.2f} | {v10:.2f}–{v90:.2f} | "
        + ("not reached" if not np.isfinite(v) else f"{v:.3f}")
        + f" | {'pass' if ok else 'FAIL'} |"
        for n, r50, v10, v50, v90, v, cnt, ok in rows
    )
    return Outcome(
        passed=passed,
        measured="; ".join(
            f"{n[-3:]}: "
            + ("not reached" if not np.isfinite(v) else f"{v:.2f} m/s")
            + f" vs {v10:.2f}–{v90:.2f}"
            for n, r50, v10, v50, v90, v, cnt, ok in rows
        ),
        details=(
            "Simulated mean Voronoi speed within ±0.25 P/m² of each run's median density (at"
            " least 20 frames), against the run's 10–90 % range of speeds. The free speed is set"
            " to the participants' (run 015 walks at 1.15 m/s), so run 015 checks that"
            " choice rather than the model.\n\n| run | median density (1/m²) | speeds 10–90 % (m/s) |"
            " CrowdSafe (m/s) | result |\n|---|---|---|---|---|\n" + table
        ),
        figure=path,
        values={"rows": [list(r) for r in rows]},
        health=None,
    )


# --------------------------------------------------------------------------- bottleneck vs width
WIDTHS: Final = (0.8, 1.0, 1.2, 1.8, 2.4, 3.6)
WIDTHS_QUICK: Final = (1.0, 2.4)
JS_BAND: Final = (1.6, 2.1)
LINEARITY: Final = 1.2
_ROOM_X, _ROOM_Y, _BN_L = 15.0, 12.0, 5.0


def _bottleneck(b: float):
    y0, y1 = _ROOM_Y / 2 - b / 2, _ROOM_Y / 2 + b / 2
    n = max(150, math.ceil(115 * b))

    def edit(d):
        d["name"] = f"Bottleneck {b:g} m"
        d["geometry"]["walkable"] = shapely.union_all(
            [box(0, 0, _ROOM_X, _ROOM_Y), box(_ROOM_X, y0, _ROOM_X + _BN_L, y1)]
        ).wkt
        d["exits"][0]["area"] = box(_ROOM_X + _BN_L, y0, _ROOM_X + _BN_L + 1, y1).wkt
        d["populations"][0]["count"] = n

    return edit, n


def _bn_flow(run: Run) -> float:
    exit_area = shapely.from_wkt(run.scenario.exits[0].area)
    y0, y1 = exit_area.bounds[1], exit_area.bounds[3]
    x = _ROOM_X + _BN_L / 2
    return steady_flow(crossing_times(run, ((x, y0), (x, y1))))


def bottleneck_width(ctx: Context) -> Outcome:
    """Specific flow 1.6–2.1 p/(m·s) at every width, growing linearly with the width."""
    base = ctx.scenario("bottleneck-width")
    widths = WIDTHS_QUICK if ctx.quick else WIDTHS
    seeds = (1,) if ctx.quick else (1, 2, 3)
    flows: dict[float, list[float]] = {}
    people = {}
    for b in widths:
        edit, n = _bottleneck(b)
        people[b] = n
        scenario = ctx.variant(base, edit)
        flows[b] = [_bn_flow(ctx.run(f"bottleneck-b{b:g}-s{s}", scenario, seed=s)) for s in seeds]
    js = {b: float(np.mean(v)) / b for b, v in flows.items()}
    in_band = all(JS_BAND[0] <= v <= JS_BAND[1] for v in js.values())
    ratio = max(js.values()) / min(js.values())
    passed = in_band and ratio <= LINEARITY
    bb = np.array(widths)
    jj = np.array([np.mean(flows[b]) for b in widths])
    slope, intercept = np.polyfit(bb, jj, 1)
    fig, axes = figure(ncols=2, width_in=10.5, height_in=4.0)
    ax = axes[0, 0]
    xs = np.linspace(0, max(widths) * 1.05, 50)
    ax.fill_between(
        xs, JS_BAND[0] * xs, JS_BAND[1] * xs, color="0.5", alpha=0.15, label="J/b = 1.6–2.1 p/(m·s)"
    )
    kb = [b for b, v in KRETZ_2006.items() for _ in v]
    kj = [j for v in KRETZ_2006.values() for j in v]
    ax.plot(kb, kj, "k^", ms=5, label="Kretz et al. 2006")
    for k in range(len(seeds)):
        ax.plot(bb, [flows[b][k] for b in widths], "o", color="tab:blue", alpha=0.4, ms=4)
    ax.plot(bb, jj, "o-", color="tab:blue", label="CrowdSafe (mean of seeds)")
    ax.set_xlabel("bottleneck width b (m)")
    ax.set_ylabel("flow J (p/s)")
    ax.legend(fontsize=8)
    ax = axes[0, 1]
    ax.axhspan(*JS_BAND, color="0.5", alpha=0.15)
    ax.plot(list(KRETZ_2006), [np.mean(v) / b for b, v in KRETZ_2006.items()], "k^", label="Kretz")
    ax.plot(bb, [js[b] for b in widths], "o-", color="tab:blue", label="CrowdSafe")
    ax.set_xlabel("bottleneck width b (m)")
    ax.set_ylabel("specific flow J/b (p/(m·s))")
    ax.set_ylim(0, 3)
    ax.legend(fontsize=8)
    sign = "+" if intercept >= 0 else "−"
    fig.suptitle(
        f"Bottleneck flow against width: J = {slope:.2f} b {sign} {abs(intercept):.2f} p/s"
    )
    path = ctx.save_figure(fig, "bottleneck-width")
    table = "\n".join(
        f"| {b:g} | {people[b]} | " + ", ".join(f"{f:.2f}" for f in flows[b]) + f" | {js[b]:.2f} |"
        for b in widths
    )
    return Outcome(
        passed=bool(passed),
        measured=(
            "J/b = "
            + ", ".join(f"{js[b]:.2f}" for b in widths)
            + " p/(m·s) at b = "
            + ", ".join(f"{b:g}" for b in widths)
            + f" m; largest/smallest {ratio:.2f}"
        ),
        details=(
            f"Linear fit J = {slope:.2f} b {sign} {abs(intercept):.2f} p/s.\n\n| b (m) | people | flow per"
            " seed (p/s) | mean J/b (p/(m·s)) |\n|---|---|---|---|\n" + table
        ),
        figure=path,
        values={
            "flows": {str(b): v for b, v in flows.items()},
            "js": {str(b): v for b, v in js.items()},
            "ratio": ratio,
            "fit": [slope, intercept],
        },
        health=HealthSpec("bottleneck-b1-s1", _bn_flow, "flow at b = 1 m (p/s)", rel_tol=0.1),
    )


# ------------------------------------------------------------------------------- single file (16)
LEADER_SPEEDS: Final = (0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.15)
_MEASURED_FOLLOWERS: Final = 10


def _single_file_state(run: Run) -> tuple[float, float]:
    """1D density (1/m) and speed (m/s) of the first followers over the last 10 s before the
    leader passes x = 55 m (or the end of the run)."""
    pos = run.positions()
    agents = run.agents()
    leader = int(agents.index[agents["population"] == "leader"][0])
    followers = agents.index[agents["population"] == "followers"][:_MEASURED_FOLLOWERS]
    lp = pos[pos["id"] == leader]
    past = lp[lp["x"] >= 55.0]
    t_end = float(past["t"].iloc[0]) if len(past) else float(lp["t"].iloc[-1])
    win = pos[(pos["t"] >= t_end - 10.0) & (pos["t"] <= t_end) & pos["id"].isin(followers)]
    rho, speed = [], []
    for _, g in win.groupby("frame"):
        if len(g) == len(followers):
            rho.append((len(g) - 1) / (g["x"].max() - g["x"].min()))
    for _, g in win.sort_values("frame").groupby("id"):
        speed.append((g["x"].iloc[-1] - g["x"].iloc[0]) / (g["t"].iloc[-1] - g["t"].iloc[0]))
    return float(np.mean(rho)), float(np.mean(speed))


def _single_file_speed(run: Run) -> float:
    return _single_file_state(run)[1]


def rimea_16(ctx: Context) -> Outcome:
    """RiMEA 16: the 1D diagram inside the empirical band of single-file experiments."""
    base = ctx.scenario("rimea-16-single-file")
    points = []
    for v in LEADER_SPEEDS:

        def edit(d, v=v):
            d["populations"][0]["desired_speed_mps"] = v

        run = ctx.run(f"rimea-16-v{v:g}", ctx.variant(base, edit))
        points.append(_single_file_state(run))
    v0_followers = float(
        run.agents().query("population == 'followers'")["desired_speed_mps"].mean()
    )
    curve = sorted([(0.0, v0_followers), *points])
    rho_s = np.array([p[0] for p in curve])
    v_s = np.array([p[1] for p in curve])
    rows = []
    for n, ((_, r50, _), (v10, v50, v90)) in SEYFRIED_2005.items():
        v = float(np.interp(r50, rho_s, v_s)) if r50 <= rho_s.max() else float("nan")
        rows.append((n, r50, v10, v50, v90, v, bool(v10 <= v <= v90)))
    passed = all(r[-1] for r in rows)
    fig, ax = figure(height_in=4.0)
    ax = ax[0, 0]
    ax.plot(rho_s, v_s, "o-", label="CrowdSafe (platoon behind a pace-setter)")
    for n, r50, v10, v50, v90, _, _ in rows:
        ax.errorbar([r50], [v50], yerr=[[v50 - v10], [v90 - v50]], fmt="s", color="k", capsize=3)
        ax.annotate(f"N={n}", (r50, v90), textcoords="offset points", xytext=(3, 3), fontsize=8)
    ax.plot([], [], "s", color="k", label="Seyfried et al. 2005 (median, 10–90 %)")
    ax.set_xlabel("1D density (1/m)")
    ax.set_ylabel("speed (m/s)")
    ax.set_xlim(0, 3)
    ax.legend(fontsize=8)
    ax.set_title("RiMEA 16: single-file fundamental diagram")
    path = ctx.save_figure(fig, "rimea-16")
    table = "\n".join(
        f"| {n} | {r50:.2f} | {v10:.2f}–{v90:.2f} | "
        + ("not reached" if not np.isfinite(v) else f"{v:.3f}")
        + f" | {'pass' if ok else 'FAIL'} |"
        for n, r50, v10, v50, v90, v, ok in rows
    )
    sim = "\n".join(
        f"| {v:g} | {p[0]:.2f} | {p[1]:.3f} |" for v, p in zip(LEADER_SPEEDS, points, strict=True)
    )
    return Outcome(
        passed=passed,
        measured=(
            f"largest 1D density {rho_s.max():.2f} /m (experiments up to 2.5 /m); "
            + "; ".join(
                f"N={n}: "
                + ("not reached" if not np.isfinite(v) else f"{v:.2f}")
                + f" vs {v10:.2f}–{v90:.2f} m/s"
                for n, r50, v10, v50, v90, v, ok in rows
            )
        ),
        details=(
            "Simulated states (leader speed → density of the first 10 followers, their speed):\n\n"
            "| leader v (m/s) | density (1/m) | speed (m/s) |\n|---|---|---|\n"
            + sim
            + "\n\nCrowdSafe's speed at each experimental run's median density (linear"
            " interpolation; the free state is the followers' mean desired speed at density 0)"
            " against the run's 10–90 % speed range:\n\n| run | median density (1/m) |"
            " speeds 10–90 % | CrowdSafe | result |\n|---|---|---|---|---|\n" + table
        ),
        figure=path,
        values={"states": points, "rows": [list(r) for r in rows]},
        health=HealthSpec(
            "rimea-16-v0.5", _single_file_speed, "platoon speed, leader 0.5 m/s", rel_tol=0.05
        ),
    )
