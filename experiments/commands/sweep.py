"""``crowdsafe sweep``: run a parameter sweep, here, on a process pool or on a Dask cluster."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from ..sweep import RESULTS_FILE, STATUS_FAILED, executor_for, load_spec, plan_from_spec, run_sweep

NAME = "sweep"
HELP = "run a parameter sweep (grid or Latin hypercube, with replicates) described in a TOML file"


def add_executor_arguments(p: argparse.ArgumentParser) -> None:
    """``--workers`` and ``--dask`` (shared with ``compare``)."""
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="run N simulations at once in worker processes (default: one at a time, here)",
    )
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on a Dask cluster: a scheduler address (tcp://host:8786), or 'local' for a"
        " LocalCluster of --workers single-threaded processes (needs crowdsafe[dask])",
    )


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``crowdsafe sweep``."""
    p.add_argument("spec", help="sweep file (.toml)")
    p.add_argument("--out", help="sweep directory (default: sweeps/<sweep file name>)")
    add_executor_arguments(p)
    p.add_argument("--retry-failed", action="store_true", help="run failed runs again")
    p.add_argument("--dry-run", action="store_true", help="list the runs and stop")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


class Bar:
    """A progress bar of runs: done (including those done before), failed, time left."""

    def __init__(self, *, quiet: bool, what: str = "runs") -> None:
        self.quiet, self.what = quiet, what
        self.bar: tqdm | None = None

    def on_start(self, done_before: int, total: int) -> None:
        if done_before:
            print(f"{done_before} of {total} runs were done before; skipping them", file=sys.stderr)
        self.bar = tqdm(
            total=total,
            initial=done_before,
            unit="run",
            desc=self.what,
            disable=True if self.quiet else None,
            file=sys.stderr,
            bar_format="{desc}: {n}/{total} {bar} [{elapsed}<{remaining}{postfix}]",
            postfix="0 failed",
            dynamic_ncols=True,
        )

    def on_row(self, row: dict, done: int, failed: int) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(f"{failed} failed", refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def print_outcome(result, *, out: Path) -> None:
    """How many runs, which failed and why, where the table is."""
    failed = [r for r in result.rows if r.get("status") == STATUS_FAILED]
    print(
        f"{len(result.rows)} runs in {out} ({result.executed} now, {result.skipped} done before);"
        f" {len(failed)} failed"
    )
    for r in failed[:5]:
        print(f"  failed {r['run_id']}: {r.get('error', '')}")
    if len(failed) > 5:
        print(f"  … and {len(failed) - 5} more (column 'error' of the table)")
    print(f"results: {out / RESULTS_FILE}")


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit status."""
    spec_path = Path(args.spec)
    spec = load_spec(spec_path)
    plan = plan_from_spec(spec, source=spec_path)
    runs = plan.runs()
    out = Path(args.out) if args.out else Path("sweeps") / spec_path.stem
    print(
        f"sweep {plan.name!r}: {len(plan.points)} point(s) × {plan.replicates} replicate(s) ="
        f" {len(runs)} runs → {out}",
        file=sys.stderr,
    )
    if args.dry_run:
        for r in runs:
            print(f"{r.run_id}  seed {r.seed}  {r.point.params}")
        return 0
    with executor_for(workers=args.workers, dask=args.dask) as (executor, where):
        print(f"running on {where}", file=sys.stderr)
        bar = Bar(quiet=args.quiet)

        try:
            result = run_sweep(
                plan,
                out_dir=out,
                executor=executor,
                retry_failed=args.retry_failed,
                on_row=bar.on_row,
                on_start=bar.on_start,
            )
        except KeyboardInterrupt:
            bar.close()
            print(
                f"\ninterrupted: finished runs are kept in {out}; run the same command again to"
                " do the rest",
                file=sys.stderr,
            )
            raise
        finally:
            bar.close()
    print_outcome(result, out=out)
    return 0
