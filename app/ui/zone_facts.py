"""What a zone tile and the Heaters screen both show of a zone: actual, setpoint, duty, health."""

from __future__ import annotations

from kivy.properties import NumericProperty, StringProperty

from app.ui import fmt
from app.ui.i18n import Strings
from control.snapshot import ZoneView


class ZoneFacts:
    """Mixin of Kivy properties for one zone's values, in words and with units."""

    actual = StringProperty("")
    setpoint = StringProperty("")
    duty = NumericProperty(0.0)
    duty_text = StringProperty("")
    health = StringProperty("")
    alert = StringProperty("")  # "" when the sensor is healthy, else "warning" / "trip"

    def show_zone(self, z: ZoneView, t: Strings) -> None:
        self.actual = fmt.temp(z.temperature_c)
        self.setpoint = t.f("sp", v=fmt.whole(z.setpoint_c, "°C"))
        self.duty = z.duty
        self.duty_text = t.f("duty_is", v=fmt.pct(z.duty))
        self.health, self.alert = fmt.sensor_health(z, t)
