"""Compare two layouts: replicated runs, every metric's difference with its uncertainty, a verdict.

Each side is a scenario file (run ``--replicates`` times here, through the sweep machinery, so a
comparison resumes like a sweep and runs on the same executors) or the output of an earlier
``crowdsafe sweep`` / ``compare``: a sweep directory, optionally narrowed to one parameter point
with ``DIR::name=value[,name=value]`` (e.g. ``out::variant=rail-moved``).

For every metric both sides have, :func:`experiments.stats.compare_samples` gives each side's mean
with a 95 % confidence interval, the difference B − A with its interval, and a two-sided test
(Welch's t-test; the paired t-test with ``paired=True``, where replicate i of both sides shares a
seed). Each metric is tested on its own; the table also carries Holm-adjusted p-values for
readers who look at all of them at once. The verdict puts the headline metrics into sentences and
states only differences that are significant at the 5 % level.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np

from simcore.errors import OutputFormatError, ScenarioError

from .metrics.analysis import MapSet, load_maps
from .overrides import load_scenario
from .stats import Difference, compare_samples
from .sweep import (
    META_COLUMNS,
    STATUS_OK,
    Plan,
    Point,
    SweepResult,
    read_parameters,
    read_rows,
    run_sweep,
)

__all__ = [
    "Comparison",
    "MetricComparison",
    "Side",
    "compare_sides",
    "run_comparison",
    "side_from_sweep",
]

SELECT_SEP: Final = "::"


@dataclass(frozen=True)
class MetricInfo:
    """How to speak about a metric: label, unit, which direction is better."""

    label: str
    unit: str = ""
    better: str | None = None  # "lower", "higher" or None


_KNOWN: Final[dict[str, MetricInfo]] = {
    "t100_s": MetricInfo("time until everyone is out (T100)", "s", "lower"),
    "t95_s": MetricInfo("time until 95 % are out (T95)", "s", "lower"),
    "t50_s": MetricInfo("time until half are out (T50)", "s", "lower"),
    "evacuated_fraction": MetricInfo("share of people out by the end", "", "higher"),
    "evacuated": MetricInfo("people out by the end", "", "higher"),
    "density.peak_ppm2": MetricInfo("peak density", "persons/m²", "lower"),
    "los.time_E_or_worse_s": MetricInfo("time at Fruin level E or F", "s", "lower"),
    "los.time_F_s": MetricInfo("time at Fruin level F", "s", "lower"),
    "los.max_area_F_m2": MetricInfo("largest area at Fruin level F", "m²", "lower"),
    "pressure.max_per_s2": MetricInfo("peak crowd pressure", "1/s²", "lower"),
    "pressure.time_above_s": MetricInfo("time with crowd pressure above 0.02/s²", "s", "lower"),
    "injured": MetricInfo("people injured", "", "lower"),
    "threat.exposure_total_s": MetricInfo("total exposure to the threat", "s", "lower"),
    "threat.exposure_p95_s": MetricInfo("95th percentile of exposure", "s", "lower"),
    "threat.agents_exposed": MetricInfo("people exposed to the threat", "", "lower"),
    "threat.min_distance_m": MetricInfo("closest approach to the threat", "m", "higher"),
    "threat.time_to_safety_mean_s": MetricInfo("mean time to safety", "s", "lower"),
    "threat.time_to_safety_p95_s": MetricInfo("95th percentile of time to safety", "s", "lower"),
    "threat.survival_rate": MetricInfo("share not injured", "", "higher"),
    "threat.perceived_fraction": MetricInfo("share who perceived the threat", ""),
    "threat.max_fear_mean": MetricInfo("mean peak fear", ""),
    "threat.afraid_fraction": MetricInfo("share who were afraid (fear > 0.5)", ""),
}
#: Not compared: inputs and bookkeeping.
_SKIP_SUFFIXES: Final = (".width_m", ".green_guide_ratio")
_SKIP: Final = frozenset({*META_COLUMNS, "wall_s", "agents", "simulated_s"})


def metric_info(key: str) -> MetricInfo:
    """Label, unit and better direction of a metric column."""
    if key in _KNOWN:
        return _KNOWN[key]
    parts = key.split(".")
    if key.startswith("density.time_above_"):
        th = key.removeprefix("density.time_above_").removesuffix("_s")
        return MetricInfo(f"time above {th} persons/m²", "s", "lower")
    if key.startswith("density.max_area_above_"):
        th = key.removeprefix("density.max_area_above_").removesuffix("_m2")
        return MetricInfo(f"largest area above {th} persons/m²", "m²", "lower")
    if key.startswith("density.area_time_above_"):
        th = key.removeprefix("density.area_time_above_").removesuffix("_m2s")
        return MetricInfo(f"area × time above {th} persons/m²", "m²·s", "lower")
    if key.startswith("injured."):
        return MetricInfo(f"people injured ({parts[1]})", "", "lower")
    if key.startswith("exit.") and len(parts) >= 3:
        exit_id, what = ".".join(parts[1:-1]), parts[-1]
        labels = {
            "count": (f"people leaving by {exit_id}", ""),
            "flow_pps": (f"steady flow through {exit_id}", "persons/s"),
            "specific_flow_ppms": (f"specific flow through {exit_id}", "persons/(m·s)"),
            "peak_specific_flow_ppms": (f"peak flow through {exit_id}", "persons/(m·s)"),
        }
        label, unit = labels.get(what, (key, ""))
        return MetricInfo(label, unit)
    return MetricInfo(key)


# --------------------------------------------------------------------------------------------------
# Sides


@dataclass(frozen=True)
class Side:
    """One layout's replicates.

    Attributes:
        label: "A" or "B". name: what the reader knows it by (file stem, selector).
        rows: the successful runs' rows. run_dirs: their run directories.
        failed: runs that failed (left out, counted). seeds: each row's seed.
    """

    label: str
    name: str
    rows: list[dict[str, Any]]
    run_dirs: list[Path]
    failed: int = 0

    @property
    def seeds(self) -> list[int]:
        return [int(r["seed"]) for r in self.rows]

    def values(self, key: str) -> list[float | None]:
        out: list[float | None] = []
        for r in self.rows:
            v = r.get(key)
            out.append(None if v is None else float(v))
        return out


def _parse_select(text: str) -> dict[str, str]:
    out = {}
    for part in text.split(","):
        if "=" not in part:
            raise ScenarioError(
                f"selector '{part}' is not name=value; write DIR::name=value[,name=value]"
            )
        k, v = part.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _matches(value: Any, wanted: str) -> bool:
    if isinstance(value, bool):
        return str(value).lower() == wanted.lower()
    if isinstance(value, int | float):
        try:
            return math.isclose(float(value), float(wanted), rel_tol=1e-9, abs_tol=1e-12)
        except ValueError:
            return False
    return str(value) == wanted


def side_from_sweep(ref: str, *, label: str) -> Side:
    """A side from a sweep directory, ``DIR`` or ``DIR::name=value,…``.

    Raises:
        OutputFormatError: not a sweep directory. ScenarioError: the selector matches no run,
            or the directory holds several parameter points and no selector chose one.
    """
    path, _, select = ref.partition(SELECT_SEP)
    rows = read_rows(path)
    if select:
        wanted = _parse_select(select)
        params = read_parameters(path)
        unknown = [k for k in wanted if k not in params and k not in META_COLUMNS]
        if unknown:
            raise ScenarioError(
                f"{path} has no parameter '{unknown[0]}'; its parameters:"
                f" {', '.join(params) or 'none (one layout only: drop the selector)'}",
                file=ref,
            )
        rows = [r for r in rows if all(_matches(r.get(k), v) for k, v in wanted.items())]
        if not rows:
            raise ScenarioError(f"no run of {path} has {select}; check the values", file=ref)
    labels = sorted({str(r.get("label")) for r in rows})
    if len(labels) > 1:
        raise ScenarioError(
            f"{path} holds {len(labels)} parameter points ({', '.join(labels[:6])}…); choose one"
            f" with {path}{SELECT_SEP}name=value (e.g. the parameter that tells the layouts apart)",
            file=ref,
        )
    ok = [r for r in rows if r.get("status") == STATUS_OK]
    return Side(
        label=label,
        name=Path(path).name + (f" [{select}]" if select else ""),
        rows=ok,
        run_dirs=[Path(path) / str(r["run_dir"]) for r in ok],
        failed=len(rows) - len(ok),
    )


def _is_sweep_dir(ref: str) -> bool:
    path = Path(ref.partition(SELECT_SEP)[0])
    return path.is_dir()


# --------------------------------------------------------------------------------------------------
# The comparison


@dataclass(frozen=True)
class MetricComparison:
    """One metric compared: its key, how to speak of it, and the statistics."""

    key: str
    info: MetricInfo
    diff: Difference
    p_holm: float


@dataclass
class Comparison:
    """A finished comparison.

    Attributes:
        a, b: the sides. paired: replicates share seeds. metrics: one per metric.
        verdict: sentences in plain words. out_dir: where the report and its data go.
    """

    a: Side
    b: Side
    paired: bool
    metrics: list[MetricComparison]
    verdict: list[str]
    out_dir: Path | None = None
    notes: list[str] = field(default_factory=list)

    def metric(self, key: str) -> MetricComparison | None:
        for m in self.metrics:
            if m.key == key:
                return m
        return None

    def maps(self, side: Side) -> tuple[MapSet | None, int]:
        """Maps of a side averaged over its runs (on the union grid of both sides)."""
        return _mean_maps([load_maps(d) for d in side.run_dirs], self._grid())

    def _grid(self):
        grids = [m.grid for d in (*self.a.run_dirs, *self.b.run_dirs) if (m := load_maps(d))]
        if not grids:
            return None
        g = grids[0]
        for other in grids[1:]:
            g = g.union(other)
        return g

    def write_data(self, out_dir: Path) -> list[Path]:
        """Write ``comparison.csv`` (one row per metric) and ``comparison.json``."""
        out_dir.mkdir(parents=True, exist_ok=True)
        csv_path = out_dir / "comparison.csv"
        with csv_path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow([
                "metric", "label", "unit", "better",
                "mean_a", "ci_low_a", "ci_high_a", "n_a", "missing_a",
                "mean_b", "ci_low_b", "ci_high_b", "n_b", "missing_b",
                "diff_b_minus_a", "diff_ci_low", "diff_ci_high", "p_value", "p_holm", "test",
                "significant",
            ])  # fmt: skip
            for m in self.metrics:
                d = m.diff
                w.writerow([
                    m.key, m.info.label, m.info.unit, m.info.better or "",
                    d.a.mean, d.a.low, d.a.high, d.a.n, d.a.missing,
                    d.b.mean, d.b.low, d.b.high, d.b.n, d.b.missing,
                    d.diff, d.low, d.high, d.p_value, m.p_holm, d.test, d.significant,
                ])  # fmt: skip
        json_path = out_dir / "comparison.json"
        doc = {
            "a": {"name": self.a.name, "runs": len(self.a.rows), "failed": self.a.failed,
                  "seeds": self.a.seeds},
            "b": {"name": self.b.name, "runs": len(self.b.rows), "failed": self.b.failed,
                  "seeds": self.b.seeds},
            "paired": self.paired,
            "verdict": self.verdict,
            "notes": self.notes,
            "metrics": {
                m.key: {
                    "label": m.info.label, "unit": m.info.unit,
                    "a": [m.diff.a.mean, m.diff.a.low, m.diff.a.high],
                    "b": [m.diff.b.mean, m.diff.b.low, m.diff.b.high],
                    "diff": [m.diff.diff, m.diff.low, m.diff.high],
                    "p_value": m.diff.p_value, "p_holm": m.p_holm, "test": m.diff.test,
                    "significant": m.diff.significant,
                }
                for m in self.metrics
            },
        }  # fmt: skip
        json_path.write_text(json.dumps(_nan_to_none(doc), indent=1), encoding="utf-8")
        return [csv_path, json_path]


def _nan_to_none(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _nan_to_none(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_nan_to_none(x) for x in v]
    if isinstance(v, np.generic):
        return _nan_to_none(v.item())
    return v


def _mean_maps(sets: Sequence[MapSet | None], grid) -> tuple[MapSet | None, int]:
    sets = [s for s in sets if s is not None]
    if not sets or grid is None:
        return None, 0
    names = set(sets[0].maps)
    for s in sets[1:]:
        names &= set(s.maps)
    out = {}
    for name in sorted(names):
        stack = np.stack([s.grid.embed(s.maps[name], grid, fill=np.nan) for s in sets])
        if name == "fruin_worst":
            with np.errstate(all="ignore"):
                out[name] = np.floor(np.nanmedian(np.where(np.isnan(stack), -1, stack), axis=0))
        elif name == "floor_fraction":
            out[name] = np.nanmax(np.nan_to_num(stack, nan=0.0), axis=0)
        else:
            out[name] = np.nanmean(np.nan_to_num(stack, nan=0.0), axis=0)
    return MapSet(grid=grid, maps=out), len(sets)


def _holm(p: Sequence[float]) -> list[float]:
    p_arr = np.asarray(p, dtype=np.float64)
    ok = np.isfinite(p_arr)
    out = np.full(p_arr.shape, np.nan)
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return out.tolist()
    order = idx[np.argsort(p_arr[idx])]
    m = idx.size
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_arr[i]))
        out[i] = running
    return out.tolist()


def _numeric_keys(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    keys: list[str] = []
    for r in rows:
        for k, v in r.items():
            if k in keys or k in _SKIP or k.endswith(_SKIP_SUFFIXES):
                continue
            if isinstance(v, bool) or not isinstance(v, int | float | type(None)):
                continue
            keys.append(k)
    return [
        k
        for k in keys
        if any(isinstance(r.get(k), int | float) and not isinstance(r.get(k), bool) for r in rows)
    ]


def compare_sides(a: Side, b: Side, *, paired: bool = False) -> Comparison:
    """Compare every metric the two sides share; write nothing.

    Args:
        paired: replicate i of both sides used the same seed (pairs rows by seed).
    """
    if paired:
        seeds_b = {s: i for i, s in enumerate(b.seeds)}
        pairs = [(i, seeds_b[s]) for i, s in enumerate(a.seeds) if s in seeds_b]
        a = Side(a.label, a.name, [a.rows[i] for i, _ in pairs],
                 [a.run_dirs[i] for i, _ in pairs], a.failed)  # fmt: skip
        b = Side(b.label, b.name, [b.rows[j] for _, j in pairs],
                 [b.run_dirs[j] for _, j in pairs], b.failed)  # fmt: skip
    keys_a, keys_b = _numeric_keys(a.rows), set(_numeric_keys(b.rows))
    keys = [k for k in keys_a if k in keys_b] + [
        k for k in _numeric_keys(b.rows) if k not in keys_a
    ]
    diffs = [compare_samples(a.values(k), b.values(k), paired=paired) for k in keys]
    holm = _holm([d.p_value for d in diffs])
    metrics = [
        MetricComparison(key=k, info=metric_info(k), diff=d, p_holm=h)
        for k, d, h in zip(keys, diffs, holm, strict=True)
    ]
    comp = Comparison(a=a, b=b, paired=paired, metrics=metrics, verdict=[])
    comp.verdict = verdict(comp)
    if a.failed or b.failed:
        comp.notes.append(
            f"Failed runs left out: {a.failed} of A, {b.failed} of B (their errors are in the"
            " results table)."
        )
    return comp


# --------------------------------------------------------------------------------------------------
# Words


def _decimals(ref: float) -> int:
    a = abs(ref)
    if not math.isfinite(a) or a == 0 or a >= 10:
        return 0
    if a >= 1:
        return 1
    return min(4, 1 - math.floor(math.log10(a)))


def fmt(value: float | None, unit: str = "", *, ref: float | None = None) -> str:
    """A number for a sentence, with as many decimals as the magnitude of ``ref`` (default: the
    value itself) deserves, a real minus sign and the unit."""
    if value is None or not math.isfinite(value):
        return "—"
    d = _decimals(value if ref is None else ref)
    text = f"{value:.{d}f}".replace("-", "−")
    if text in ("−0", "−0.0") or set(text) <= {"−", "0", "."}:
        text = text.replace("−", "")
    return f"{text} {unit}".strip()


def _ci(lo: float, hi: float, unit: str, *, ref: float) -> str:
    """``95% CI a to b unit`` with the precision of ``ref`` (empty if undefined)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return ""
    sep = " to " if min(lo, hi) < 0 else "–"
    return f"95% CI {fmt(lo, ref=ref)}{sep}{fmt(hi, unit, ref=ref)}"


