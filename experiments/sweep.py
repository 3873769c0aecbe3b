"""Parameter sweeps: many runs of a scenario, on one machine or a Dask cluster.

A sweep file (TOML) names a base scenario, what to vary, how to sample it and how many
replicates to run::

    schema_version = 1
    name = "door width"
    scenario = "room.toml"          # relative to this file, or a bundled venue ("default")
    sampling = "grid"               # "grid" (every combination) or "lhs" (Latin hypercube)
    replicates = 3                  # runs per parameter point, each with its own seed
    seed = 2024                     # root of the seeds (numpy SeedSequence)

    [set]                           # fixed changes for every run
    duration_s = 120

    [parameters]                    # what varies: a list of values, or a range
    "exits.east.width_m" = [0.8, 1.2, 1.6]
    "populations.visitors.premovement_s.max" = { min = 0, max = 30, steps = 4 }
    variant = ["as-built", "rail-moved"]

    [variants.as-built]             # named layouts: changes to the base, or another file
    [variants.rail-moved]
    set = { "barriers.rail.dy_m" = 1.5 }

Parameter names are scenario paths, geometry keys or template variables
(:mod:`experiments.overrides`). A grid needs ``steps`` for ranges; ``lhs`` needs ``samples`` and
draws continuous values in ranges (``integer = true`` for counts, ``log = true`` for scales).

Seeds: the run of point p, replicate r gets ``SeedSequence(seed).spawn(3)[0].spawn(P)[p]
.spawn(R)[r]`` (with ``common_seeds = true``: ``…spawn(3)[2].spawn(R)[r]`` for every point, i.e.
common random numbers). Its first 32-bit word is the engine seed, recorded in the row.

Execution follows the :class:`concurrent.futures.Executor` protocol: in this process, a process
pool (``--workers N``) or a Dask cluster (``--dask ADDRESS`` or ``--dask local``, through
``distributed.Client.get_executor``). Each run writes its own run directory
(``OUT/runs/<run id>/``), its metrics (``metrics.json``, ``maps.npz``) and its row
(``row.json``, written last); the parent appends rows to ``OUT/results.parquet`` as they
arrive. A run that raises is recorded with ``status = "failed"`` and its error; the others go on.
Running the same sweep into the same directory again skips every run that has a row, so an
interrupted sweep loses nothing and finishes only what is missing. With Dask on several machines,
``OUT`` must be on a file system every worker can write to.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import difflib
import hashlib
import json
import math
import os
import time
import tomllib
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

import scenarios
from scenarios.migrations import migrate
from simcore.errors import ScenarioError

from .overrides import (
    _walk,
    apply_overrides,
    expand_template,
    is_template,
    load_scenario,
    template_names,
)

__all__ = [
    "RESULTS_FILE",
    "Plan",
    "PlannedRun",
    "Point",
    "SweepResult",
    "SweepSpec",
    "executor_for",
    "load_spec",
    "plan_from_spec",
    "read_parameters",
    "read_rows",
    "run_sweep",
]

RESULTS_FILE: Final = "results.parquet"
PLAN_FILE: Final = "sweep.json"
RUNS_DIR: Final = "runs"
ROW_FILE: Final = "row.json"
#: Columns every row has, first in the table.
META_COLUMNS: Final = (
    "run_id",
    "label",
    "point",
    "replicate",
    "seed",
    "seed_key",
    "status",
    "error",
    "run_dir",
)
STATUS_OK: Final = "ok"
STATUS_FAILED: Final = "failed"
#: Rewrite the Parquet table at most this often while rows arrive (s).
FLUSH_INTERVAL_S: Final = 2.0
VARIANT: Final = "variant"

Scalar = StrictBool | StrictInt | StrictFloat | StrictStr


# --------------------------------------------------------------------------------------------------
# The sweep file


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(_Strict):
    """A numeric range: ``{ min, max, steps?, integer?, log? }``.

    Attributes:
        min, max: bounds (inclusive). steps: number of grid values (grid sampling only).
        integer: draw whole numbers. log: spread values evenly on a log scale (min > 0).
    """

    min: StrictInt | StrictFloat
    max: StrictInt | StrictFloat
    steps: Annotated[StrictInt, Field(ge=2, le=10_000)] | None = None
    integer: bool = False
    log: bool = False

    @model_validator(mode="after")
    def _order(self) -> Range:
        if not (math.isfinite(self.min) and math.isfinite(self.max)) or self.max < self.min:
            raise ValueError(
                f"the range needs finite min ≤ max (got min = {self.min}, max = {self.max});"
                " swap or fix the bounds"
            )
        if self.log and self.min <= 0:
            raise ValueError(f"a log range needs min > 0 (got {self.min}); raise min")
        return self

    def grid(self) -> list[float | int]:
        if self.steps is None:
            raise ValueError("no steps")
        if self.log:
            v = np.geomspace(self.min, self.max, self.steps)
        else:
            v = np.linspace(self.min, self.max, self.steps)
        if self.integer:
            return sorted({round(float(x)) for x in v})
        return [float(x) for x in v]

    def at(self, u: float) -> float | int:
        """The value at quantile ``u`` in [0, 1)."""
        if self.integer:
            lo, hi = math.ceil(self.min), math.floor(self.max)
            return int(min(hi, lo + math.floor(u * (hi - lo + 1))))
        if self.log:
            return float(math.exp(math.log(self.min) + u * math.log(self.max / self.min)))
        return float(self.min + u * (self.max - self.min))


class Variant(_Strict):
    """A named layout: another scenario file and/or changes on top of the base.

    Attributes:
        scenario: a scenario file replacing the base (relative to the sweep file).
        set: changes by path, as in ``[set]``.
        description: free text.
    """

    scenario: str | None = None
    set: dict[str, Any] = Field(default_factory=dict)
    description: str = ""


class SweepSpec(_Strict):
    """A sweep file (see the module docstring).

    Attributes:
        schema_version: 1. name: shown in reports. scenario: the base scenario.
        sampling: "grid" or "lhs". samples: points drawn by "lhs".
        replicates: runs per point (seeds differ). seed: root seed.
        common_seeds: give every point the same replicate seeds (common random numbers).
        set: fixed changes. parameters: what varies. variants: named layouts.
    """

    schema_version: Literal[1] = 1
    name: str = ""
    description: str = ""
    scenario: str = Field(min_length=1)
    sampling: Literal["grid", "lhs"] = "grid"
    samples: Annotated[StrictInt, Field(ge=1, le=1_000_000)] | None = None
    replicates: Annotated[StrictInt, Field(ge=1, le=100_000)] = 1
    seed: Annotated[StrictInt, Field(ge=0)] = 0
    common_seeds: bool = False
    set: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, Annotated[list[Scalar], Field(min_length=1)] | Range] = Field(
        default_factory=dict
    )
    variants: dict[
        Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=64)], Variant
    ] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> SweepSpec:
        if self.sampling == "lhs" and self.samples is None:
            raise ValueError(
                'sampling = "lhs" needs samples = N (how many parameter points to draw)'
            )
        if self.sampling == "grid" and self.samples is not None:
            raise ValueError('samples only applies to sampling = "lhs"; remove it for a grid')
        if self.sampling == "grid":
            for name, p in self.parameters.items():
                if isinstance(p, Range) and p.steps is None:
                    raise ValueError(
                        f"parameter '{name}' is a range without steps; add steps = N for a"
                        ' grid, or use sampling = "lhs"'
                    )
        if VARIANT in self.parameters:
            p = self.parameters[VARIANT]
            if isinstance(p, Range):
                raise ValueError("variant takes a list of variant names, not a range")
            unknown = [v for v in p if v not in self.variants]
            if unknown:
                known = ", ".join(self.variants) or "none defined"
                raise ValueError(
                    f"variant {unknown[0]!r} is not defined (variants: {known}); add"
                    f" [variants.{unknown[0]}] or fix the name"
                )
        elif self.variants:
            raise ValueError(
                f"variants {', '.join(self.variants)} are defined but not used; add"
                f" variant = {json.dumps(list(self.variants))} to [parameters]"
            )
        clash = [p for p in self.parameters if p in META_COLUMNS or p == "wall_s"]
        if clash:
            raise ValueError(f"'{clash[0]}' is a column of the results; rename the parameter")
        return self


def _flatten_parameters(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Unquoted dotted keys (``exits.east.width_m = [...]``) arrive as nested tables."""
    out: dict[str, Any] = {}
    for k, v in tree.items():
        path = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict) and not ({"min", "max"} & set(v)):
            out.update(_flatten_parameters(v, path))
        else:
            out[path] = v
    return out


