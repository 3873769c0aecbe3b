"""``crowdsafe validate``: run the validation suite and write its report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

NAME = "validate"
HELP = (
    "run the validation suite (RiMEA, IMO/NIST tests, experimental data, Helbing 2000) and write"
    " its report (Markdown and HTML, a figure per case)"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``crowdsafe validate``."""
    p.add_argument("--quick", action="store_true", help="the reduced suite (a few minutes)")
    p.add_argument(
        "--out",
        default="validation-report",
        help="report directory (default: validation-report); the committed full report is"
        " regenerated with --out docs/validation",
    )
    p.add_argument(
        "--only", nargs="+", metavar="ID", help="only these cases (ids or prefixes: rimea, imo)"
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=2,
        metavar="N",
        help="worker processes, each running a group of cases (default: 2)",
    )
    p.add_argument("--keep-runs", metavar="DIR", help="keep the run directories in DIR")


def run(args: argparse.Namespace) -> int:
    """Run the command; returns 0 when every case behaves as registered (passes, or fails for
    its documented reason) and is numerically healthy, 1 otherwise."""
    from experiments.validation import CASES, run_suite

    known = {c.id: c.known_failure for c in CASES}

    def progress(r) -> None:
        status = "pass" if r.passed else ("FAIL (known)" if known[r.case_id] else "FAIL")
        health = "ok" if r.health.ok else "FAIL"
        print(f"{r.case_id:<18} {status:<13} health {health:<5} {r.wall_s:6.0f} s  {r.measured}",
              file=sys.stderr, flush=True)  # fmt: skip

    command = "crowdsafe validate" + (" --quick" if args.quick else "")
    suite = run_suite(
        out_dir=Path(args.out),
        quick=args.quick,
        only=args.only,
        jobs=args.jobs,
        runs_dir=Path(args.keep_runs) if args.keep_runs else None,
        progress=progress,
        write_report=False,
    )
    from experiments.validation.report import write_report

    report = write_report(suite, out_dir=Path(args.out), command=command)
    unexpected = [
        r.case_id
        for r in suite.results
        if (not r.passed and not known[r.case_id]) or r.error or not r.health.ok
    ]
    print(
        f"\n{sum(r.passed for r in suite.results)}/{len(suite.results)} cases pass"
        f" ({suite.wall_s / 60:.1f} min); report: {report} and {report.with_suffix('.html')}"
    )
    if unexpected:
        print("unexpected: " + ", ".join(unexpected), file=sys.stderr)
        return 1
    return 0
