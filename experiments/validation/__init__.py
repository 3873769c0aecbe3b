"""The validation suite: RiMEA, IMO/NIST verification tests, experimental data and Helbing 2000.

``crowdsafe validate [--quick] [--out DIR]`` runs it and writes a report (Markdown and HTML, a
figure per case). Each case is a scenario file of ``scenarios/library/validation/`` plus an
analysis (:mod:`.rimea`, :mod:`.imo`, :mod:`.experimental`, :mod:`.helbing`); the registry
(:data:`CASES`) lists them with their sources and criteria.
"""

from .core import Case, CaseResult, Health, Outcome
from .registry import CASES, select
from .suite import SuiteResult, run_suite

__all__ = ["CASES", "Case", "CaseResult", "Health", "Outcome", "SuiteResult", "run_suite", "select"]
