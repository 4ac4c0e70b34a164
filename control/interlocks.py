"""Why START or motion would be refused now: pure checks over the subsystems' state."""

from __future__ import annotations

from control.heating import Heating
from control.modes import Modes

START_REFUSED_IN = {  # states in which START is refused whatever else holds, and why
    "disabled": "the HMI is disabled",
    "fault": "a trip is active: acknowledge and reset",
    "starting": "already starting",
    "running": "already running",
    "stopping": "the machine is stopping",
}


def start_refusal(
    state: str, modes: Modes, estop_ok: bool, stop_held: bool, heating: Heating
) -> str | None:
    """Why START would be refused now (shown on the panel before anyone presses it)."""
    refused = START_REFUSED_IN.get(state)
    if refused is not None:
        return refused
    if modes.mode != "auto":
        return "manual mode"
    if not estop_ok:
        return "E-stop chain open"
    if stop_held:  # the stop button is normally closed: held, or its wire is cut
        return "stop button pressed or its wire cut"
    if heating.tunes_running():
        return "autotune running"
    return None


def motion_interlock(
    modes: Modes, estop_ok: bool, heating: Heating, min_extrude_c: float
) -> str | None:
    """Why the motors may not step now, or None. Cold plastic never meets a turning screw."""
    if not modes.hmi_enabled:
        return "HMI disabled"
    if not estop_ok:
        return "E-stop chain open"
    return heating.cold_reason(min_extrude_c)