def _clearance_sentence(comp: Comparison) -> str | None:
    for key, verb, noun in (
        ("t100_s", "clears the venue", "time to clear the venue"),
        ("t95_s", "gets 95 % of the people out", "time to get 95 % of the people out"),
    ):
        m = comp.metric(key)
        if m is None:
            continue
        d = m.diff
        if (key == "t100_s" and (d.a.missing or d.b.missing)) or d.a.n == 0 or d.b.n == 0:
            continue
        if d.significant:
            word = "sooner" if d.diff < 0 else "later"
            lo, hi = sorted((abs(d.low), abs(d.high)))
            r = abs(d.diff)
            return (
                f"{comp.b.label} {verb} {fmt(r, 's')} {word} ({_ci(lo, hi, 's', ref=r)}):"
                f" {fmt(d.b.mean, 's', ref=r)} against {fmt(d.a.mean, 's', ref=r)}"
                f" (p = {d.p_value:.2g})."
            )
        p = f" (p = {d.p_value:.2g})" if math.isfinite(d.p_value) else ""
        return (
            f"No significant difference in the {noun}: {comp.a.label} {fmt(d.a.mean, 's')},"
            f" {comp.b.label} {fmt(d.b.mean, 's')}{p}."
        )
    return None


def _change_sentence(m: MetricComparison) -> str:
    d, info = m.diff, m.info
    verb = "falls" if d.diff < 0 else "rises"
    r = max(abs(d.a.mean), abs(d.b.mean))
    ci = _ci(d.low, d.high, info.unit, ref=abs(d.diff))
    label = info.label[:1].upper() + info.label[1:]
    return f"{label} {verb} from {fmt(d.a.mean, ref=r)} to {fmt(d.b.mean, info.unit, ref=r)}" + (
        f" (difference {fmt(d.diff, ref=d.diff)}, {ci})." if ci else "."
    )


