"""``crowdsafe report``: the HTML report of one run directory."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..report import run_report

NAME = "report"
HELP = "write the HTML report of a run directory (metrics, maps, flows, levels of service)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``crowdsafe report``."""
    p.add_argument("run_dir", help="a run directory (made by crowdsafe run, sweep or compare)")
    p.add_argument("--out", help="the HTML file (default: RUN_DIR/report.html)")
    p.add_argument("--no-voronoi", action="store_true",
                   help="skip the Voronoi density maps (PedPy), the slowest part")  # fmt: skip
    p.add_argument("--png", metavar="DIR", help="also save every figure as PNG in DIR")


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit status."""
    path = run_report(
        Path(args.run_dir), out=args.out, voronoi=not args.no_voronoi, png_dir=args.png
    )
    print(f"report: {path}")
    return 0
