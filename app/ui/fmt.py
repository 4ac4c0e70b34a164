"""Number formatting with units, and words for sensor health (shared by the screens)."""

from __future__ import annotations

from app.ui import words
from app.ui.i18n import Strings
from control.snapshot import SensorView, ZoneView


def temp(value: float | None) -> str:
    return "--.- °C" if value is None else f"{value:.1f} °C"


def whole(value: float | None, unit: str) -> str:
    return f"-- {unit}" if value is None else f"{value:g} {unit}"


def pct(duty: float) -> str:
    return f"{duty * 100:.0f} %"


def rpm(value: float, t: Strings) -> str:
    """A speed with the unit of the panel's language (rpm or U/min, never mixed)."""
    return f"{value:.1f} {t.unit_rpm}"


def reading(view: ZoneView | SensorView, t: Strings) -> str:
    """A temperature, or the sensor's trouble in words instead of a stale number."""
    words, alert = sensor_health(view, t)
    return words if alert == "trip" else temp(view.temperature_c)


def sensor_health(view: ZoneView | SensorView, t: Strings) -> tuple[str, str]:
    """(words, alert) for a thermocouple: alert is "" when healthy, else "trip"/"warning"."""
    if view.fault:
        return t.f("sensor_fault", fault=words.fault(view.fault, t)), "trip"
    if not view.sensor_ok or view.temperature_c is None:
        return t.sensor_bad, "trip"
    if view.age_s is not None and view.age_s > 1.0:
        return t.f("sensor_stale", s=view.age_s), "warning"
    return t.sensor_ok, ""


def seconds(value: float) -> str:
    value = max(0.0, value)
    if value < 120:
        return f"{value:.0f} s"
    return f"{int(value // 60)} min {int(value % 60):02d} s"
