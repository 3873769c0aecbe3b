"""``crowdsafe replay``: watch, compare and export recorded runs."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pygame is imported only when the command runs
    from viz import Options, ReplayRun

NAME = "replay"
HELP = "replay run directories: play, compare side by side, export MP4/PNG"

_SIZE = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")


def _size(text: str) -> tuple[int, int]:
    m = _SIZE.match(text)
    if not m:
        raise argparse.ArgumentTypeError(f"size must look like 1280x720, got {text!r}")
    return int(m.group(1)), int(m.group(2))


def _time(text: str) -> float:
    """``60``, ``t=60``, ``60s`` or ``1:30`` (minutes:seconds)."""
    s = text.strip().lower().removeprefix("t=").removesuffix("s").strip()
    try:
        if ":" in s:
            minutes, seconds = s.split(":", 1)
            value = 60.0 * float(minutes) + float(seconds)
        else:
            value = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"a time looks like t=60, 60, 60s or 1:30, got {text!r}"
        ) from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"a time must be ≥ 0 s, got {text!r}")
    return value


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``crowdsafe replay``."""
    p.add_argument("runs", nargs="+", metavar="RUN_DIR", help="run directories, side by side")
    out = p.add_argument_group("export (headless, no window)")
    out.add_argument(
        "--export",
        metavar="PATH",
        help="write a video (PATH ends in .mp4) or PNG frames (a folder) and exit",
    )
    out.add_argument(
        "--snapshot",
        nargs=2,
        metavar=("TIME", "OUT.png"),
        help="write one picture at TIME (t=60, 60, 1:30) and exit",
    )
    out.add_argument("--fps", type=_positive, default=30.0, help="video frames per second (30)")
    out.add_argument("--from", dest="start", type=_time, default=0.0, help="export from this time")
    out.add_argument("--to", dest="end", type=_time, help="export up to this time")
    out.add_argument("--overwrite", action="store_true", help="replace an existing export")
    view = p.add_argument_group("what is shown")
    view.add_argument("--size", type=_size, default=(1280, 720), help="picture or window size")
    view.add_argument(
        "--speed",
        type=_positive,
        default=1.0,
        help="replay seconds per second (1; window: 0.25 … 16)",
    )
    view.add_argument(
        "--colour",
        "--color",
        choices=["speed", "density", "fear", "population", "outcome"],
        help="colour agents by (default: speed, or density if speed was not recorded)",
    )
    view.add_argument(
        "--heatmap", choices=["off", "density", "above4"], default="off", help="overlay (off)"
    )
    view.add_argument("--trails", action="store_true", help="short trails behind the agents")
    view.add_argument("--diff", action="store_true", help="difference view of two runs")
    view.add_argument("--no-hud", action="store_true", help="venue and agents only")
    view.add_argument("--fullscreen", action="store_true", help="open full screen (projector)")
    view.add_argument("--loop", action="store_true", help="start again at the end")
    view.add_argument("--paused", action="store_true", help="open paused")


def _options(args: argparse.Namespace, runs: list[ReplayRun]) -> Options:
    from viz import ColourMode, HeatmapMode, Options, ReplayError, ReplayState

    options = Options(
        colour_mode=ColourMode(args.colour or "speed"),
        heatmap=HeatmapMode(args.heatmap),
        trails=args.trails,
        hud=not args.no_hud,
    )
    probe = ReplayState(runs, args.size, options=Options(heatmap=HeatmapMode.OFF))
    problem = probe.mode_problem(options.colour_mode)
    if problem and args.colour is None:
        options.colour_mode = ColourMode.DENSITY  # always available
    elif problem:
        raise ReplayError(f"--colour {args.colour}: {problem}; choose another colour mode")
    if args.diff:
        problem = probe.difference_problem()
        if problem:
            raise ReplayError(f"--diff: {problem}")
        options.difference = True
    if options.heatmap is HeatmapMode.TIME_ABOVE:
        for run in runs:
            run.ensure_time_above()
    return options


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit status."""
    from viz import ReplayApp, ReplayError, ReplayRun, export, snapshot

    if args.export and args.snapshot:
        raise ReplayError("give either --export or --snapshot, not both")
    headless = bool(args.export or args.snapshot)
    runs: list[ReplayRun] = []
    try:
        for path in args.runs:
            runs.append(ReplayRun(path, read_ahead=not headless))
        options = _options(args, runs)
        if args.snapshot:
            when, out = args.snapshot
            t = _time_or_error(when)
            path = snapshot(runs, out, t_s=t, size=args.size, options=options)
            print(f"snapshot at t = {t:g} s: {path}")
            return 0
        if args.export:
            last = -1

            def progress(done: int, total: int) -> None:
                nonlocal last
                pct = 100 * done // total
                if pct != last and sys.stderr.isatty():
                    print(f"\rexporting {pct:3d}% ({done}/{total})", end="", file=sys.stderr)
                    last = pct

            n = export(
                runs,
                args.export,
                size=args.size,
                speed=args.speed,
                fps=args.fps,
                start_s=args.start,
                end_s=args.end,
                options=options,
                overwrite=args.overwrite,
                progress=progress,
            )
            if sys.stderr.isatty():
                print(file=sys.stderr)
            print(f"exported {n} frames at {args.fps:g} fps, {args.speed:g}× → {Path(args.export)}")
            return 0
        app = ReplayApp(
            runs,
            size=args.size,
            options=options,
            speed=args.speed,
            loop=args.loop,
            fullscreen=args.fullscreen,
            play=not args.paused,
        )
        return app.run()
    finally:
        for r in runs:
            r.close()


def _time_or_error(text: str) -> float:
    from viz import ReplayError

    try:
        return _time(text)
    except argparse.ArgumentTypeError as exc:
        raise ReplayError(f"--snapshot: {exc}") from None
