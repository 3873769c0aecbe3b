"""The validation cases, in report order.

Each case names its source with the tags of ``reference/validation-sources``: [doc] read in a
document, [code] read in a public source file, [secondary] a third-party suite citing the
document, [recalled] from memory of the literature and not verified here.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import experimental, helbing, imo, rimea
from .core import Case

__all__ = ["CASES", "select"]

_ADULTS = "adults: desired speed N(1.34, 0.26) m/s truncated to 0.5–2.0, radius 0.2 m"

CASES: tuple[Case, ...] = (
    Case(
        id="rimea-01",
        title="RiMEA 1 — walking speed in a corridor",
        family="RiMEA",
        source="RiMEA 3.0 / 4.1.1 Test 1 [doc: RiMEA text via JuPedSim's transcription]; IMO Test 1",
        setup="corridor 2 m × 40 m (+2 m at each end), one person, v0 = 1.33 m/s, r = 0.2 m",
        measured="time between crossing x = 0 and x = 40 m (PedPy `compute_n_t`)",
        reference="26–34 s (RiMEA: 40 cm body, 1 s premovement, ±5 % speed); nominal 30.08 s",
        scenario_files=("rimea-01-corridor.toml",),
        analyse=rimea.rimea_01,
        quick=True,
    ),
    Case(
        id="rimea-04",
        title="RiMEA 4 — fundamental diagram (measuring points)",
        family="RiMEA",
        source="RiMEA 3.0 / 4.1.1 Test 4 [doc]; measuring points after JuPedSim's set-up [code]",
        setup=(
            "1.8 m × 20 m corridor fed from a 10 m × 10 m waiting area through an entrance of"
            " 0.6–1.8 m and left through an exit of 0.5–1.8 m (six runs, 200–250 " + _ADULTS + ")"
            "; three 2 m measuring sections across the corridor: main x 14–16 m, controls x 10–12"
            " and 6–8 m. RiMEA's 1000 m × 10 m corridor with set initial densities needs periodic"
            " boundaries the engine does not have; the entrance and exit widths set the density"
            " instead (the Jülich UO design)"
        ),
        measured=(
            "Voronoi density and speed per frame at the three points (PedPy), in each run's"
            " steady window (between 10 % and 90 % of the people passing the main section)"
        ),
        reference=(
            "RiMEA documents the diagram (no threshold). Expected direction, checked: speed falls"
            " as density rises at the main point (binned means never rise by more than 0.05 m/s),"
            " and the control points give the same diagram (binned speeds within 0.15 m/s of the"
            " main point's where both have data). The densities RiMEA asks for (0.5–6 P/m²) are"
            " reported against those reached"
        ),
        scenario_files=("corridor-fd.toml",),
        analyse=experimental.rimea_04,
        group="fd",
        known_failure=(
            "the corridor is fed at one end and jams from the other, so it is not homogeneous: in"
            " the jam runs the queue grows back from the exit and the upstream control sections"
            " sample its moving front (slow, thin states). RiMEA's set-up needs a periodic (or"
            " 1000 m) corridor; the engine has no periodic boundaries"
        ),
        cost=3.0,
    ),
    Case(
        id="rimea-05",
        title="RiMEA 5 — premovement times",
        family="RiMEA",
        source=(
            "RiMEA Test 5 / IMO Test 5 [doc]; start tolerance 0.2 s from a jpscore RiMEA check"
            " [secondary]; NIST TN 1822 Verif.1.1 distributions [doc]"
        ),
        setup="8 m × 5 m room, 1 m exit; 10 " + _ADULTS + "; premovement U(10, 100) s",
        measured="first movement (5 mm from spawn) minus assigned premovement time, 20 fps",
        reference=(
            "every person starts at its time: error in [0, 0.2] s; NIST distributions of"
            " assigned times: KS p > 0.05"
        ),
        scenario_files=("rimea-05-premovement.toml",),
        analyse=rimea.rimea_05,
        quick=True,
    ),
    Case(
        id="rimea-06",
        title="RiMEA 6 — movement around a corner",
        family="RiMEA",
        source="RiMEA Test 6 / IMO Test 6 / NIST Verif.2.3 [doc]; geometry of JuPedSim [code]",
        setup="L-shaped 2 m corridor, arms of 12 m; 20 " + _ADULTS,
        measured="trajectory points inside the wall block; agents out and time",
        reference="no point inside walls (hard criterion); all 20 out (NIST: within 60 s)",
        scenario_files=("rimea-06-corner.toml",),
        analyse=rimea.rimea_06,
        quick=True,
    ),
    Case(
        id="rimea-07",
        title="RiMEA 7 — demographic speed allocation",
        family="RiMEA",
        source=(
            "RiMEA Test 7 [doc]; walking-speed table (Weidmann by age) as coded by JuPedSim,"
            " 'RiMEA page 15, picture 2' [code, secondary — the 0.58 m/s minimum of the youngest"
            " group looks odd and is not checked against the RiMEA figure]"
        ),
        setup=(
            "4 groups × 50: 20–30 y N(1.095, 0.20) on [0.58, 1.61]; 30–50 y N(1.475, 0.02) on"
            " [1.41, 1.54]; 50–80 y N(1.045, 0.13) on [0.68, 1.41]; impaired N(0.61, 0.05) on"
            " [0.46, 0.76] m/s; 30 m walk across a 40 m × 100 m hall at 0.2 P/m²"
        ),
        measured="assigned desired speeds per group; realised median speeds",
        reference=(
            "assigned: all within the group's range and consistent with the truncated normal"
            " (KS p ≥ 0.01); realised: within RiMEA's ±5 % speed tolerance of the assigned speed"
            " for every person"
        ),
        scenario_files=("rimea-07-demographics.toml",),
        analyse=rimea.rimea_07,
        quick=True,
    ),
    Case(
        id="rimea-08",
        title="RiMEA 8 — parameter analysis (direction of effect)",
        family="RiMEA",
        source="RiMEA 3.0 / 4.1.1 Test 8 [doc]; JuPedSim varied v0 and τ [code]",
        setup=(
            "one floor: eight 5 m × 5 m rooms off a 2 m corridor, 1 m doors, 1 m exit; 4 people per"
            " room (32). Desired speed all equal 0.5, 0.75, 1.0 m/s; uniform around 0.75 m/s:"
            " U(0.5, 1.0) and U(0.25, 1.25); relaxation time τ = 0.3, 0.5, 0.7 s at 1.0 m/s."
            " RiMEA's three-storey building is reduced to one level (no stairs in the engine)"
        ),
        measured="evacuation time (last person out)",
        reference=(
            "documentation; expected direction, checked: a slower population never evacuates"
            " faster (T(0.5) > T(0.75) > T(1.0)), and a wider spread of speeds around the same"
            " mean takes longer (T(0.75) < T(U(0.5, 1.0)) < T(U(0.25, 1.25))). τ is documented"
        ),
        scenario_files=("rimea-08-floor.toml",),
        analyse=rimea.rimea_08,
        quick=True,
        known_failure=(
            "at 0.5 m/s three people stall for good at the exit door: two pinned against the wall"
            " on either side of the opening and one behind them, whose repulsion (range B ="
            " 0.2 m, about 55 N each at 0.9 m) outweighs a slow walker's driving force (m v0/τ ="
            " 80 N); the model has no fluctuation force to break such a symmetric standstill"
        ),
    ),
    Case(
        id="rimea-09",
        title="RiMEA 9 — large room, four exits then two",
        family="RiMEA",
        source=(
            "RiMEA Test 9 [doc: rimea.de]; IMO Test 9 [doc]; JuPedSim assertion 1.6 ≤ T2/T4 ≤ 2.4"
            " [code]; FDS+Evac reference ×1.87–1.88 [doc]"
        ),
        setup=(
            "30 m × 20 m room, four 1 m doors (two in each 30 m wall, at x 4–5 and 25–26 m);"
            " 1000 " + _ADULTS + " in x 2–28, y 2–18; then the two doors of one wall locked"
        ),
        measured="time of the last person out, four doors vs two doors",
        reference=(
            "'approximately a doubling' (RiMEA: documentation, not an exclusion criterion);"
            " criterion: ratio T2/T4 in [1.6, 2.4] (JuPedSim's operationalisation)"
        ),
        scenario_files=("rimea-09-four-exits.toml", "rimea-09-two-exits.toml"),
        analyse=rimea.rimea_09,
        cost=2.5,
    ),
    Case(
        id="rimea-10",
        title="RiMEA 10 — allocation of escape routes",
        family="RiMEA",
        source="RiMEA Test 10 / IMO Test 10 / NIST Verif.3.1 [doc]; layout after JuPedSim [code]",
        setup="12 rooms off a 1 m corridor, 0.9 m doors; 23 people, 15 allocated the main exit,"
        " 8 the secondary exit",
        measured="exit used by each person",
        reference="all use their allocated exit (100 %)",
        scenario_files=("rimea-10-escape-routes.toml",),
        analyse=rimea.rimea_10,
        quick=True,
    ),
    Case(
        id="rimea-11",
        title="RiMEA 11 — choice of escape route",
        family="RiMEA",
        source="RiMEA Test 11 [doc]; exit layout of JuPedSim [code]; check near > far > 0 of a"
        " jpscore RiMEA check [secondary]",
        setup=(
            "30 m × 20 m room, two 1 m doors in the top wall at x 21–22 m (exit 1) and x 27–28 m"
            " (exit 2); 1000 " + _ADULTS + " filling the left part (x 0.5–20 m) at high density;"
            " exit choice 'quickest' (walk plus queue, revised every 2 s)"
        ),
        measured="people leaving by each exit",
        reference=(
            "most use the nearer exit 1 and congestion forms there, but some use exit 2:"
            " N(exit 1) > N(exit 2) > 0"
        ),
        scenario_files=("rimea-11-route-choice.toml",),
        analyse=rimea.rimea_11,
        cost=2.0,
    ),
    Case(
        id="rimea-12",
        title="RiMEA 12 — effect of bottlenecks",
        family="RiMEA",
        source=(
            "RiMEA 3.0 Test 12 [doc]; JuPedSim geometry and flow criterion [code]; RiMEA 4.1.1"
            " 12d widths [secondary]"
        ),
        setup=(
            "room 1 (10 m × 10 m) → corridor 5 m × 1 m → room 2 (10 m × 10 m) → 1 m exit;"
            " 150 " + _ADULTS + " in room 1; corridor widths 0.8, 1.0, 1.2 m for 12d"
        ),
        measured=(
            "flows (N − 1)/(t_last − t_first) at the corridor end and 1 m before the exit; peak"
            " Voronoi density in front of the corridor and in front of the exit"
        ),
        reference=(
            "congestion only in room 1: J_corridor − J_exit ≥ −0.05 p/s (JuPedSim) and the peak"
            " density before the exit below that before the corridor; 12d: flow rises with width"
        ),
        scenario_files=("rimea-12-bottlenecks.toml",),
        analyse=rimea.rimea_12,
        quick=True,
        cost=0.7,
    ),
    Case(
        id="rimea-15",
        title="RiMEA 15 — large crowd round a corner",
        family="RiMEA",
        source="RiMEA Test 15 [doc]; RiMEA 4.1.1 lengths 44 m, 34 + 30 m, 75.4 m [secondary];"
        " JuPedSim's criterion [code]",
        setup=(
            "three 20 m wide ways from a 20 m × 10 m start area to a 20 m wide exit: straight"
            " 44 m, L-shaped 34 m + 30 m, straight 75.4 m; 500 " + _ADULTS
        ),
        measured="time of the last person out in each",
        reference="'ideally' T_short ≤ T_corner ≤ T_long (criterion as in JuPedSim)",
        scenario_files=("rimea-15-short.toml", "rimea-15-corner.toml", "rimea-15-long.toml"),
        analyse=rimea.rimea_15,
        cost=0.6,
    ),
    Case(
        id="rimea-16",
        title="RiMEA 16 — one-dimensional fundamental diagram",
        family="RiMEA",
        source=(
            "RiMEA 4.1.1 Test 16 [secondary]; single-file experiment data (runs with N = 14, 20,"
            " 34, 45, 62 people) as shipped with JuPedSim's 1D validation test [code], attributed"
            " to Seyfried et al. 2005 (J. Stat. Mech. P10002) [recalled]"
        ),
        setup=(
            "0.7 m wide, 60 m long corridor (single file: two r = 0.2 m bodies do not fit abreast)"
            "; a leader with fixed desired speed v_L and 24 followers (N(1.34, 0.1) m/s) start"
            " 1.5 m apart; v_L = 0.05–1.1 m/s. Without a ring, the platoon behind a pace-setter"
            " sets the steady following speed"
        ),
        measured=(
            "1D density (1/headway) and speed of the followers in the last 10 s before the leader"
            " reaches x = 55 m"
        ),
        reference=(
            "inside the empirical band: for each experimental run, the simulated speed at that"
            " run's median density lies within the run's 10–90 % speed range"
        ),
        scenario_files=("rimea-16-single-file.toml",),
        analyse=experimental.rimea_16,
        known_failure=(
            "the space a person keeps hardly grows with speed: followers walk at nearly their free"
            " speed until the headway falls to about 0.6 m and then slow down abruptly, while"
            " people's headway grows steadily with speed (Seyfried et al. 2005: about 0.36 m +"
            " 1.06 s × v [recalled]); the social force has no velocity-dependent space requirement"
        ),
    ),
    Case(
        id="imo-04",
        title="IMO 4 / NIST 5.2 — exit flow through a door",
        family="IMO/NIST",
        source=(
            "IMO MSC.1/Circ.1238/1533 Annex 3 Test 4 [doc]; NIST TN 1822 Verif.5.2 [doc];"
            " FDS+Evac results 1.24 p/s (λ = 0.3), 1.54 p/s (λ = 0.5) [doc]"
        ),
        setup=(
            "8 m × 5 m room, 1 m exit centred in the 5 m wall; 100 people, IMO test population"
            " (males 30–50: speed U(0.97, 1.62) m/s), r = 0.2 m"
        ),
        measured="flow over the whole period, N / (time of the last person out)",
        reference="≤ 1.33 p/s (IMO's design flow per metre of door)",
        scenario_files=("imo-04-door-flow.toml",),
        analyse=imo.imo_04,
        quick=True,
        known_failure=(
            "the normal set is calibrated to laboratory bottleneck flows (about 1.8 p/(m·s),"
            " Kretz 2006 / Seyfried 2009), which exceed IMO's conservative design value"
        ),
    ),
    Case(
        id="imo-08",
        title="IMO 8 / NIST 2.8 — counter-flow",
        family="IMO/NIST",
        source="IMO Test 8 [doc]; NIST TN 1822 Verif.2.8 [doc]; FDS+Evac 50.0, 75.0, 106.9, 136.1 s [doc]",
        setup=(
            "two 10 m × 10 m rooms joined by a 10 m × 2 m corridor; 100 people in room 1 go to"
            " room 2 while 0, 10, 50, 100 people in room 2 go the other way; IMO population"
        ),
        measured="time for the last person of room 1 to enter room 2",
        reference="increases with the number of opposing people (strictly)",
        scenario_files=("imo-08-counterflow.toml",),
        analyse=imo.imo_08,
        known_failure=(
            "100 against 100 people gridlock in the 2 m corridor (not all cross within 600 s):"
            " the social force has no anticipation or side preference, so opposing streams do"
            " not form lanes"
        ),
        cost=1.5,
    ),
    Case(
        id="weidmann-fd",
        title="Weidmann's fundamental diagram",
        family="experiment",
        source=(
            "Weidmann 1993 in Kladek's form: v0 = 1.34 m/s, γ = 1.913 m⁻², ρmax = 5.4 m⁻² [doc:"
            " formula as quoted in Johansson 2007 and RiMEA]"
        ),
        setup="the corridor runs of RiMEA 4 (main measuring point)",
        measured="mean Voronoi speed in density bins of 0.5 P/m²",
        reference=(
            "within ±0.2 m/s of Weidmann's v(ρ) in every bin the simulation reaches (0.2 m/s is"
            " the spread between empirical data sets, e.g. Jülich vs Weidmann at 1.2 P/m²)"
        ),
        scenario_files=("corridor-fd.toml",),
        analyse=experimental.weidmann_fd,
        quick=True,
        group="fd",
        known_failure=(
            "at the edge of the tolerance: between 1.3 and 2.2 P/m² the model walks 0.15–0.26 m/s"
            " faster than Weidmann, because the normal set is calibrated to the bottleneck"
            " experiments, whose flows (1.6–2.0 p/(m·s)) exceed the maximum of Weidmann's diagram"
            " (1.22 p/(m·s)); the full suite's six corridor runs stay within 0.2 m/s in every"
            " bin, the quick suite's three runs do not"
        ),
        cost=0.5,
    ),
    Case(
        id="juelich-corridor",
        title="Jülich corridor data (1.8 m)",
        family="experiment",
        source=(
            "Jülich experiments, series 'ug-180' (a 1.8 m wide corridor; runs 015, 060, 140, 230),"
            " Voronoi (ρ, v) time series as shipped with JuPedSim's 2D fundamental-diagram test"
            " [code; the set-up beyond the width is not verified here]; free speed of the"
            " participants ≈ 1.15 m/s (run 015)"
        ),
        setup=(
            "the corridor runs of RiMEA 4 repeated with the participants' free speed,"
            " N(1.15, 0.15) m/s on [0.5, 1.8]"
        ),
        measured="mean Voronoi speed at each run's median density (±0.25 P/m²)",
        reference="within each run's 10–90 % speed range",
        scenario_files=("corridor-fd.toml",),
        analyse=experimental.juelich_corridor,
        group="fd",
        known_failure=(
            "at 1.1 P/m² the model walks faster than the participants (as against Weidmann: the"
            " set is calibrated to bottleneck flows), and its jams saturate near 3 P/m², below"
            " the 3.3 and 4.0 P/m² of the two densest runs"
        ),
        cost=2.5,
    ),
    Case(
        id="bottleneck-width",
        title="Bottleneck flow against width",
        family="experiment",
        source=(
            "Kretz, Grünebohm & Schreckenberg 2006 (J. Stat. Mech. P10014) data as shipped with"
            " JuPedSim [code]; Seyfried et al. 2009 (Transp. Sci. 43:395) 'linear growth of the"
            " flow with the width' [doc: abstract], J ≈ 1.9 b [recalled]; Liao et al. 2014"
            " (Transp. Res. Proc. 2:26) linear up to 5 m [doc: abstract]; Liao et al. 2016:"
            " N/b ≳ 115 /m for a steady state [doc: abstract]"
        ),
        setup=(
            "15 m × 12 m room → 5 m long bottleneck of width b = 0.8, 1.0, 1.2, 1.8, 2.4, 3.6 m;"
            " N = max(150, 115 b) " + _ADULTS + "; 3 seeds"
        ),
        measured="flow (0.8 N)/(t90 − t10) at the middle of the bottleneck (PedPy N–t curve)",
        reference=(
            "specific flow J/b within 1.6–2.1 p/(m·s) at every width (experimental band), and"
            " linear growth: largest/smallest J/b ≤ 1.2"
        ),
        scenario_files=("bottleneck-width.toml",),
        analyse=experimental.bottleneck_width,
        quick=True,
        cost=2.5,
    ),
    Case(
        id="helbing-clogging",
        title="Helbing 2000 — clogging and arching",
        family="Helbing 2000",
        source="Helbing, Farkas & Vicsek 2000 (Nature 407:487), Fig. 1 [recalled]",
        setup=(
            "15 m × 15 m room, 1 m door in a 0.2 m wall, 200 people r ~ U(0.25, 0.35) m, panic"
            " set, crush rule off (friction and arching only, as in the paper's Fig. 1); v0 = 1"
            " and 5 m/s"
        ),
        measured="time gaps between successive leavers; clogs = gaps ≥ 2 s with ≥ 10 people"
        " within 2 m of the door",
        reference=(
            "smooth outflow at 1 m/s (no clog), intermittent outflow with clogs at 5 m/s and a"
            " broader gap distribution (90th percentile of gaps larger at 5 m/s); arch visible"
        ),
        scenario_files=("helbing-room.toml",),
        analyse=helbing.clogging,
        group="helbing",
        known_failure=(
            "with Helbing's constants and 0.5–0.7 m wide bodies, a 1 m door clogs now and then"
            " already at 1 m/s (gaps of 2–5 s while people press at the door; an independent"
            " re-implementation showed the same at 0.8 m/s), and the gaps at 5 m/s are no broader"
            " (same 90th percentile): clogs are more frequent at 5 m/s, but the paper's contrast"
            " between smooth outflow at normal speed and intermittent outflow in panic"
            " [recalled] is not reproduced"
        ),
        cost=0.5,
    ),
    Case(
        id="helbing-fis",
        title="Helbing 2000 — faster-is-slower",
        family="Helbing 2000",
        source=(
            "Helbing, Farkas & Vicsek 2000, Fig. 1c [recalled]: leaving time against v0 has a"
            " minimum (about 1.5 m/s) and rises steeply beyond"
        ),
        setup=(
            "as clogging; v0 = 0.8, 1.0, 1.5, 2.0, 3.0, 5.0 m/s, 2 seeds (quick: 1.0, 2.0,"
            " 5.0 m/s, 1 seed)"
        ),
        measured="time for 180 of the 200 to leave (robust against a last straggler)",
        reference=(
            "minimum at an intermediate v0 (not at 0.8 nor at 5 m/s) and T(5 m/s) ≥ 1.3 × T_min"
        ),
        scenario_files=("helbing-room.toml",),
        analyse=helbing.faster_is_slower,
        quick=True,
        group="helbing",
        cost=4.0,
    ),
    Case(
        id="helbing-injury",
        title="Helbing 2000 — injuries (crush rule)",
        family="Helbing 2000",
        source=(
            "Helbing, Farkas & Vicsek 2000: injured when the radial contact force per"
            " circumference exceeds 1600 N/m, then an obstacle [recalled; third-party code]"
        ),
        setup=(
            "as clogging, with the engine's crush rule on (its default: compression per"
            " circumference, averaged over 1 s, above 1600 N/m); v0 = 1 and 5 m/s, 2 seeds, 60 s"
        ),
        measured="injured people per v0; displacement of the injured after injury",
        reference=(
            "no injuries at a normal v0 (1 m/s); injuries at panic speed (5 m/s); the injured"
            " do not move (< 1 cm) and do not leave"
        ),
        scenario_files=("helbing-room.toml",),
        analyse=helbing.injury,
        group="helbing-injury",
        cost=1.0,
    ),
    Case(
        id="helbing-column",
        title="Helbing 2000 — column in front of the exit",
        family="Helbing 2000",
        source=(
            "Helbing, Farkas & Vicsek 2000, Fig. 3 [recalled]: a column placed asymmetrically"
            " in front of the exit reduces the pressure at the door, the injuries, and raises"
            " the outflow"
        ),
        setup=(
            "as clogging at v0 = 5 m/s, with and without a column of diameter 0.6 m placed"
            " 1 m in front of the exit, 0.25 m off its axis; 2 seeds"
        ),
        measured=(
            "time for 180 of 200 to pass the door (crush rule off); injured within 60 s (crush"
            " rule on)"
        ),
        reference="with the column: a shorter leaving time and fewer injured",
        scenario_files=("helbing-room.toml", "helbing-column.toml"),
        analyse=helbing.column,
        group="helbing",
        known_failure=(
            "with the column the mean leaving time of two seeds is shorter (crush rule off; the"
            " difference is within the spread between seeds), but the injured are not fewer: with the engine's crush rule, at 5 m/s about half of the crowd is injured"
            " within the first seconds, in the collisions of the initial rush towards the door"
            " (see the injury case), before a queue forms at the door where the column acts"
        ),
        cost=1.5,
    ),
)


def select(*, quick: bool = False, only: Sequence[str] | None = None) -> list[Case]:
    """The cases of the full or quick suite, optionally only those whose id starts with one of
    ``only``."""
    cases = [c for c in CASES if c.quick or not quick]
    if only:
        cases = [c for c in cases if any(c.id == o or c.id.startswith(o) for o in only)]
    return cases
