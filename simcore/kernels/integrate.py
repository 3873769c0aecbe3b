"""One or more social-force steps over the whole crowd: the engine's hot loop.

Equation of motion (Helbing, Farkas & Vicsek 2000, Nature 407:487, eq. 1):

    m_i dv_i/dt = m_i (v_i^0 e_i^0 − v_i)/τ_i + Σ_j f_ij + Σ_W f_iW

integrated with semi-implicit (symplectic) Euler: v ← v + a·dt, then x ← x + v·dt. The speed is
capped at v_i^max = max_speed_factor · v_i^0 (Helbing & Molnár 1995, Phys. Rev. E 51:4282, eq. 11).
A move that would cross or touch a wall segment is refused and the velocity component into the
wall removed, so no agent ever leaves the walkable area (a guarantee, not a hope: the soft wall
force alone cannot prevent tunnelling at high pressure).

An agent waiting out its premovement time (t < t_start) has desired velocity zero and feels no
socio-psychological repulsion: it stands where it is and only body contact can move it.

Every agent's force is summed over its neighbours in cell-list order, and every loop writes only its
own agent's entries, so the result does not depend on the number of threads.
"""

from __future__ import annotations

import math

from numba import njit, prange

from .exits import exit_containing
from .grid import build_cell_list, cell_of
from .navigation import desired_direction
from .social import pair_force
from .walls import crosses_wall, wall_force


