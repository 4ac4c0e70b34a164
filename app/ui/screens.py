"""The screen registry: name → class, in navigation order (one kv file per name)."""

from __future__ import annotations

from app.ui.alarms import AlarmsScreen
from app.ui.base import KioskScreen
from app.ui.disabled import DisabledScreen
from app.ui.heaters import HeatersScreen
from app.ui.login import LoginScreen
from app.ui.motors import MotorsScreen
from app.ui.overview import OverviewScreen
from app.ui.system import SystemScreen
from app.ui.trends import TrendsScreen

SCREENS: list[tuple[str, type[KioskScreen]]] = [
    ("overview", OverviewScreen),
    ("heaters", HeatersScreen),
    ("motors", MotorsScreen),
    ("trends", TrendsScreen),
    ("alarms", AlarmsScreen),
    ("system", SystemScreen),
    ("login", LoginScreen),
    ("disabled", DisabledScreen),
]
NAV = ("overview", "heaters", "motors", "trends", "alarms", "system")
NAV_ICONS = {
    "overview": "view-dashboard-outline",
    "heaters": "thermometer",
    "motors": "cog-outline",
    "trends": "chart-line",
    "alarms": "bell-outline",
    "system": "information-outline",
}

__all__ = ["NAV", "NAV_ICONS", "SCREENS", "KioskScreen"]