def _describe(err: dict[str, Any]) -> str:
    loc = [str(p) for p in err["loc"] if not str(p).startswith(("function-", "list[", "Range"))]
    field = ".".join(loc)
    kind = err["type"]
    got = f" (got {json.dumps(err.get('input'), default=str)[:80]})" if "input" in err else ""
    if kind == "extra_forbidden":
        key = loc[-1]
        model: type[BaseModel] = SweepSpec
        if loc[0] == "variants" and len(loc) == 3:
            model = Variant
        elif loc[0] == "parameters":
            model = Range
        valid = list(model.model_fields)
        close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
        return (
            f"{field}: unknown key '{key}'; "
            + (f"did you mean '{close[0]}'? " if close else "remove it; ")
            + f"valid keys here: {', '.join(valid)}"
        )
    if kind == "missing":
        return f"{field}: required key '{loc[-1]}' is missing; add {loc[-1]} = …"
    if kind == "value_error":
        return f"{field or '(top level)'}: {err['msg'].removeprefix('Value error, ')}"
    if kind in ("list_type", "model_attributes_type", "model_type", "dict_type") and loc[:1] == [
        "parameters"
    ]:
        return (
            f"{field}: a parameter needs a list of values [a, b, …] or a range"
            f" {{ min = …, max = …, steps = … }}{got}; put a fixed value in [set]"
        )
    return f"{field or '(top level)'}: {err['msg'].replace('Input should be', 'must be')}{got}"


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a sweep file.

    Raises:
        ScenarioError: unreadable, malformed TOML, or invalid (every problem listed, each with
            its field and fix).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError("sweep file not found; check the path", file=str(p)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read the sweep file ({exc})", file=str(p)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(
            f"malformed TOML: {exc}; check quotes, brackets and 'key = value' on that line"
            ' (paths with dots can be quoted: "exits.east.width_m" = [1.0, 2.0])',
            file=str(p),
        ) from None
    if isinstance(data.get("parameters"), dict):
        data["parameters"] = _flatten_parameters(data["parameters"])
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as exc:
        lines = list(dict.fromkeys(_describe(e) for e in exc.errors()))
        first = lines[0].split(": ", 1)
        if len(lines) == 1:
            raise ScenarioError(first[1], file=str(p), field=first[0]) from None
        err = ScenarioError(
            f"{len(lines)} problems:\n" + "\n".join(f"  - {line}" for line in lines), file=str(p)
        )
        err.field = first[0]
        raise err from None


