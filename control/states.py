"""The machine states (DESIGN §5) and the groups of them that the subsystems ask about."""

from __future__ import annotations

STATES = ("disabled", "idle", "heating", "ready", "starting", "running", "stopping", "fault")
HEATING_STATES = frozenset({"heating", "ready", "starting", "running", "stopping"})
MOTION_STATES = frozenset({"starting", "running", "stopping"})
STOPPED_STATES = ("idle", "heating", "ready")  # where mode changes and autotunes may start
