"""``crowdsafe compare``: two layouts, replicated, compared metric by metric, with a report."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from ..compare import run_comparison
from ..report import comparison_report
from ..sweep import executor_for
from .sweep import Bar, add_executor_arguments

NAME = "compare"
HELP = "compare two layouts (scenario files or sweep outputs): statistics, verdict, HTML report"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``crowdsafe compare``."""
    p.add_argument("a", help="layout A: a scenario file, a bundled venue, or a sweep directory"
                   " (DIR or DIR::name=value to pick one point)")  # fmt: skip
    p.add_argument("b", help="layout B, likewise")
    p.add_argument("--replicates", type=int, default=5, metavar="N",
                   help="runs per scenario file (default 5)")  # fmt: skip
    p.add_argument("--out", help="directory for the runs, the report and its data"
                   " (default: comparisons/<A>-vs-<B>)")  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help="root seed of the replicates (default 0)")
    p.add_argument("--paired", action="store_true",
                   help="give A and B the same seeds (common random numbers; paired t-tests)")  # fmt: skip
    add_executor_arguments(p)
    p.add_argument("--png", metavar="DIR", help="also save every figure as PNG in DIR")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _stem(ref: str) -> str:
    name = Path(ref.partition("::")[0]).stem or "layout"
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name)


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit status."""
    if args.replicates < 1:
        print("error: --replicates must be at least 1 (5 or more for useful intervals)",
              file=sys.stderr)  # fmt: skip
        return 2
    out = (
        Path(args.out) if args.out else Path("comparisons") / f"{_stem(args.a)}-vs-{_stem(args.b)}"
    )
    with executor_for(workers=args.workers, dask=args.dask) as (executor, where):
        print(f"comparing {args.a} (A) with {args.b} (B) → {out}; running on {where}",
              file=sys.stderr)  # fmt: skip
        bar = Bar(quiet=args.quiet)
        try:
            comp = run_comparison(
                args.a,
                args.b,
                out_dir=out,
                replicates=args.replicates,
                seed=args.seed,
                paired=args.paired,
                executor=executor,
                on_row=bar.on_row,
                on_start=bar.on_start,
            )
        finally:
            bar.close()
    report = comparison_report(comp, out_dir=out, png_dir=args.png)
    print("\n".join(comp.verdict))
    print(f"\nreport: {report}\ndata:   {out / 'comparison.csv'}")
    return 0
