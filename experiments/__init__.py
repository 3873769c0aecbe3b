"""Experiments: running scenarios, Mesa models, metrics, sweeps, comparisons, reports, and the
``crowdsafe`` command line. The only package that imports Mesa."""

import importlib

from .runner import RunResult, run_scenario

#: Imported on first use, so that ``crowdsafe run`` and sweep workers do not pay for Mesa,
#: matplotlib and SciPy's statistics when they do not need them.
_LAZY = {
    "EvacuationModel": ".model",
    "Pedestrian": ".model",
    "analyse": ".metrics",
    "apply_overrides": ".overrides",
    "compare_sides": ".compare",
    "comparison_report": ".report",
    "load_spec": ".sweep",
    "plan_from_spec": ".sweep",
    "run_comparison": ".compare",
    "run_report": ".report",
    "run_sweep": ".sweep",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "EvacuationModel",
    "Pedestrian",
    "RunResult",
    "analyse",
    "apply_overrides",
    "compare_sides",
    "comparison_report",
    "load_spec",
    "plan_from_spec",
    "run_comparison",
    "run_report",
    "run_scenario",
    "run_sweep",
]
