"""``crowdsafe run``: simulate a scenario and write its run directory."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

import scenarios

from ..runner import run_scenario

NAME = "run"
HELP = "simulate a scenario and write a run directory"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``crowdsafe run``."""
    p.add_argument(
        "scenario", nargs="?", help="scenario file (.toml/.json); default: bundled venue"
    )
    p.add_argument("--out", help="run directory (default: runs/<scenario>-seed<N>)")
    p.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing run directory")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _default_out(scenario_path: Path, seed: int) -> Path:
    """``runs/<stem>-seed<N>``, with ``-2``, ``-3``… appended rather than touching an earlier run."""
    base = Path("runs") / f"{scenario_path.stem}-seed{seed}"
    out, k = base, 2
    while out.exists():
        out = base.with_name(f"{base.name}-{k}")
        k += 1
    return out


def _results_table(summary: dict) -> str:
    rows = [
        ("agents", f"{summary['agents_total']}"),
        ("evacuated", f"{summary['agents_evacuated']}"),
        (
            "evacuation time",
            "—  (agents remain)"
            if summary["evacuation_time_s"] is None
            else f"{summary['evacuation_time_s']:.1f} s",
        ),
        ("simulated", f"{summary['simulated_s']:.1f} s"),
        ("wall clock", f"{summary['wall_s']:.1f} s"),
    ]
    lines = [f"  {k:<16} {v}" for k, v in rows]
    lines.append("")
    lines.append(f"  {'exit':<16} {'agents':>7} {'first (s)':>10} {'last (s)':>10}")
    for exit_id, e in summary["exits"].items():
        first = "—" if e["first_s"] is None else f"{e['first_s']:.1f}"
        last = "—" if e["last_s"] is None else f"{e['last_s']:.1f}"
        lines.append(f"  {exit_id:<16} {e['count']:>7} {first:>10} {last:>10}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit status."""
    path = Path(args.scenario) if args.scenario else scenarios.library_path("default")
    scenario = scenarios.load(path)
    seed = scenario.seed if args.seed is None else args.seed
    out = Path(args.out) if args.out else _default_out(path, seed)
    print(f"scenario {scenario.name!r} ({path}) → {out}", file=sys.stderr)
    bar = tqdm(
        total=round(scenario.duration_s, 3),
        unit="s sim",
        bar_format="{l_bar}{bar}| {n:.1f}/{total:.0f} s simulated [{elapsed}<{remaining}{postfix}]",
        disable=True if args.quiet else None,  # None: shown on a terminal only
        file=sys.stderr,
        mininterval=0.2,
    )

    def progress(t: float, left: int) -> None:
        bar.set_postfix_str(f"{left} agents left", refresh=False)
        bar.update(round(t, 3) - bar.n)  # tqdm redraws at most every mininterval

    try:
        result = run_scenario(
            scenario, out_dir=out, seed=seed, overwrite=args.overwrite, progress=progress
        )
    finally:
        bar.close()
    print(_results_table(result.summary))
    print(f"\nrun directory: {result.run_dir}")
    return 0