# --------------------------------------------------------------------------------------------------
# The plan: parameter points and runs


@dataclass(frozen=True)
class Point:
    """One parameter point: a structurally valid scenario and the values that define it.

    Attributes:
        index: position in the plan. label: short name (``p0003``, or ``A``/``B``).
        params: the varied values. scenario_json: the scenario to run (JSON text; the worker
            runs the semantic checks). source: shown as the file in error messages.
        layout: the name reports and the replay show for its runs (a variant's name, or the
            values).
    """

    index: int
    label: str
    params: dict[str, Any]
    scenario_json: str
    source: str
    layout: str = ""


@dataclass(frozen=True)
class PlannedRun:
    """One run: a point, a replicate and its seed."""

    run_id: str
    point: Point
    replicate: int
    seed: int
    seed_key: str


@dataclass(frozen=True)
class Plan:
    """Every run of a sweep.

    Attributes:
        name: shown in reports. points: the parameter points. replicates: runs per point.
        root_seed: root of the seeds. common_seeds: same seeds for every point.
        parameters: names of the varied parameters (row columns). source: the sweep file.
    """

    name: str
    points: list[Point]
    replicates: int
    root_seed: int
    common_seeds: bool = False
    parameters: tuple[str, ...] = ()
    source: str = ""

    def runs(self) -> list[PlannedRun]:
        """The runs, point by point, replicate by replicate."""
        runs_root, _, common_root = np.random.SeedSequence(self.root_seed).spawn(3)
        per_point = runs_root.spawn(len(self.points))
        common = common_root.spawn(self.replicates)
        out = []
        for p, point in enumerate(self.points):
            reps = common if self.common_seeds else per_point[p].spawn(self.replicates)
            for r, ss in enumerate(reps):
                key = "/".join(str(k) for k in (self.root_seed, *ss.spawn_key))
                out.append(
                    PlannedRun(
                        run_id=f"{point.label}-r{r:03d}",
                        point=point,
                        replicate=r,
                        seed=int(ss.generate_state(1, np.uint32)[0]),
                        seed_key=key,
                    )
                )
        return out


