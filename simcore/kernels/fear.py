"""Perception of threats, fear with contagion, and threat-aware exit choice.

Each agent i has a fear level F_i in [0, 1] (shared reference "threat-models" §3.5, after the
ASCRIBE contagion model of Bosse et al. 2009 with proximity-based channels as in Tsai et al. 2011):

    F_i ← clip(F_i + Δt [κ_s S_i (1 − F_i) + γ_i (F*_i − F_i) − δ F_i 1(S_i = 0)], 0, 1)
    S_i  = Σ_k I_k exp(−d_ik/ℓ_s) · 1[(d_ik < R_vis,k ∧ LOS(i, k)) ∨ d_ik < R_aud,k]
    F*_i = Σ_j w_ij F_j / Σ_j w_ij,   w_ij = α exp(−d_ij/ℓ_c) g_ij 1(d_ij < R_c),   γ_i = o_i Σ_j w_ij

with o_i the agent's openness and g_ij a bonus for members of the same group. An agent that
perceives a threat starts moving after a reaction time even if its pre-movement time has not
elapsed, and re-chooses its exit among the allowed open ones by the cost T_e(x)(1 + β max(0, ê_e·û))
where ê_e is the direction to exit e and û the direction to the threat: exits that lead past the
threat look longer (it keeps its exit unless another is 10 % cheaper).

Parameters are the columns ``FP_*`` of the array ``fp``.
"""

from __future__ import annotations

import math

from numba import njit, prange

from .navigation import desired_direction, travel_time
from .threats import (
    FIREARM,
    HAZARD,
    KNIFE,
    TF_INTENSITY,
    TF_LENGTH,
    TF_R_AUD,
    TF_R_VIS,
    TF_REACH,
    TF_WIDTH,
    TI_KIND,
    TS_HX,
    TS_HY,
    TS_X,
    TS_Y,
    VEHICLE,
    hazard_radius,
    is_active,
    line_of_sight,
)

(
    FP_RISE,
    FP_DECAY,
    FP_ALPHA,
    FP_LC,
    FP_RC,
    FP_SPEED,
    FP_HERD,
    FP_FLEE,
    FP_REACT,
    FP_LS,
    FP_GROUP,
    FP_AVOID,
    FP_CRUSH_NPM,
    FP_CRUSH_TAU,
    FP_THREAT_A,
    FP_THREAT_B,
) = range(16)
FP_COLUMNS = 16