_HEADLINE_ORDER: Final = (
    "density.time_above_5_s",
    "density.time_above_4_s",
    "density.peak_ppm2",
    "los.time_F_s",
    "pressure.max_per_s2",
    "injured",
    "threat.survival_rate",
    "threat.exposure_total_s",
    "threat.time_to_safety_mean_s",
    "evacuated_fraction",
)


def _any_injured(comp: Comparison) -> bool:
    return any((r.get("injured") or 0) > 0 for side in (comp.a, comp.b) for r in side.rows)


def verdict(comp: Comparison) -> list[str]:
    """The comparison in plain sentences (significant differences only, then the rest)."""
    out = []
    first = _clearance_sentence(comp)
    if first:
        out.append(first)
    missing = {
        side.label: sum(r.get("t100_s") is None for r in side.rows) for side in (comp.a, comp.b)
    }
    if any(missing.values()):
        a_m, b_m = missing[comp.a.label], missing[comp.b.label]
        out.append(
            f"Not everyone got out before the time limit in {a_m} of {comp.a.label}'s and {b_m}"
            f" of {comp.b.label}'s runs (T100 undefined there"
            + ("; injured people stay where they fell" if _any_injured(comp) else "")
            + ")."
        )
    quiet = []
    for key in _HEADLINE_ORDER:
        m = comp.metric(key)
        if m is None or m.diff.test == "none":
            continue
        if m.diff.significant:
            out.append(_change_sentence(m))
        elif not (m.diff.a.mean == 0 and m.diff.b.mean == 0):
            quiet.append(m.info.label)
    for m in comp.metrics:
        if m.key.startswith("injured.") and m.diff.significant:
            out.append(_change_sentence(m))
    if quiet:
        out.append("No significant difference in " + ", ".join(quiet) + ".")
    n_a, n_b = len(comp.a.rows), len(comp.b.rows)
    out.append(
        f"{comp.a.label} = {comp.a.name} ({n_a} run{'s' * (n_a != 1)}), {comp.b.label} ="
        f" {comp.b.name} ({n_b} run{'s' * (n_b != 1)});"
        + (" paired t-tests on common seeds." if comp.paired else " Welch t-tests, 5 % level.")
    )
    return out