def _lhs(n: int, d: int, seed: int) -> np.ndarray:
    from scipy.stats import qmc

    sampling_root = np.random.SeedSequence(seed).spawn(3)[1]
    return qmc.LatinHypercube(d=d, rng=np.random.default_rng(sampling_root)).random(n)


def _points(spec: SweepSpec) -> list[dict[str, Any]]:
    names = list(spec.parameters)
    if not names:
        return [{}]
    if spec.sampling == "grid":
        axes = [p.grid() if isinstance(p, Range) else list(p) for p in spec.parameters.values()]
        mesh = np.array(np.meshgrid(*[np.arange(len(a)) for a in axes], indexing="ij"))
        idx = mesh.reshape(len(axes), -1).T
        return [{n: axes[k][i[k]] for k, n in enumerate(names)} for i in idx]
    assert spec.samples is not None
    u = _lhs(spec.samples, len(names), spec.seed)
    out = []
    for row in u:
        pt = {}
        for k, (n, p) in enumerate(spec.parameters.items()):
            if isinstance(p, Range):
                pt[n] = p.at(float(row[k]))
            else:
                pt[n] = p[min(len(p) - 1, math.floor(float(row[k]) * len(p)))]
        out.append(pt)
    return out


def _flatten_set(data: dict[str, Any], tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``[set]`` entries as paths: a table merges into a table of the scenario, else replaces."""
    out: dict[str, Any] = {}
    for k, v in tree.items():
        path = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict):
            try:
                node, key, _ = _walk(data, path, source="", create=False)
                target = node[key]
            except (ScenarioError, KeyError, IndexError, TypeError):
                target = None
            if isinstance(target, dict):
                out.update(_flatten_set(data, v, path))
                continue
        out[path] = v
    return out


def _structural(text: str, *, fmt: str, source: str) -> scenarios.Scenario:
    """Parse, migrate and validate scenario text (no semantic checks)."""
    try:
        data = tomllib.loads(text) if fmt == "toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError(
            f"the expanded template is not valid {fmt.upper()}: {exc}; check the ${{...}}"
            " expressions produce numbers where the file needs them",
            file=source,
        ) from None
    return scenarios.validate(migrate(data, file=source), file=source)


@dataclass
class _Base:
    scenario: scenarios.Scenario
    text: str
    source: str
    fmt: str
    template: set[str]


def _base(ref: str, base_dir: Path) -> _Base:
    path = Path(ref) if Path(ref).is_absolute() else base_dir / ref
    if path.exists():
        text = path.read_text(encoding="utf-8-sig")
        if is_template(text):
            fmt = "json" if path.suffix.lower() == ".json" else "toml"
            return _Base(None, text, str(path), fmt, template_names(text))  # type: ignore[arg-type]
    scenario, text, source = load_scenario(ref, base_dir=base_dir)
    return _Base(scenario, text, source, "toml", set())


def plan_from_spec(spec: SweepSpec, *, source: str | Path) -> Plan:
    """Resolve a sweep file into runs: every point's scenario built and validated.

    Raises:
        ScenarioError: the base scenario, a variant or a parameter path is invalid, or a point's
            scenario fails validation (the message names the point's values).
    """
    source = str(source)
    base_dir = Path(source).parent
    base = _base(spec.scenario, base_dir)
    variants = {
        name: _base(v.scenario, base_dir) for name, v in spec.variants.items() if v.scenario
    }
    points = []
    for i, values in enumerate(_points(spec)):
        label = f"p{i:04d}"
        desc = ", ".join(f"{k} = {v!r}" for k, v in values.items())
        where = f"{source} (point {label}: {desc})" if desc else source
        variant = values.get(VARIANT)
        b = variants.get(variant, base) if variant is not None else base
        vset = dict(spec.variants[variant].set) if variant is not None else {}
        fixed = {**spec.set, **vset}
        varied = {k: v for k, v in values.items() if k != VARIANT}
        tvalues = {k: v for k, v in {**fixed, **varied}.items() if k in b.template}
        if b.template:
            missing = sorted(b.template - set(tvalues))
            if missing:
                raise ScenarioError(
                    f"the template {b.source} uses {', '.join(missing)}, which the sweep does not"
                    " give; add them to [set] or [parameters]",
                    file=source,
                    field="set",
                )
            scenario = _structural(
                expand_template(b.text, tvalues, source=b.source), fmt=b.fmt, source=where
            )
        else:
            scenario = b.scenario
        data = scenario.model_dump(mode="json")
        changes = {}
        for group in (spec.set, vset):
            changes.update(_flatten_set(data, {k: v for k, v in group.items() if k not in tvalues}))
        changes.update({k: v for k, v in varied.items() if k not in tvalues})
        if changes:
            scenario = apply_overrides(data, changes, source=where)
        layout = str(variant) if variant is not None else desc.replace(" = ", "=")
        points.append(
            Point(
                index=i,
                label=label,
                params=dict(values),
                scenario_json=scenario.model_dump_json(),
                source=where,
                layout=layout or scenario.name,
            )
        )
    return Plan(
        name=spec.name or Path(source).stem,
        points=points,
        replicates=spec.replicates,
        root_seed=spec.seed,
        common_seeds=spec.common_seeds,
        parameters=tuple(spec.parameters),
        source=source,
    )


# --------------------------------------------------------------------------------------------------
# One run (in a worker)


@dataclass(frozen=True)
class RunTask:
    """What a worker needs for one run (small and picklable)."""

    run_id: str
    run_dir: str
    rel_dir: str
    scenario_json: str
    source: str
    seed: int
    row: dict[str, Any]
    single_thread: bool
    layout: str = ""


_OWN_FILES: Final = (ROW_FILE, "metrics.json", "maps.npz")


@contextlib.contextmanager
def _numba_threads(n: int | None) -> Iterator[None]:
    """Run with ``n`` numba threads (None: as is), restoring the count afterwards.

    Sweeps use one thread per run (DESIGN.md §5: workers × threads ≤ cores): their speed comes
    from running runs side by side, and a parallel kernel on an oversubscribed machine spends
    its time at barriers (measured here: a small room took 0.3 s on one thread and 4–21 s on
    two while other processes kept the cores busy).
    """
    if n is None:
        yield
        return
    try:
        import numba

        before = numba.get_num_threads()
        numba.set_num_threads(n)
    except Exception:  # numba missing or refusing: run as is
        yield
        return
    try:
        yield
    finally:
        numba.set_num_threads(before)


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)


def execute_run(task: RunTask) -> dict[str, Any]:
    """Run one planned run, compute its metrics, write ``row.json``; never raises an ordinary
    exception (a failure becomes a row with ``status = "failed"``)."""
    from .metrics import analyse
    from .runner import run_scenario

    t0 = time.perf_counter()
    run_dir = Path(task.run_dir)
    row = dict(task.row)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        for name in _OWN_FILES:
            (run_dir / name).unlink(missing_ok=True)
        scenario = scenarios.loads(task.scenario_json, fmt="json", source=task.source)
        with _numba_threads(1 if task.single_thread else None):
            run_scenario(
                scenario,
                out_dir=run_dir,
                seed=task.seed,
                overwrite=True,
                layout_name=task.layout or None,
            )
        metrics = analyse(run_dir)
        metrics.save()
        row.update(status=STATUS_OK, error="")
        row.update(metrics.headline())
    except Exception as exc:
        row.update(status=STATUS_FAILED, error=_error_text(exc))
    row["wall_s"] = round(time.perf_counter() - t0, 3)
    with contextlib.suppress(OSError):
        run_dir.mkdir(parents=True, exist_ok=True)
        _write_json(run_dir / ROW_FILE, row)
    return row


def _error_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    if not isinstance(exc, ScenarioError):
        tb = traceback.extract_tb(exc.__traceback__)
        if tb:
            last = tb[-1]
            text += f" (at {Path(last.filename).name}:{last.lineno})"
    return text


# --------------------------------------------------------------------------------------------------
# The sweep (in the parent)


class _InlineExecutor(cf.Executor):
    """Runs each task when it is submitted, in this process."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        fut: cf.Future = cf.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            if not isinstance(exc, Exception):
                raise
            fut.set_exception(exc)
        return fut


@dataclass
class SweepResult:
    """What a sweep produced.

    Attributes:
        out_dir: the sweep directory. table: ``results.parquet``.
        rows: one per run (finished before or now), in plan order.
        executed, skipped: runs done now, and found done from an earlier invocation.
        failed: rows with ``status = "failed"``.
    """

    out_dir: Path
    table: Path
    rows: list[dict[str, Any]]
    executed: int
    skipped: int
    failed: int = field(default=0)


def _plan_doc(plan: Plan, runs: list[PlannedRun]) -> dict[str, Any]:
    return {
        "name": plan.name,
        "source": plan.source,
        "root_seed": plan.root_seed,
        "replicates": plan.replicates,
        "common_seeds": plan.common_seeds,
        "parameters": list(plan.parameters),
        "points": [
            {
                "label": p.label,
                "params": p.params,
                "scenario_sha256": hashlib.sha256(p.scenario_json.encode()).hexdigest(),
            }
            for p in plan.points
        ],
        "runs": {
            r.run_id: {"point": r.point.label, "replicate": r.replicate, "seed": r.seed}
            for r in runs
        },
    }


def _check_plan(out_dir: Path, doc: dict[str, Any]) -> dict[str, Any]:
    """Merge with the plan already in ``out_dir``; a run id that now means something else is an
    error (same id, different parameters or seed)."""
    path = out_dir / PLAN_FILE
    if not path.exists():
        return doc
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ScenarioError(
            f"cannot read the sweep plan ({exc}); delete {path} or choose another --out",
            file=str(path),
        ) from None
    old_points = {p["label"]: p for p in old.get("points", [])}
    for point in doc["points"]:
        label, params = point["label"], point["params"]
        was = old_points.get(label)
        if was is None:
            continue
        if json.dumps(was["params"], sort_keys=True) != json.dumps(params, sort_keys=True):
            raise ScenarioError(
                f"{out_dir} holds another sweep: point {label} was {was['params']}, now"
                f" {params}; choose another --out, or delete the directory to start over",
                file=str(path),
            )
        if was.get("scenario_sha256", point["scenario_sha256"]) != point["scenario_sha256"]:
            raise ScenarioError(
                f"the scenario of point {label} ({params or 'no parameters'}) has changed since"
                f" its runs in {out_dir} were made; choose another --out, or delete the"
                " directory to run them again",
                file=str(path),
            )
    for run_id, r in doc["runs"].items():
        o = old.get("runs", {}).get(run_id)
        if o is not None and o.get("seed") != r["seed"]:
            raise ScenarioError(
                f"{out_dir} holds another sweep: run {run_id} had seed {o.get('seed')}, now"
                f" {r['seed']} (was the seed changed?); choose another --out",
                file=str(path),
            )
    merged = dict(doc)
    new_labels = {p["label"] for p in doc["points"]}
    merged["points"] = [
        *doc["points"],
        *(p for k, p in old_points.items() if k not in new_labels),
    ]
    merged["runs"] = {**old.get("runs", {}), **doc["runs"]}
    return merged


def _read_row(path: Path) -> dict[str, Any] | None:
    try:
        row = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None  # torn or missing: the run is done again
    return (
        row if isinstance(row, dict) and row.get("status") in (STATUS_OK, STATUS_FAILED) else None
    )


def _columns(rows: Sequence[Mapping[str, Any]], params: Sequence[str]) -> list[str]:
    cols = list(META_COLUMNS) + [p for p in params if p not in META_COLUMNS]
    seen = set(cols)
    for r in rows:
        for k in r:
            if k not in seen and k != "wall_s":
                cols.append(k)
                seen.add(k)
    return [*cols, "wall_s"]


def write_table(path: Path, rows: Sequence[Mapping[str, Any]], *, params: Sequence[str]) -> None:
    """Write rows as a Parquet table, atomically (the old table stays valid until replaced)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = _columns(rows, params)
    arrays = {}
    for c in cols:
        values = [r.get(c) for r in rows]
        try:
            arrays[c] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays[c] = pa.array([None if v is None else str(v) for v in values])
    table = pa.table(arrays)
    meta = {b"crowdsafe.parameters": json.dumps(list(params)).encode()}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _order(rows: dict[str, dict[str, Any]], runs: list[PlannedRun]) -> list[dict[str, Any]]:
    return [rows[r.run_id] for r in runs if r.run_id in rows]


def run_sweep(
    plan: Plan,
    *,
    out_dir: Path | str,
    executor: cf.Executor | None = None,
    single_thread: bool = True,
    retry_failed: bool = False,
    on_row: Callable[[dict[str, Any], int, int], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run every run of ``plan`` that has no row yet in ``out_dir``.

    Args:
        plan: the runs (:func:`plan_from_spec`, or built by hand as ``compare`` does).
        out_dir: the sweep directory (created; may hold an earlier, interrupted invocation).
        executor: where runs execute: None = here, one after the other; a process pool; a Dask
            ``client.get_executor()``. The caller owns (and shuts down) it.
        single_thread: each run uses one numba thread (default; see :func:`_numba_threads`);
            False leaves the thread count alone (one big run at a time on an idle machine).
        retry_failed: run again the runs recorded as failed.
        on_row: called with each new row and the counts (done now, failed now) as rows arrive.
        on_start: called once with (runs done before, total runs) before any run starts.

    Returns:
        The rows and counts; the table is ``out_dir/results.parquet``.

    Raises:
        ScenarioError: ``out_dir`` holds a different sweep.
        KeyboardInterrupt: after cancelling the runs not started and writing the table.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    runs = plan.runs()
    _write_json(out / PLAN_FILE, _check_plan(out, _plan_doc(plan, runs)))
    table = out / RESULTS_FILE
    rows: dict[str, dict[str, Any]] = {}
    for r in runs:
        row = _read_row(out / RUNS_DIR / r.run_id / ROW_FILE)
        if row is not None and (row["status"] == STATUS_OK or not retry_failed):
            rows[r.run_id] = row
    skipped = len(rows)
    todo = [r for r in runs if r.run_id not in rows]
    write_table(table, _order(rows, runs), params=plan.parameters)
    if on_start is not None:
        on_start(skipped, len(runs))
    ex = executor if executor is not None else _InlineExecutor()
    inline = isinstance(ex, _InlineExecutor)
    done = failed = 0
    last_flush = time.monotonic()
    futures: dict[cf.Future, PlannedRun] = {}

    def arrived(run: PlannedRun, row: dict[str, Any]) -> None:
        nonlocal done, failed, last_flush
        rows[run.run_id] = row
        done += 1
        failed += row.get("status") == STATUS_FAILED
        if on_row is not None:
            on_row(row, done, failed)
        if time.monotonic() - last_flush >= FLUSH_INTERVAL_S:
            write_table(table, _order(rows, runs), params=plan.parameters)
            last_flush = time.monotonic()

    try:
        for run in todo:
            task = _task(plan, run, out, single_thread=single_thread)
            fut = ex.submit(execute_run, task)
            if inline:
                arrived(run, _result(fut, task))
            else:
                futures[fut] = run
        for fut in cf.as_completed(futures):
            run = futures[fut]
            arrived(run, _result(fut, _task(plan, run, out, single_thread=False)))
    except BaseException:
        for fut in futures:
            fut.cancel()
        raise
    finally:
        write_table(table, _order(rows, runs), params=plan.parameters)
    ordered = _order(rows, runs)
    return SweepResult(
        out_dir=out,
        table=table,
        rows=ordered,
        executed=done,
        skipped=skipped,
        failed=sum(r.get("status") == STATUS_FAILED for r in ordered),
    )


def _task(plan: Plan, run: PlannedRun, out: Path, *, single_thread: bool) -> RunTask:
    rel = f"{RUNS_DIR}/{run.run_id}"
    row: dict[str, Any] = {
        "run_id": run.run_id,
        "label": run.point.label,
        "point": run.point.index,
        "replicate": run.replicate,
        "seed": run.seed,
        "seed_key": run.seed_key,
        "status": "",
        "error": "",
        "run_dir": rel,
    }
    row.update(run.point.params)
    return RunTask(
        run_id=run.run_id,
        run_dir=str((out / rel).resolve()),
        rel_dir=rel,
        scenario_json=run.point.scenario_json,
        source=run.point.source,
        seed=run.seed,
        row=row,
        single_thread=single_thread,
        layout=run.point.layout,
    )


def _result(fut: cf.Future, task: RunTask) -> dict[str, Any]:
    """The row of a finished future; a worker that died (or a cancelled run) becomes a failed
    row, written by the parent."""
    try:
        return fut.result()
    except cf.CancelledError:
        raise
    except Exception as exc:
        row = dict(task.row)
        row.update(status=STATUS_FAILED, error=_error_text(exc), wall_s=None)
        with contextlib.suppress(OSError):
            Path(task.run_dir).mkdir(parents=True, exist_ok=True)
            _write_json(Path(task.run_dir) / ROW_FILE, row)
        return row


# --------------------------------------------------------------------------------------------------
# Executors


@contextlib.contextmanager
def executor_for(
    *, workers: int | None = None, dask: str | None = None
) -> Iterator[tuple[cf.Executor | None, str]]:
    """The executor for ``--workers N`` / ``--dask ADDRESS|local`` (or None: in this process).

    ``--dask local`` starts a ``LocalCluster`` of ``workers`` (default 2) single-threaded worker
    processes without a dashboard; an address connects to a running scheduler.

    Yields:
        ``(executor, description)``; the pool or cluster is shut down on exit.

    Raises:
        ImportError: Dask was asked for and is not installed (names the extra to install).
    """
    if dask:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise ImportError(
                "--dask needs Dask distributed: pip install 'crowdsafe[dask]'"
            ) from exc
        if dask == "local":
            n = workers or 2
            # the scheduler's HTTP routes (not the dashboard) move off a busy port 8787 with a
            # warning that is of no use here
            warnings.filterwarnings(
                "ignore", message="Port .* is already in use", category=UserWarning
            )
            with (
                LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    worker_dashboard_address=None,
                ) as cluster,
                Client(cluster) as client,
            ):
                yield client.get_executor(pure=False), f"Dask LocalCluster, {n} workers"
        else:
            with Client(dask) as client:
                n = len(client.scheduler_info().get("workers", {}))
                yield client.get_executor(pure=False), f"Dask scheduler {dask}, {n} workers"
        return
    if workers:
        from multiprocessing import get_context

        with cf.ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            try:
                yield pool, f"{workers} worker process{'es' if workers > 1 else ''}"
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        return
    yield None, "this process"


def read_rows(out_dir: Path | str) -> list[dict[str, Any]]:
    """The rows of a sweep directory (from ``results.parquet``).

    Raises:
        OutputFormatError: the directory holds no results table.
    """
    from simcore.errors import OutputFormatError

    path = Path(out_dir) / RESULTS_FILE
    if not path.exists():
        raise OutputFormatError(
            f"{path} does not exist: {out_dir} is not a sweep directory (made by crowdsafe"
            " sweep or compare)"
        )
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def read_parameters(out_dir: Path | str) -> list[str]:
    """Names of the varied parameters of a sweep directory (from its results table)."""
    import pyarrow.parquet as pq

    path = Path(out_dir) / RESULTS_FILE
    if not path.exists():
        read_rows(out_dir)  # raises the explanatory error
    meta = pq.read_schema(path).metadata or {}
    return list(json.loads(meta.get(b"crowdsafe.parameters", b"[]")))