@njit(cache=True, parallel=True, nogil=True)
def perceive(
    tf,
    ti,
    ts,
    fp,
    pos,
    radius,
    active,
    harmed,
    fear,
    fear_new,
    flee,
    t_perceive,
    exposure,
    min_dist,
    t_start,
    target,
    openness,
    group,
    population,
    allowed,
    ex_open,
    agent_cell,
    cell_start,
    cell_order,
    n_active,
    gnx,
    gny,
    cell_m,
    wgrid,
    nav,
    travel,
    nav_x0,
    nav_y0,
    nav_inv_h,
    t,
    dt,
):
    """Update perception, fear, exposure and exit choice of every active agent over ``dt`` (s).

    Writes ``fear_new`` (the caller copies it into ``fear``), ``flee`` (N, 2) the direction away
    from the perceived threats scaled by the stimulus min(S_i, 1) (0 when none is perceived), and updates ``t_perceive``,
    ``exposure`` (s within a threat's harm reach and sight), ``min_dist`` (m), ``t_start`` and
    ``target`` in place. Each agent writes only its own entries.
    """
    n_threat = tf.shape[0]
    rc = fp[FP_RC]
    ring = int(math.ceil(rc / cell_m))
    for q in prange(n_active):
        i = cell_order[q]
        f = fear[i]
        if harmed[i]:
            fear_new[i] = f
            flee[i, 0] = 0.0
            flee[i, 1] = 0.0
            continue
        xi = pos[i, 0]
        yi = pos[i, 1]
        s_tot = 0.0
        ux = 0.0
        uy = 0.0
        for k in range(n_threat):
            if not is_active(tf, k, t):
                continue
            kind = ti[k, TI_KIND]
            dx = xi - ts[k, TS_X]
            dy = yi - ts[k, TS_Y]
            d = math.sqrt(dx * dx + dy * dy)
            d_eff = d
            if kind == HAZARD:
                d_eff = max(d - hazard_radius(tf, k, t), 0.0)
            elif kind == VEHICLE:
                # distance to the vehicle's body (an oriented rectangle)
                along = abs(dx * ts[k, TS_HX] + dy * ts[k, TS_HY]) - 0.5 * tf[k, TF_LENGTH]
                across = abs(-dx * ts[k, TS_HY] + dy * ts[k, TS_HX]) - 0.5 * tf[k, TF_WIDTH]
                d_eff = math.sqrt(max(along, 0.0) ** 2 + max(across, 0.0) ** 2)
            if d_eff < min_dist[i]:
                min_dist[i] = d_eff
            heard = d_eff < tf[k, TF_R_AUD]
            seen = False
            if d_eff < tf[k, TF_R_VIS]:
                seen = line_of_sight(ts[k, TS_X], ts[k, TS_Y], xi, yi, wgrid)
            if not (heard or seen):
                continue
            s = tf[k, TF_INTENSITY] * math.exp(-d_eff / fp[FP_LS])
            s_tot += s
            if d > 1e-9:
                ux += s * dx / d
                uy += s * dy / d
            reach = 0.0
            if kind == KNIFE:
                reach = tf[k, TF_REACH]
            elif kind == FIREARM or kind == VEHICLE:
                reach = tf[k, TF_R_VIS]
            if (seen and d_eff < reach) or (kind == HAZARD and d_eff <= 0.0):
                exposure[i] += dt
        un = math.sqrt(ux * ux + uy * uy)
        if s_tot > 0.0 and un > 0.0:
            # unit direction away from the threats, scaled by the stimulus (at most 1): a distant
            # threat bends the route less than a close one
            strength = min(s_tot, 1.0)
            flee[i, 0] = strength * ux / un
            flee[i, 1] = strength * uy / un
            if math.isnan(t_perceive[i]):
                t_perceive[i] = t
            if t + fp[FP_REACT] < t_start[i]:
                t_start[i] = t + fp[FP_REACT]
            # threat-aware exit choice: exits whose route leads towards the threat cost more
            p = population[i]
            cur = target[i]
            best = cur
            best_cost = 1e300
            cur_cost = 1e300
            for e in range(allowed.shape[1]):
                if not (allowed[p, e] and ex_open[e]):
                    continue
                tt = travel_time(xi, yi, travel, e, nav_x0, nav_y0, nav_inv_h)
                if not math.isfinite(tt):
                    continue
                ex, ey = desired_direction(xi, yi, nav, e, nav_x0, nav_y0, nav_inv_h)
                toward = -(ex * ux + ey * uy) / un
                cost = tt * (1.0 + fp[FP_AVOID] * max(toward, 0.0))
                if e == cur:
                    cur_cost = cost
                if cost < best_cost:
                    best_cost = cost
                    best = e
            if best != cur and best_cost < 0.9 * cur_cost:
                target[i] = best
        else:
            flee[i, 0] = 0.0
            flee[i, 1] = 0.0
        # contagion from neighbours within R_c
        c = agent_cell[i]
        cx = c % gnx
        cy = c // gnx
        w_sum = 0.0
        wf_sum = 0.0
        for ny_ in range(max(cy - ring, 0), min(cy + ring + 1, gny)):
            for nx_ in range(max(cx - ring, 0), min(cx + ring + 1, gnx)):
                cc = ny_ * gnx + nx_
                for qq in range(cell_start[cc], cell_start[cc + 1]):
                    j = cell_order[qq]
                    if j == i:
                        continue
                    d = math.sqrt((xi - pos[j, 0]) ** 2 + (yi - pos[j, 1]) ** 2)
                    if d >= rc:
                        continue
                    w = fp[FP_ALPHA] * math.exp(-d / fp[FP_LC])
                    if group[i] >= 0 and group[i] == group[j]:
                        w *= fp[FP_GROUP]
                    w_sum += w
                    wf_sum += w * fear[j]
        rate = fp[FP_RISE] * s_tot * (1.0 - f)
        if w_sum > 0.0:
            rate += openness[i] * w_sum * (wf_sum / w_sum - f)
        if s_tot == 0.0:
            rate -= fp[FP_DECAY] * f
        fear_new[i] = min(max(f + dt * rate, 0.0), 1.0)
