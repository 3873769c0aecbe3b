"""Column and key names used by writers, readers, metrics and viz (defined once).

The first four are PedPy's names (``pedpy.column_identifier``); the rest are CrowdSafe's.
"""

from __future__ import annotations

from typing import Final

ID_COL: Final = "id"
FRAME_COL: Final = "frame"
X_COL: Final = "x"
Y_COL: Final = "y"

POPULATION_COL: Final = "population"
EXIT_COL: Final = "exit"
T_START_COL: Final = "t_start_s"
T_EVACUATED_COL: Final = "t_evacuated_s"
OUTCOME_COL: Final = "outcome"
SPAWN_X_COL: Final = "spawn_x"
SPAWN_Y_COL: Final = "spawn_y"
DESIRED_SPEED_COL: Final = "desired_speed_mps"
RADIUS_COL: Final = "radius_m"

AGENTS_CSV_COLUMNS: Final = (
    ID_COL,
    POPULATION_COL,
    EXIT_COL,
    T_START_COL,
    T_EVACUATED_COL,
    OUTCOME_COL,
    SPAWN_X_COL,
    SPAWN_Y_COL,
    DESIRED_SPEED_COL,
    RADIUS_COL,
)

OUTCOME_EVACUATED: Final = "evacuated"
OUTCOME_REMAINING: Final = "remaining"

TRAJECTORY_FILE: Final = "trajectory.sqlite"
SUMMARY_FILE: Final = "summary.json"
AGENTS_FILE: Final = "agents.csv"
EVENTS_FILE: Final = "events.csv"
RUN_INFO_FILE: Final = "run_info.json"

# events.csv and the trajectory database's events table.
EVENT_TIME_COL: Final = "time_s"
EVENT_KIND_COL: Final = "kind"
EVENT_TARGET_COL: Final = "target"
EVENT_TEXT_COL: Final = "text"

EVENTS_CSV_COLUMNS: Final = (EVENT_TIME_COL, EVENT_KIND_COL, EVENT_TARGET_COL, EVENT_TEXT_COL)

# Keys the recording adds to summary.json (both) and run_info (format_version).
FORMAT_VERSION_KEY: Final = "format_version"
INTERRUPTED_KEY: Final = "interrupted"

# outcomes of attacks and crushes: "injured_<cause>", cause a threat kind or "crush"
OUTCOME_INJURED_PREFIX: Final = "injured_"
CAUSE_COL: Final = "cause"
T_INJURED_COL: Final = "t_injured_s"
T_PERCEIVE_COL: Final = "t_perceive_s"
TIME_TO_SAFETY_COL: Final = "time_to_safety_s"
EXPOSURE_COL: Final = "exposure_s"
MIN_THREAT_DISTANCE_COL: Final = "min_threat_distance_m"
MAX_FEAR_COL: Final = "max_fear"
TARGET_EXIT_COL: Final = "target_exit"
GROUP_COL: Final = "group"

# per-frame agent state columns (agent_state table)
STATE_SPEED: Final = "speed"
STATE_FEAR: Final = "fear"
STATE_HARMED: Final = "harmed"

# threats.csv: one row per recorded frame and threat (written when the run has threats)
THREATS_FILE: Final = "threats.csv"
THREATS_CSV_COLUMNS: Final = (
    FRAME_COL, "time_s", "threat", "kind", X_COL, Y_COL, "heading_x", "heading_y", "active",
    "radius_m",
)  # fmt: skip
