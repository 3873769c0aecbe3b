"""Statistics for replicated runs: means with confidence intervals, differences and their tests.

Replicates of a stochastic simulation are independent draws, so the textbook tools apply:

* the mean of each layout with a Student-t confidence interval;
* the difference of two layouts' means with Welch's t-test and its confidence interval
  (unequal variances; ``scipy.stats.ttest_ind(equal_var=False)``), or, for replicates run with
  common random numbers (the same seeds on both sides), the paired t-test
  (``scipy.stats.ttest_rel``), which removes the variance the two layouts share.

Runs where a quantity is undefined (T100 of a run that did not clear) are left out and counted.
Two constant samples (every replicate the same, e.g. no time above 5/m² on either side) give an
exact answer: no difference if equal (p = 1), a certain one otherwise (p = 0).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["CONFIDENCE", "Difference", "Estimate", "compare_samples", "mean_ci", "mean_ci_curve"]

CONFIDENCE = 0.95
#: Two-sided significance level.
ALPHA = 0.05


@dataclass(frozen=True)
class Estimate:
    """A sample mean with its confidence interval.

    Attributes:
        mean, low, high: the mean and the bounds of its CI (NaN if undefined).
        n: values used. missing: values left out (undefined in those runs).
    """

    mean: float
    low: float
    high: float
    n: int
    missing: int = 0


@dataclass(frozen=True)
class Difference:
    """B − A for one quantity.

    Attributes:
        a, b: each side's estimate. diff, low, high: difference of means and its CI.
        p_value: two-sided p-value (NaN if it cannot be computed, e.g. one value per side).
        test: the test used ("welch", "paired", "exact" or "none").
    """

    a: Estimate
    b: Estimate
    diff: float
    low: float
    high: float
    p_value: float
    test: str

    @property
    def significant(self) -> bool:
        """p < 0.05."""
        return bool(np.isfinite(self.p_value) and self.p_value < ALPHA)


def _clean(x: Sequence[float | None] | np.ndarray) -> tuple[np.ndarray, int]:
    arr = np.array([np.nan if v is None else float(v) for v in x], dtype=np.float64)
    ok = np.isfinite(arr)
    return arr[ok], int((~ok).sum())


def mean_ci(x: Sequence[float | None] | np.ndarray, *, confidence: float = CONFIDENCE) -> Estimate:
    """Mean and Student-t confidence interval of the finite values of ``x``."""
    v, missing = _clean(x)
    n = v.size
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, missing)
    m = float(v.mean())
    if n == 1:
        return Estimate(m, math.nan, math.nan, 1, missing)
    se = float(v.std(ddof=1) / math.sqrt(n))
    if se == 0.0:
        return Estimate(m, m, m, n, missing)
    h = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * se)
    return Estimate(m, m - h, m + h, n, missing)


def compare_samples(
    a: Sequence[float | None] | np.ndarray,
    b: Sequence[float | None] | np.ndarray,
    *,
    paired: bool = False,
    confidence: float = CONFIDENCE,
) -> Difference:
    """Difference of means B − A with its confidence interval and a two-sided test.

    Args:
        a, b: the replicates of each side (None/NaN for undefined values).
        paired: the i-th values of ``a`` and ``b`` share a seed (common random numbers); pairs
            with an undefined side are dropped.
    """
    ea, eb = mean_ci(a, confidence=confidence), mean_ci(b, confidence=confidence)
    if paired:
        xa = np.array([np.nan if v is None else float(v) for v in a], dtype=np.float64)
        xb = np.array([np.nan if v is None else float(v) for v in b], dtype=np.float64)
        if xa.size != xb.size:
            raise ValueError("paired samples must have the same length")
        ok = np.isfinite(xa) & np.isfinite(xb)
        va, vb = xa[ok], xb[ok]
    else:
        va, _ = _clean(a)
        vb, _ = _clean(b)
    if va.size == 0 or vb.size == 0:
        return Difference(ea, eb, math.nan, math.nan, math.nan, math.nan, "none")
    diff = float(vb.mean() - va.mean())
    if paired:
        d = vb - va
        if d.size < 2 or np.ptp(d) == 0.0:
            return _exact(ea, eb, diff, d.size >= 2)
        with warnings.catch_warnings():  # near-identical samples: the result is still right
            warnings.simplefilter("ignore", RuntimeWarning)
            res = stats.ttest_rel(vb, va)
            ci = res.confidence_interval(confidence)
        return Difference(ea, eb, diff, float(ci.low), float(ci.high), float(res.pvalue), "paired")
    if va.size < 2 or vb.size < 2:
        return Difference(ea, eb, diff, math.nan, math.nan, math.nan, "none")
    if np.ptp(va) == 0.0 and np.ptp(vb) == 0.0:
        return _exact(ea, eb, diff, True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.ttest_ind(vb, va, equal_var=False)
        ci = res.confidence_interval(confidence)
    return Difference(ea, eb, diff, float(ci.low), float(ci.high), float(res.pvalue), "welch")


def _exact(ea: Estimate, eb: Estimate, diff: float, enough: bool) -> Difference:
    if not enough:
        return Difference(ea, eb, diff, math.nan, math.nan, math.nan, "none")
    return Difference(ea, eb, diff, diff, diff, 1.0 if diff == 0.0 else 0.0, "exact")


def mean_ci_curve(
    curves: np.ndarray, *, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pointwise mean and t confidence band of replicate curves.

    Args:
        curves: (replicates, points).

    Returns:
        ``(mean, low, high)`` of shape (points,); the band is the mean itself with one replicate.
    """
    curves = np.asarray(curves, dtype=np.float64)
    n = curves.shape[0]
    mean = curves.mean(axis=0)
    if n < 2:
        return mean, mean.copy(), mean.copy()
    h = stats.t.ppf(0.5 + confidence / 2, n - 1) * curves.std(axis=0, ddof=1) / math.sqrt(n)
    return mean, mean - h, mean + h
