"""Sweep throughput: runs per minute with 1 and 2 worker processes (and a Dask LocalCluster).

The sweep is a small room emptied through a door of two widths, replicated: every run is a
complete ``crowdsafe sweep`` run (scenario check, simulation, run directory, metrics, row). The
workers are started and warmed (imports, numba's cached kernels, floor-field cache) before the
clock starts, so the figures are the steady-state throughput a long sweep sees; the start-up
time is printed apart. The target is 2 workers ≥ 1.8 × one; on a machine whose cores other
processes are using, no pool can reach it — the load average is printed with the figures.

Usage::

    python benchmarks/sweep_throughput.py               # 16 runs of 60 people, 1 and 2 workers
    python benchmarks/sweep_throughput.py --dask        # also a Dask LocalCluster of 2 workers
    python benchmarks/sweep_throughput.py --smoke       # 4 tiny runs: a check that it works (CI)
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import sys
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

ROOM = """
schema_version = 1
name = "Throughput room"
duration_s = {duration}
record_fps = 5
seed = 1

[geometry]
walkable = "POLYGON ((0 0, 10 0, 10 8, 0 8, 0 0))"

[[exits]]
id = "east"
area = "POLYGON ((10 3.5, 11 3.5, 11 4.5, 10 4.5, 10 3.5))"

[[populations]]
id = "people"
area = "POLYGON ((0.5 0.5, 8 0.5, 8 7.5, 0.5 7.5, 0.5 0.5))"
count = {agents}
radius_m = {{ distribution = "uniform", min = 0.2, max = 0.23 }}
"""

SWEEP = """
schema_version = 1
name = "throughput"
scenario = "room.toml"
replicates = {replicates}
seed = 99

[parameters]
"exits.east.width_m" = [1.0, 1.6]
"""


def warm(room: str) -> int:
    """Import everything a run needs and load the kernels (in a worker); returns the pid."""
    import numba

    import scenarios
    from experiments.metrics import analyse  # noqa: F401
    from experiments.runner import run_scenario  # noqa: F401
    from scenarios.build import build

    numba.set_num_threads(1)
    sim = build(scenarios.load(room), seed=0).simulation
    sim.step(1)
    return os.getpid()


def _plan(folder: Path, *, runs: int, agents: int, duration: float):
    from experiments.sweep import load_spec, plan_from_spec

    (folder / "room.toml").write_text(ROOM.format(agents=agents, duration=duration))
    spec = folder / "sweep.toml"
    spec.write_text(SWEEP.format(replicates=max(1, runs // 2)))
    return plan_from_spec(load_spec(spec), source=spec)


def _timed(plan, out: Path, executor, repeat: int) -> tuple[float, int, float]:
    """Best wall time of ``repeat`` sweeps, runs, and the mean time of one run in its worker
    (of the best sweep). The best of several is the machine's capability; the others were
    slowed down by whatever else ran."""
    from experiments.sweep import run_sweep

    best: tuple[float, int, float] | None = None
    for k in range(repeat):
        t0 = time.perf_counter()
        result = run_sweep(plan, out_dir=out / str(k), executor=executor)
        wall = time.perf_counter() - t0
        bad = [r for r in result.rows if r["status"] != "ok"]
        if bad:
            raise SystemExit(f"{len(bad)} runs failed, e.g. {bad[0]['error']}")
        per_run = sum(r["wall_s"] for r in result.rows) / len(result.rows)
        if best is None or wall < best[0]:
            best = (wall, len(result.rows), per_run)
    assert best is not None
    return best


def _pool(n: int, room: str) -> tuple[cf.ProcessPoolExecutor, float]:
    t0 = time.perf_counter()
    pool = cf.ProcessPoolExecutor(max_workers=n, mp_context=get_context("spawn"))
    pids = set()
    while len(pids) < n:  # every worker started and warm
        pids |= {f.result() for f in [pool.submit(warm, room) for _ in range(n)]}
    return pool, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--runs", type=int, default=16, help="runs per measurement (default 16)")
    p.add_argument("--agents", type=int, default=60, help="people per run (default 60)")
    p.add_argument("--duration", type=float, default=60.0, help="time limit per run (s)")
    p.add_argument("--repeat", type=int, default=3, help="sweeps per executor; the best counts")
    p.add_argument("--dask", action="store_true", help="also a Dask LocalCluster of 2 workers")
    p.add_argument("--smoke", action="store_true", help="4 runs of 10 people: a quick check")
    args = p.parse_args(argv)
    if args.smoke:
        args.runs, args.agents, args.duration, args.repeat = 4, 10, 15.0, 1

    with tempfile.TemporaryDirectory(prefix="crowdsafe-throughput-") as tmp:
        folder = Path(tmp)
        plan = _plan(folder, runs=args.runs, agents=args.agents, duration=args.duration)
        room = str(folder / "room.toml")
        warm(room)  # fills numba's and the floor fields' disk caches once
        print(
            f"sweep: {len(plan.runs())} runs of {args.agents} people, ≤ {args.duration:g} s"
            f" simulated, best of {args.repeat}; {os.cpu_count()} cores; load average before:"
            f" {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        print(
            f"{'executor':<28} {'start s':>8} {'runs':>5} {'wall s':>8} {'s/run':>6}"
            f" {'runs/min':>9} {'×':>6}"
        )
        results = {}
        for n in (1, 2):
            pool, start = _pool(n, room)
            with pool:
                wall, runs, per_run = _timed(plan, folder / f"pool{n}", pool, args.repeat)
            results[n] = runs / wall
            speedup = results[n] / results[1]
            print(
                f"{f'{n} worker process' + ('es' if n > 1 else ''):<28} {start:>8.2f} {runs:>5}"
                f" {wall:>8.2f} {per_run:>6.2f} {60 * runs / wall:>9.1f} {speedup:>6.2f}"
            )
        if args.dask:
            try:
                from distributed import Client, LocalCluster
            except ImportError:
                print("dask: not installed (pip install 'crowdsafe[dask]')")
            else:
                t0 = time.perf_counter()
                with (
                    LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                 dashboard_address=None, worker_dashboard_address=None) as cluster,
                    Client(cluster) as client,
                ):  # fmt: skip
                    client.run(warm, room)
                    start = time.perf_counter() - t0
                    ex = client.get_executor(pure=False)
                    wall, runs, per_run = _timed(plan, folder / "dask", ex, args.repeat)
                print(
                    f"{'Dask LocalCluster, 2 workers':<28} {start:>8.2f} {runs:>5} {wall:>8.2f}"
                    f" {per_run:>6.2f} {60 * runs / wall:>9.1f} {runs / wall / results[1]:>6.2f}"
                )
        print(
            f"2 workers vs 1: {results[2] / results[1]:.2f}× (target ≥ 1.8×); load average after:"
            f" {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
            "s/run: mean time of one run inside its worker; if it grows with the workers, they are"
            " short of cores"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
