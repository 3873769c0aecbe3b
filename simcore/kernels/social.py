"""Agent–agent forces of the social-force model.

Helbing, Farkas & Vicsek (2000), "Simulating dynamical features of escape panic", Nature 407:487,
eq. (2):

    f_ij = {A_i exp[(r_ij − d_ij)/B_i] + k g(r_ij − d_ij)} n_ij + κ g(r_ij − d_ij) Δv_ji^t t_ij

with r_ij = r_i + r_j, d_ij the centre distance, n_ij the unit vector from j to i, t_ij = (−n_y, n_x),
Δv_ji^t = (v_j − v_i)·t_ij and g(x) = max(x, 0).

Anisotropy (Helbing & Molnár 1995, Phys. Rev. E 51:4282, eq. 7; in the "circular" form of Helbing et al.
2005 and Johansson, Helbing & Shukla 2007, Adv. Complex Syst. 10:271, eq. 3): the socio-psychological
term only is weighted by w = λ + (1 − λ)(1 + cos φ_ij)/2, φ_ij being the angle between agent i's desired
direction and the direction to j, so people react less to those behind them. The physical terms
(body compression k, sliding friction κ) are symmetric, so they obey Newton's third law exactly.

Contact constants of a pair are the means of the two agents' constants. The sliding-friction
impulse of one step is limited to what stops the pair's relative tangential motion (reduced mass ×
|Δv_t| / dt): an explicit step of the stiff friction term can otherwise reverse the relative motion
and blow up at high compression; below that limit the term is exactly Helbing's.
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True, nogil=True, inline="always")
def pair_force(
    dx: float,
    dy: float,
    d: float,
    dvx: float,
    dvy: float,
    r_ij: float,
    a_i: float,
    b_i: float,
    lam_i: float,
    ex_i: float,
    ey_i: float,
    social: bool,
    k_ij: float,
    kappa_ij: float,
    m_red: float,
    dt: float,
) -> tuple[float, float]:
    """Force on agent i from agent j (N).

    Args:
        dx, dy: x_i − x_j (m); d: their norm (m, > 0).
        dvx, dvy: v_j − v_i (m/s).
        r_ij: sum of radii (m).
        a_i, b_i, lam_i: agent i's social strength A (N), range B (m), anisotropy λ.
        ex_i, ey_i: agent i's desired direction (unit vector).
        social: whether the socio-psychological term acts on i (not while i waits).
        k_ij, kappa_ij: pair body-compression (kg/s²) and sliding-friction (kg/(m·s)) constants.
        m_red: reduced mass of the pair (kg); dt: time step (s).
    """
    nx = dx / d
    ny = dy / d
    fx = 0.0
    fy = 0.0
    overlap = r_ij - d
    if social:
        # cos φ = e_i · (x_j − x_i)/d = −e_i · n_ij
        cos_phi = -(ex_i * nx + ey_i * ny)
        w = lam_i + (1.0 - lam_i) * 0.5 * (1.0 + cos_phi)
        rep = a_i * math.exp(overlap / b_i) * w
        fx += rep * nx
        fy += rep * ny
    if overlap > 0.0:
        body = k_ij * overlap
        fx += body * nx
        fy += body * ny
        tx = -ny
        ty = nx
        dvt = dvx * tx + dvy * ty
        ft = kappa_ij * overlap * dvt
        limit = m_red * abs(dvt) / dt
        if ft > limit:
            ft = limit
        elif ft < -limit:
            ft = -limit
        fx += ft * tx
        fy += ft * ty
    return fx, fy
