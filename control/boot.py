"""Process start: the stored settings and latched trips put back, each problem an alarm."""

from __future__ import annotations

import logging

from control.alarms import TRIP, WARNING, AlarmBook
from control.drives import Drives
from control.heating import Heating
from control.modes import Modes
from control.settings import SettingsStore, apply_stored

log = logging.getLogger("control.core")  # the start-up lines keep the core's logger name
LATCH_UNKNOWN = "latch_state_unknown"  # trip, source machine: alarms.json could not be read


def restore(
    settings: SettingsStore,
    parts: tuple[Modes, Heating, Drives],
    alarms: AlarmBook,
    wall: float,
) -> None:
    """Apply settings.json and bring back alarms.json's latched trips. Every value not applied
    becomes one `settings_corrupt` warning; an unreadable latch list a latched trip."""
    stored_settings, problems = settings.load()
    apply_stored(stored_settings, *parts)
    stored = settings.load_alarms()
    if stored.records:
        alarms.restore(stored.records)
    problems += stored.problems
    for problem in problems:
        log.warning("stored file not applied: %s", problem)
    if problems:  # one alarm per cause: every problem in it, each naming file and field
        alarms.raise_("settings_corrupt", "machine", WARNING, "; ".join(problems), wall)
    if stored.unknown:
        _latch_unknown(alarms, wall)


def _latch_unknown(alarms: AlarmBook, wall: float) -> None:
    """alarms.json existed but no copy could be trusted: a trip may have been latched, so
    start latched (fault) until someone has checked the machine, acknowledged and reset."""
    message = (
        "Stored alarms unreadable: latched trips unknown. Check the machine, then "
        "acknowledge and reset"
    )
    log.error("%s", message)
    alarms.raise_(LATCH_UNKNOWN, "machine", TRIP, message, wall)
    alarms.condition_gone(LATCH_UNKNOWN, "machine", wall)  # latched; ack + reset clear it
