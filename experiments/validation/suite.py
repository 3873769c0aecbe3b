"""Run the validation cases (sequentially or on a process pool) and check their numerical health."""

from __future__ import annotations

import json
import multiprocessing
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .core import REPEAT_S, Case, CaseResult, Context, Health, half_step_dt, rel_change
from .registry import CASES, select

__all__ = ["SuiteResult", "run_suite"]


@dataclass(frozen=True)
class SuiteResult:
    """The suite's results, in registry order, and its cost.

    Attributes:
        results: one per case run. quick: the reduced suite. wall_s: wall-clock time (s).
        report: the Markdown report written (None if none was asked for).
    """

    results: tuple[CaseResult, ...]
    quick: bool
    wall_s: float
    report: Path | None = None

    @property
    def by_id(self) -> dict[str, CaseResult]:
        """Results keyed by case id."""
        return {r.case_id: r for r in self.results}


def _health(ctx: Context, case: Case, outcome, keys: list[str]) -> Health:
    runs = [ctx.get(k) for k in keys]
    checks = [r.health() for r in runs]
    base = dict(
        runs=len(runs),
        conserved=all(h.conserved for h in checks),
        finite=all(h.finite for h in checks),
        on_floor=all(h.on_floor for h in checks),
    )
    spec = outcome.health
    if spec is None:
        return Health(**base)
    run = ctx.get(spec.run_key)
    again = ctx.run(f"{spec.run_key}--repeat", run.scenario, seed=run.seed, duration_s=REPEAT_S)
    dt_half = half_step_dt(run)
    runs = [run, *(ctx.get(k) for k in spec.more_keys)]
    halves = [ctx.run(f"{r.key}--half-dt", r.scenario, seed=r.seed, dt_s=dt_half) for r in runs]
    for extra in (again, *halves):
        h = extra.health()
        base["runs"] += 1
        base["conserved"] &= h.conserved
        base["finite"] &= h.finite
        base["on_floor"] &= h.on_floor
    m = float(np.mean([spec.metric(r) for r in runs]))
    m_half = float(np.mean([spec.metric(r) for r in halves]))
    name = spec.metric_name + (f", mean of {len(runs)} seeds" if len(runs) > 1 else "")
    return Health(
        **base,
        deterministic=run.digest(until_s=REPEAT_S) == again.digest(until_s=REPEAT_S),
        metric_name=name,
        metric=m,
        metric_half_dt=m_half,
        dt_s=run.dt_phys_s,
        dt_half_s=halves[0].dt_phys_s,
        rel_change=rel_change(m, m_half),
        rel_tol=spec.rel_tol,
    )


def _run_group(
    cases: Sequence[Case], *, out_dir: Path, runs_dir: Path, quick: bool, keep_runs: bool
) -> list[CaseResult]:
    """Run a group of cases in one context (they share runs).

    The kernels run on one numba thread: the validation runs are small, and on a loaded machine
    the synchronisation of a thread team costs more than it saves (measured 17× slower for 20
    agents on two busy cores); parallelism comes from running groups in worker processes.
    """
    import numba

    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    ctx = Context(out_dir=out_dir, runs_dir=runs_dir, quick=quick)
    results = []
    try:
        for case in cases:
            t0 = time.perf_counter()
            ctx.begin(case.id)
            try:
                outcome = case.analyse(ctx)
                health = _health(ctx, case, outcome, ctx.used[case.id])
                results.append(
                    CaseResult(
                        case_id=case.id,
                        passed=bool(outcome.passed),
                        measured=outcome.measured,
                        details=outcome.details,
                        figure=None
                        if outcome.figure is None
                        else outcome.figure.relative_to(out_dir).as_posix(),
                        values=outcome.values,
                        health=health,
                        wall_s=time.perf_counter() - t0,
                    )
                )
            except Exception as exc:  # a broken case is reported, the others still run
                results.append(
                    CaseResult(
                        case_id=case.id,
                        passed=False,
                        measured=f"error: {exc}",
                        details="```\n" + traceback.format_exc() + "```",
                        figure=None,
                        values={},
                        health=Health(runs=0, conserved=True, finite=True, on_floor=True),
                        wall_s=time.perf_counter() - t0,
                        error=f"{type(exc).__name__}: {exc}",
                    )
                )
    finally:
        numba.set_num_threads(threads)
        if not keep_runs:
            ctx.discard()
    return results


def run_suite(
    *,
    out_dir: Path,
    quick: bool = False,
    only: Sequence[str] | None = None,
    jobs: int = 1,
    runs_dir: Path | None = None,
    executor: Executor | None = None,
    progress: Callable[[CaseResult], None] | None = None,
    write_report: bool = True,
) -> SuiteResult:
    """Run the validation suite and write its report.

    Args:
        out_dir: report directory (``report.md``, ``report.html``, ``results.json``, ``figures/``).
        quick: the reduced suite (cases marked quick, in their reduced form).
        only: case ids (or prefixes such as ``rimea``) to run instead of all.
        jobs: worker processes (1: here, sequentially); groups of cases are the unit of work.
        runs_dir: keep the run directories there (default: a temporary directory, deleted).
        executor: an executor to use instead of a process pool of ``jobs`` workers.
        progress: called with each case's result as it arrives.
        write_report: write the Markdown and HTML report.
    """
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cases = select(quick=quick, only=only)
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(case.group or case.id, []).append(case)
    # costliest first, so that parallel workers finish at about the same time
    groups = dict(sorted(groups.items(), key=lambda kv: -sum(c.cost for c in kv[1])))
    keep = runs_dir is not None
    tmp = None if keep else tempfile.TemporaryDirectory(prefix="crowdsafe-validate-")
    base = Path(runs_dir) if keep else Path(tmp.name)
    results: list[CaseResult] = []
    try:
        kwargs = dict(out_dir=out_dir, quick=quick, keep_runs=keep)
        if executor is None and jobs <= 1:
            for name, group in groups.items():
                for r in _run_group(group, runs_dir=base / name, **kwargs):
                    results.append(r)
                    if progress:
                        progress(r)
        else:
            own = executor is None
            # spawn, not fork: a process that already ran numba's OpenMP threads must not fork
            pool = executor or ProcessPoolExecutor(
                max_workers=jobs, mp_context=multiprocessing.get_context("spawn")
            )
            try:
                futures = [
                    pool.submit(_run_group, group, runs_dir=base / name, **kwargs)
                    for name, group in groups.items()
                ]
                for fut in as_completed(futures):
                    for r in fut.result():
                        results.append(r)
                        if progress:
                            progress(r)
            finally:
                if own:
                    pool.shutdown()
    finally:
        if tmp is not None:
            tmp.cleanup()
    order = {c.id: k for k, c in enumerate(CASES)}
    results.sort(key=lambda r: order[r.case_id])
    suite = SuiteResult(results=tuple(results), quick=quick, wall_s=time.perf_counter() - t0)
    (out_dir / "results.json").write_text(
        json.dumps(
            {
                "quick": quick,
                "wall_s": round(suite.wall_s, 1),
                "cases": [
                    {**asdict(r), "ok": r.ok, "health_ok": r.health.ok} for r in suite.results
                ],
            },
            indent=1,
            default=float,
        )
        + "\n",
        encoding="utf-8",
    )
    if write_report:
        from .report import write_report as _write

        return SuiteResult(
            results=suite.results,
            quick=quick,
            wall_s=suite.wall_s,
            report=_write(suite, out_dir=out_dir),
        )
    return suite
