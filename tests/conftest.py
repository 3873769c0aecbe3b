"""Shared test configuration: hypothesis profiles and a one-off warm-up of the numba kernels.

Hypothesis profiles (choose with ``HYPOTHESIS_PROFILE=<name>``):

* ``dev`` (default): 30 examples per property, no deadline (the first call of a numba kernel
  compiles or loads it from the disk cache, which blows hypothesis' default 200 ms deadline).
* ``ci``: the same budget, derandomised so that CI runs are reproducible, with the failing
  example's blob printed for ``@reproduce_failure``.
* ``thorough``: 300 examples per property, for a nightly or pre-release run.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from shapely.geometry import box

_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("dev", max_examples=30, **_COMMON)
settings.register_profile("ci", max_examples=30, derandomize=True, print_blob=True, **_COMMON)
settings.register_profile("thorough", max_examples=300, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session", autouse=True)
def warm_kernels() -> None:
    """Compile (or load from the cache) every kernel once, before any timed or property test.

    The suite runs the parallel kernels on one numba thread: results do not depend on the
    thread count (``test_results_do_not_depend_on_the_thread_count`` checks 1 against 2 threads
    byte for byte), and the small crowds of the tests step 10–40× faster without the fork/join
    of every parallel loop, more still on a busy machine. Set ``CROWDSAFE_TEST_THREADS`` to run
    them on more threads.
    """
    import numba

    import simcore

    numba.set_num_threads(
        min(int(os.environ.get("CROWDSAFE_TEST_THREADS", "1")), numba.config.NUMBA_NUM_THREADS)
    )
    from simcore.kernels.exits import exit_containing
    from simcore.kernels.grid import build_cell_list
    from simcore.kernels.navigation import desired_direction
    from simcore.kernels.social import pair_force
    from simcore.kernels.walls import crosses_wall, wall_force

    world = simcore.World.build(
        walkable=box(0.0, 0.0, 4.0, 3.0),
        exits=[("e", box(3.0, 1.0, 4.0, 2.0))],
        wall_cutoff_m=0.3 + 8 * 0.08 + 0.05,
    )
    crowd = simcore.Crowd.create(
        pos=np.array([[1.0, 1.5], [1.6, 1.5]]),
        radius=0.25,
        v0=1.3,
        t_start=0.0,
        params=simcore.NORMAL,
    )
    sim = simcore.Simulation(
        world=world,
        crowd=crowd,
        dt_s=0.01,
        wall_A_N=simcore.NORMAL.wall_A_N,
        wall_B_m=simcore.NORMAL.wall_B_m,
    )
    sim.choose_exits()
    sim.step(2)
    pair_force(
        0.5, 0.0, 0.5, 0.0, 0.0, 0.5, 2000.0, 0.08, 0.5, 1.0, 0.0, True, 1.2e5, 2.4e5, 40.0, 0.01
    )
    items = np.arange(len(world.segments), dtype=np.int64)
    wall_force(
        0.3, 1.0, 0.0, 0.0, 0.25, True, 2000.0, 0.08, 1.2e5, 2.4e5, 80.0, 0.01, 1.0,
        world.segments, world.seg_prev, world.seg_next, items, 0, len(items),
    )  # fmt: skip
    crosses_wall(1.0, 1.0, 1.1, 1.0, world.segments, items, 0, len(items))
    desired_direction(
        1.0, 1.0, world.nav.direction, 0, world.nav.x0, world.nav.y0, 1.0 / world.nav.h
    )
    exit_containing(
        3.5, 1.5, world.exit_bbox, world.exit_ring_start, world.exit_ring, world.exit_ring_exit,
        np.ones(1, dtype=bool),
    )  # fmt: skip
    n = 3
    build_cell_list(
        np.zeros((n, 2)), np.ones(n, dtype=bool), 0.0, 0.0, 1.0, 2, 2,
        np.empty(n, np.int64), np.empty(5, np.int64), np.empty(n, np.int64),
    )  # fmt: skip
