"""The room4 scaling benchmark (``shared/bench/SCENARIOS.md``): speed and memory of the engine.

For each N it prints, as the spec asks, the stepping loop alone (2000 steps of 0.01 s, exits assigned
to the nearest opening centre) — ``wall_s``, ``agent_steps_per_s``, ``evacuated``, ``setup_s``,
``jit_s``, ``rss_before_loop_mib``, ``peak_rss_mib``, ``cores_used_loop``, checkpoints — and then the
whole ``crowdsafe run`` of the same scenario in a fresh process (start-up, simulation and the full
run directory), which is the figure to compare with JuPedSim's 68 s loop at N = 10,000.

Each size runs in its own process so peak memory is per size. Usage::

    python benchmarks/room4.py                 # N = 1,000, 10,000, 50,000
    python benchmarks/room4.py --sizes 10000
    python benchmarks/room4.py --smoke         # N = 200, 100 steps: a check that it runs (CI)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Published checksums of the initial placement (positions then exit indices), SCENARIOS.md.
CHECKSUMS = {
    1000: "e7d67baf8d1137ae386e37e97a0ced8da15f2142b66c47c4b663f78dbb19302a",
    10000: "afb8a549f42e8cace046284682ec74217f19ba5449489b8ccaaa1dac76fc3da5",
    50000: "86b9db267b1f232bb2fedecdc2c60cb4bc39615934c766eaad8c8afcf3627db4",
}
#: JuPedSim 1.4.2 SocialForceModel loop on this kind of machine (SCENARIOS.md).
JUPEDSIM_LOOP_S = {1000: 4.2, 10000: 68.4, 50000: 464.0}


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def loop(n: int, steps: int) -> dict:
    """Measure the stepping loop on room4 with ``n`` agents (run in a child process)."""
    import numpy as np

    import scenarios
    from scenarios.bench import room4, room4_exit_indices
    from scenarios.build import build

    t0 = time.perf_counter()
    scenario = room4(n)
    built = build(scenario, seed=42)
    sim = built.simulation
    crowd = sim.crowd
    crowd.target[:] = room4_exit_indices(crowd.pos, n=n)
    digest = hashlib.sha256(crowd.pos.tobytes() + crowd.target.astype(np.int64).tobytes())
    setup_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    sim.step(0)  # compile, or load the kernels from numba's cache
    jit_s = time.perf_counter() - t1
    rss_before = _rss_mib()
    checkpoints = []
    c0 = os.times()
    t2 = time.perf_counter()
    # chunks of 100 steps: one kernel call per chunk keeps the worker threads hot (a call per
    # step would add the threads' wake-up latency, ~1 ms, to every step)
    for k in range(0, steps, 100):
        sim.step(min(100, steps - k))
        checkpoints.append((sim.steps, round(time.perf_counter() - t2, 3), sim.n_active))
    wall_s = time.perf_counter() - t2
    c1 = os.times()
    cpu = (c1.user + c1.system) - (c0.user + c0.system)
    # agents present at the start of each step: an agent evacuated at the end of step s (time
    # s·dt) was present for s steps; the others for all of them
    gone = np.isfinite(crowd.evac_time)
    agent_steps = int(np.rint(crowd.evac_time[gone] / sim.dt_s).sum()) + int((~gone).sum()) * steps
    return {
        "n": n,
        "placement_checksum_ok": CHECKSUMS.get(n) in (None, digest.hexdigest()),
        "setup_s": round(setup_s, 3),
        "jit_s": round(jit_s, 3),
        "substeps": sim.substeps,
        "wall_s": round(wall_s, 3),
        "agent_steps": agent_steps,
        "agent_steps_per_s": round(agent_steps / wall_s),
        "ns_per_agent_step_cpu": round(cpu / agent_steps * 1e9),
        "evacuated": n - sim.n_active,
        "rss_before_loop_mib": round(rss_before, 1),
        "peak_rss_mib": round(_rss_mib(), 1),
        "crowd_bytes_per_agent": round(crowd.nbytes() / n),
        "cores_used_loop": round(cpu / wall_s, 2),
        "checkpoints": checkpoints,
        "scenarios_version": scenarios.CURRENT_SCHEMA_VERSION,
    }


def whole_run(n: int) -> dict:
    """Time ``crowdsafe run`` of room4 with ``n`` agents in a fresh process."""
    from scenarios.bench import room4

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"room4-{n}.json"
        path.write_text(room4(n).model_dump_json())
        out = Path(tmp) / "run"
        cmd = [sys.executable, "-m", "experiments.cli", "run", str(path), "--out", str(out)]
        t0 = time.perf_counter()
        proc = subprocess.run(
            [*cmd, "--quiet"], capture_output=True, text=True, env=os.environ, check=False
        )
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            return {"n": n, "error": proc.stderr.strip()[-2000:]}
        summary = json.loads((out / "summary.json").read_text())
        size = (out / "trajectory.sqlite").stat().st_size
    return {
        "n": n,
        "crowdsafe_run_wall_s": round(wall, 2),
        "engine_wall_s": summary["wall_s"],
        "evacuated": summary["agents_evacuated"],
        "trajectory_mib": round(size / 2**20, 1),
        "speedup_vs_jupedsim_loop": round(JUPEDSIM_LOOP_S[n] / wall, 1)
        if n in JUPEDSIM_LOOP_S
        else None,
    }


def _child(kind: str, n: int, steps: int) -> dict:
    args = f"{n}, {steps}" if kind == "loop" else f"{n}"
    code = (
        f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
        f"import room4 as b; print(json.dumps(b.{kind}({args})))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=False
    )
    if proc.returncode != 0:
        return {"n": n, "error": proc.stderr.strip()[-2000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--smoke", action="store_true", help="N = 200, 100 steps, no whole run")
    ap.add_argument("--no-whole-run", action="store_true", help="measure the loop only")
    args = ap.parse_args()
    sizes, steps = ([200], 100) if args.smoke else (args.sizes, args.steps)
    failed = False
    for n in sizes:
        r = _child("loop", n, steps)
        failed |= "error" in r
        print(json.dumps(r))
        if "error" not in r:
            print(
                f"room4 N={n}: loop {r['wall_s']} s for {steps} steps, "
                f"{r['agent_steps_per_s'] / 1e6:.2f} M agent-steps/s "
                f"({r['ns_per_agent_step_cpu']} ns CPU each, {r['cores_used_loop']} cores), "
                f"{r['wall_s'] and steps * 0.01 / r['wall_s']:.2f} simulated s per wall s, "
                f"setup {r['setup_s']} s, JIT {r['jit_s']} s, evacuated {r['evacuated']}, "
                f"peak RSS {r['peak_rss_mib']} MiB, checksum "
                f"{'ok' if r['placement_checksum_ok'] else 'MISMATCH'}",
                flush=True,
            )
        if not (args.smoke or args.no_whole_run):
            w = _child("whole_run", n, steps)
            failed |= "error" in w
            print(json.dumps(w), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
