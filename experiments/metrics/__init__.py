"""Metrics of a run directory, one module per quantity.

=====================  ==================================================================
module                 quantity
=====================  ==================================================================
``evacuation``         evacuation curve; clearance times T50, T95, T100
``flow``               flow per exit (persons/s and persons/(m·s)) vs the Green Guide's 82/m/min
``density``            grid density maps (window-averaged, 1 m² cells)
``thresholds``         time and area above 2, 4 and 5 persons/m²
``los``                Fruin walkway level of service, per cell
``pressure``           crowd pressure ρ·Var(v) (Helbing et al. 2007)
``voronoi``            Voronoi density maps, by PedPy
``threats``            casualties by cause; exposure, time to safety… for runs with threats
``analysis``           all of the above in one pass: :func:`analyse` → :class:`RunMetrics`
=====================  ==================================================================

Example::

    from experiments.metrics import analyse

    m = analyse("runs/concourse-seed1")
    m.headline()["t95_s"], m.flows["main-entrance"].specific_flow_ppms
"""

from .analysis import MAPS_FILE, METRICS_FILE, MapSet, RunMetrics, analyse, load_maps
from .density import DensityMaps
from .evacuation import EvacuationCurve, clearance_time, evacuation_curve
from .flow import (
    GREEN_GUIDE_LEVEL_PPMM,
    GREEN_GUIDE_LEVEL_PPMS,
    ExitFlow,
    door_width,
    exit_flows,
    flow_series,
)
from .grid import Grid
from .los import LEVELS, FruinMaps, fruin_level
from .pressure import CRITICAL_PRESSURE_PER_S2, PressureMaps
from .rundata import RunData
from .threats import Casualties, ThreatOutcomes, casualties, threat_outcomes
from .thresholds import Exceedance
from .voronoi import VoronoiMaps, voronoi_density_maps

__all__ = [
    "CRITICAL_PRESSURE_PER_S2",
    "GREEN_GUIDE_LEVEL_PPMM",
    "GREEN_GUIDE_LEVEL_PPMS",
    "LEVELS",
    "MAPS_FILE",
    "METRICS_FILE",
    "Casualties",
    "DensityMaps",
    "EvacuationCurve",
    "Exceedance",
    "ExitFlow",
    "FruinMaps",
    "Grid",
    "MapSet",
    "PressureMaps",
    "RunData",
    "RunMetrics",
    "ThreatOutcomes",
    "VoronoiMaps",
    "analyse",
    "casualties",
    "clearance_time",
    "door_width",
    "evacuation_curve",
    "exit_flows",
    "flow_series",
    "fruin_level",
    "load_maps",
    "threat_outcomes",
    "voronoi_density_maps",
]