@njit(cache=True, parallel=True, nogil=True)
def advance(
    pos,
    vel,
    active,
    evac_time,
    evac_exit,
    radius,
    v0,
    tau,
    mass,
    a_soc,
    b_soc,
    lam,
    k_body,
    kappa,
    vmax,
    t_start,
    target,
    agent_cell,
    cell_start,
    cell_order,
    gx0,
    gy0,
    inv_cell,
    gnx,
    gny,
    cutoff,
    seg,
    seg_prev,
    seg_next,
    w_start,
    w_items,
    wx0,
    wy0,
    w_inv_cell,
    wnx,
    wny,
    a_wall,
    b_wall,
    wall_cutoff,
    nav,
    nav_x0,
    nav_y0,
    nav_inv_h,
    ex_bbox,
    ex_ring_start,
    ex_ring,
    ex_open,
    exit_near,
    step0,
    t0,
    dt,
    n_steps,
    route_every,
    acc,
    edir,
):
    """Advance the crowd by up to ``n_steps`` steps of ``dt`` seconds from time ``t0``.

    State arrays (mutated in place; float64 unless noted, N agents):
        pos, vel: (N, 2) m and m/s. active: (N,) bool. evac_time: (N,) s (set on evacuation).
        evac_exit: (N,) int64 exit index (set on evacuation).
    Per-agent constants: radius (m), v0 (m/s), tau (s), mass (kg), a_soc (N), b_soc (m), lam (-),
        k_body (kg/s²), kappa (kg/(m·s)), vmax (m/s), t_start (s, end of premovement),
        target (int64 exit index of the agent's floor field).
    Neighbour grid: agent_cell (N,) int64, cell_start (gnx·gny + 1,) int64, cell_order (N,) int64
        scratch; origin gx0, gy0 (m), inv_cell (1/m, cell ≥ cutoff), gnx, gny; cutoff (m).
    Walls: seg (S, 4), seg_prev, seg_next (S,) int64; wall grid w_start (wnx·wny + 1,) and
        w_items int64 (segments within wall_cutoff of each cell); origin wx0, wy0, w_inv_cell, wnx,
        wny; a_wall (N), b_wall (m), wall_cutoff (m).
    Navigation: nav (E, ny, nx, 2) float32 unit directions on nodes nav_x0 + i/nav_inv_h, ….
    Exits: ex_bbox (E, 4), ex_ring_start (E + 1,), ex_ring (V, 2), ex_open (E,) bool;
        exit_near (wnx·wny,) bool marks the wall cells within reach of an exit area.
    Time: the first step is global step ``step0`` at time ``t0`` (s); steps of ``dt`` (s).
    Route: desired directions are re-read from the floor field every ``route_every`` global
        steps (and at once when an agent starts walking); edir (N, 2) holds them between calls.
    Scratch: acc (N, 2).

    Returns:
        Number of steps done: fewer than ``n_steps`` only when no agent is left.
    """
    for step in range(n_steps):
        t = t0 + step * dt
        n_active = build_cell_list(
            pos, active, gx0, gy0, inv_cell, gnx, gny, agent_cell, cell_start, cell_order
        )
        if n_active == 0:
            return step
        reroute = (step0 + step) % route_every == 0
        # visit agents in cell order: neighbours, walls and floor-field nodes of consecutive
        # agents are then close in memory (the agents' own order is arbitrary)
        for q_i in prange(n_active):
            i = cell_order[q_i]
            xi = pos[i, 0]
            yi = pos[i, 1]
            vxi = vel[i, 0]
            vyi = vel[i, 1]
            mi = mass[i]
            ri = radius[i]
            moving = t >= t_start[i]
            ex = 0.0
            ey = 0.0
            if moving:
                ex = edir[i, 0]
                ey = edir[i, 1]
                if reroute or (ex == 0.0 and ey == 0.0):
                    ex, ey = desired_direction(xi, yi, nav, target[i], nav_x0, nav_y0, nav_inv_h)
            edir[i, 0] = ex
            edir[i, 1] = ey
            vdes = v0[i] if moving else 0.0
            fx = mi * (vdes * ex - vxi) / tau[i]
            fy = mi * (vdes * ey - vyi) / tau[i]
            c = agent_cell[i]
            cx = c % gnx
            cy = c // gnx
            for ny_ in range(max(cy - 1, 0), min(cy + 2, gny)):
                for nx_ in range(max(cx - 1, 0), min(cx + 2, gnx)):
                    cc = ny_ * gnx + nx_
                    for q in range(cell_start[cc], cell_start[cc + 1]):
                        j = cell_order[q]
                        if j == i:
                            continue
                        dx = xi - pos[j, 0]
                        dy = yi - pos[j, 1]
                        d2 = dx * dx + dy * dy
                        if d2 >= cutoff * cutoff:
                            continue
                        d = math.sqrt(d2)
                        if d < 1e-12:
                            # coincident centres: push apart along x, by index order
                            dx = 1.0 if i < j else -1.0
                            dy = 0.0
                            d = 1e-12
                            dx *= d
                        mj = mass[j]
                        gx, gy = pair_force(
                            dx,
                            dy,
                            d,
                            vel[j, 0] - vxi,
                            vel[j, 1] - vyi,
                            ri + radius[j],
                            a_soc[i],
                            b_soc[i],
                            lam[i],
                            ex,
                            ey,
                            moving,
                            0.5 * (k_body[i] + k_body[j]),
                            0.5 * (kappa[i] + kappa[j]),
                            mi * mj / (mi + mj),
                            dt,
                        )
                        fx += gx
                        fy += gy
            wc = cell_of(xi, yi, wx0, wy0, w_inv_cell, wnx, wny)
            gx, gy = wall_force(
                xi,
                yi,
                vxi,
                vyi,
                ri,
                moving,
                a_wall,
                b_wall,
                k_body[i],
                kappa[i],
                mi,
                dt,
                wall_cutoff,
                seg,
                seg_prev,
                seg_next,
                w_items,
                w_start[wc],
                w_start[wc + 1],
            )
            acc[i, 0] = (fx + gx) / mi
            acc[i, 1] = (fy + gy) / mi
        for q_i in prange(n_active):
            i = cell_order[q_i]
            vx = vel[i, 0] + acc[i, 0] * dt
            vy = vel[i, 1] + acc[i, 1] * dt
            sp = math.sqrt(vx * vx + vy * vy)
            if sp > vmax[i]:
                vx *= vmax[i] / sp
                vy *= vmax[i] / sp
            x0 = pos[i, 0]
            y0 = pos[i, 1]
            x1 = x0 + vx * dt
            y1 = y0 + vy * dt
            wc = cell_of(x0, y0, wx0, wy0, w_inv_cell, wnx, wny)
            s = crosses_wall(x0, y0, x1, y1, seg, w_items, w_start[wc], w_start[wc + 1])
            if s >= 0:
                # refuse the move; keep only the velocity component along the wall
                ux = seg[s, 2] - seg[s, 0]
                uy = seg[s, 3] - seg[s, 1]
                ll = math.sqrt(ux * ux + uy * uy)
                if ll > 0.0:
                    ux /= ll
                    uy /= ll
                    vt = vx * ux + vy * uy
                    vx = vt * ux
                    vy = vt * uy
                else:
                    vx = 0.0
                    vy = 0.0
                # slide along the wall if that move is free, else stay
                x1 = x0 + vx * dt
                y1 = y0 + vy * dt
                if crosses_wall(x0, y0, x1, y1, seg, w_items, w_start[wc], w_start[wc + 1]) >= 0:
                    x1 = x0
                    y1 = y0
                    vx = 0.0
                    vy = 0.0
            pos[i, 0] = x1
            pos[i, 1] = y1
            vel[i, 0] = vx
            vel[i, 1] = vy
            if not exit_near[wc]:
                continue
            e = exit_containing(x1, y1, ex_bbox, ex_ring_start, ex_ring, ex_open)
            if e >= 0:
                active[i] = False
                evac_time[i] = t + dt
                evac_exit[i] = e
                vel[i, 0] = 0.0
                vel[i, 1] = 0.0
    return n_steps
