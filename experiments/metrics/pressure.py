"""Crowd pressure P = ρ · Var(V) (Helbing, Johansson & Al-Abideen 2007, Phys. Rev. E 75:046109).

The local density and the local velocity field are Gaussian averages around each cell centre,
with the paper's weight f(d) = exp(−d²/R²) / (πR²), R = 0.7 m, computed for every recorded frame:

    ρ(r, t) = Σ_j f(r_j − r)                                 (persons/m²)
    V(r, t) = Σ_j f(r_j − r) v_j / Σ_j f(r_j − r)            (local velocity, m/s)

The "pressure" is the local density times the **temporal** variance of the local velocity over a
window (2 s by default), which measures velocity fluctuations — stop-and-go and turbulent
motion — rather than the steady convergence of a flow towards a door:

    U(r, t) = a(r) + b(r)·t   (ρ-weighted least squares over the window)
    Var(r)  = ⟨|V(r, t) − U(r, t)|²⟩_t                                           (m²/s²)
    P(r)    = ⟨ρ(r, t)⟩_t · Var(r)                                                (1/s²)

The local mean U is a linear trend rather than a constant so that a crowd accelerating from rest
at the start, or slowing down steadily, does not count as fluctuating.

The paper observed crowd turbulence, the precursor of the 2006 Mina disaster, where P exceeded
about 0.02 s⁻² (as recalled in ``validation-sources.md`` §6). That figure comes from video of a
very dense, slow crowd: use it as a flag, and compare layouts by the pressure itself. Velocities
are the frame-to-frame differences of :mod:`.frames`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .frames import Frame
from .grid import Grid

__all__ = [
    "CRITICAL_PRESSURE_PER_S2",
    "KERNEL_R_M",
    "PressureAccumulator",
    "PressureMaps",
]

KERNEL_R_M = 0.7
DEFAULT_WINDOW_S = 2.0
CRITICAL_PRESSURE_PER_S2 = 0.02


@dataclass(frozen=True)
class PressureMaps:
    """Crowd pressure over a run.

    Attributes:
        grid: the cells. window_s: pooling window (s). threshold_per_s2: the critical value.
        peak: (nx, ny) largest pressure per cell (1/s²).
        seconds_above: (nx, ny) seconds above the threshold per cell.
        times_s, max_series: start of each window (s) and the largest pressure in it.
        time_above_s: time during which some cell was above the threshold (s).
    """

    grid: Grid
    window_s: float
    threshold_per_s2: float
    peak: np.ndarray
    seconds_above: np.ndarray
    times_s: np.ndarray
    max_series: np.ndarray
    time_above_s: float

    @property
    def max_per_s2(self) -> float:
        return float(self.peak.max()) if self.peak.size else 0.0


@dataclass(eq=False)
class PressureAccumulator:
    """Accumulates :class:`PressureMaps` frame by frame (a frame consumer)."""

    grid: Grid
    fps: float
    window_s: float = DEFAULT_WINDOW_S
    radius_m: float = KERNEL_R_M
    threshold_per_s2: float = CRITICAL_PRESSURE_PER_S2
    result: PressureMaps | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        g = self.grid
        self._k = max(1, math.ceil(3.0 * self.radius_m / g.cell_m))
        off = np.arange(-self._k, self._k + 1)
        self._ox, self._oy = (a.ravel() for a in np.meshgrid(off, off, indexing="ij"))
        # over the window: Σρ, Σρt, Σρt², Σρ·Vx, Σρ·Vy, Σρt·Vx, Σρt·Vy, Σρ·|V|²
        self._s = np.zeros((8, g.nx * g.ny))
        self._frames_per_window = max(1, round(self.window_s * self.fps))
        self._n = 0
        self._t0 = 0.0
        self._peak = g.zeros()
        self._above = g.zeros()
        self._times: list[float] = []
        self._max: list[float] = []
        self._time_above = 0.0

    def add(self, frame: Frame) -> None:
        g = self.grid
        if self._n == 0:
            self._t0 = frame.time_s
        self._n += 1
        if frame.pos.shape[0]:
            ix, iy, _ = g.cell_of(frame.pos)
            cx = ix[:, None] + self._ox[None, :]
            cy = iy[:, None] + self._oy[None, :]
            ok = (cx >= 0) & (cx < g.nx) & (cy >= 0) & (cy < g.ny)
            dx = g.x0 + (cx + 0.5) * g.cell_m - frame.pos[:, 0, None]
            dy = g.y0 + (cy + 0.5) * g.cell_m - frame.pos[:, 1, None]
            w = np.exp(-(dx * dx + dy * dy) / self.radius_m**2) / (math.pi * self.radius_m**2)
            w = np.where(ok, w, 0.0)
            flat = np.where(ok, cx * g.ny + cy, 0).ravel()
            v = frame.vel
            size = g.nx * g.ny
            rho = np.bincount(flat, w.ravel(), size)
            mx = np.bincount(flat, (w * v[:, 0, None]).ravel(), size)
            my = np.bincount(flat, (w * v[:, 1, None]).ravel(), size)
            with np.errstate(invalid="ignore", divide="ignore"):
                vx = np.where(rho > 1e-12, mx / rho, 0.0)
                vy = np.where(rho > 1e-12, my / rho, 0.0)
            t = float(self._n - 1)  # time in frames since the window started
            self._s[0] += rho
            self._s[1] += rho * t
            self._s[2] += rho * t * t
            self._s[3] += rho * vx
            self._s[4] += rho * vy
            self._s[5] += rho * t * vx
            self._s[6] += rho * t * vy
            self._s[7] += rho * (vx * vx + vy * vy)
        if self._n == self._frames_per_window:
            self._close_window()

    def _close_window(self) -> None:
        s0, st, stt, sx, sy, stx, sty, s2 = self._s
        with np.errstate(invalid="ignore", divide="ignore"):
            ok = s0 > 1e-9
            mt, mx, my = st / s0, sx / s0, sy / s0
            var_t = stt / s0 - mt * mt
            cov_x, cov_y = stx / s0 - mt * mx, sty / s0 - mt * my
            var = s2 / s0 - mx * mx - my * my
            trend = np.where(var_t > 1e-12, (cov_x * cov_x + cov_y * cov_y) / var_t, 0.0)
            var = np.where(ok, np.maximum(var - trend, 0.0), 0.0)
        p = (s0 / self._n * var).reshape(self.grid.shape)
        duration = self._n / self.fps
        np.maximum(self._peak, p, out=self._peak)
        over = p > self.threshold_per_s2
        self._above += over * duration
        if over.any():
            self._time_above += duration
        self._times.append(self._t0)
        self._max.append(float(p.max()) if p.size else 0.0)
        self._s[:] = 0.0
        self._n = 0

    def finish(self) -> None:
        if self._n:
            self._close_window()
        self.result = PressureMaps(
            grid=self.grid,
            window_s=self._frames_per_window / self.fps,
            threshold_per_s2=self.threshold_per_s2,
            peak=self._peak,
            seconds_above=self._above,
            times_s=np.asarray(self._times),
            max_series=np.asarray(self._max),
            time_above_s=self._time_above,
        )