# --------------------------------------------------------------------------------------------------
# Running a comparison


def run_comparison(
    a_ref: str,
    b_ref: str,
    *,
    out_dir: Path | str,
    replicates: int = 5,
    seed: int = 0,
    paired: bool = False,
    executor=None,
    single_thread: bool = True,
    on_row=None,
    on_start=None,
) -> Comparison:
    """Compare two layouts given as scenario files, bundled venues or sweep directories.

    Scenario files are run ``replicates`` times each into ``out_dir`` (resuming like a sweep);
    sweep directories are read as they are.

    Raises:
        ScenarioError: a scenario or selector is invalid. OutputFormatError: a sweep directory
            is not one.
    """
    out = Path(out_dir)
    refs = {"A": a_ref, "B": b_ref}
    to_run: dict[str, str] = {}
    sides: dict[str, Side] = {}
    for label, ref in refs.items():
        if _is_sweep_dir(ref):
            sides[label] = side_from_sweep(ref, label=label)
        else:
            to_run[label] = ref
    if to_run:
        points = []
        for i, (label, ref) in enumerate(to_run.items()):
            scenario, _, source = load_scenario(ref)
            points.append(
                Point(
                    index=i,
                    label=label,
                    params={"layout": Path(source).stem if Path(ref).suffix else ref},
                    scenario_json=scenario.model_dump_json(),
                    source=source,
                    layout=f"{label}: {Path(source).stem}",
                )
            )
        plan = Plan(
            name=f"{Path(a_ref).stem} vs {Path(b_ref).stem}",
            points=points,
            replicates=replicates,
            root_seed=seed,
            common_seeds=paired,
            parameters=("layout",),
        )
        result: SweepResult = run_sweep(
            plan,
            out_dir=out,
            executor=executor,
            single_thread=single_thread,
            on_row=on_row,
            on_start=on_start,
        )
        for label, ref in to_run.items():
            rows = [r for r in result.rows if r["label"] == label]
            ok = [r for r in rows if r.get("status") == STATUS_OK]
            sides[label] = Side(
                label=label,
                name=Path(ref).name,
                rows=ok,
                run_dirs=[out / str(r["run_dir"]) for r in ok],
                failed=len(rows) - len(ok),
            )
    for label, side in sides.items():
        if not side.rows:
            raise OutputFormatError(
                f"side {label} ({refs[label]}) has no successful run to compare; see the errors"
                " in its results table"
            )
    comp = compare_sides(sides["A"], sides["B"], paired=paired)
    comp.out_dir = out
    return comp
