"""Experiments: running scenarios, Mesa models, metrics, sweeps, comparisons, reports, and the
``crowdsafe`` command line. The only package that imports Mesa."""

from .runner import RunResult, run_scenario

__all__ = ["RunResult", "run_scenario"]
