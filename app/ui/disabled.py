"""Disabled: hmi_enabled is false; the legacy panel is in charge; live values, read-only."""

from __future__ import annotations

from typing import Any

from kivy.properties import ListProperty

from app.ui import fmt
from app.ui.base import KioskScreen
from control import commands as c
from control.snapshot import Snapshot


class DisabledScreen(KioskScreen):
    """A clear full screen; only an admin can hand the machine back to this HMI."""

    values = ListProperty([])

    def refresh(self, snap: Snapshot) -> None:
        t = self.app.t
        rows = [
            (z.name, f"{fmt.reading(z, t)}   {t.f('sp', v=fmt.whole(z.setpoint_c, '°C'))}")
            for z in snap.zones
        ]
        rows += [(s.name, fmt.reading(s, t)) for s in snap.sensors]
        rows += [(m.name, fmt.rpm(m.rpm, t)) for m in snap.motors]
        self.values = rows

    def enable(self) -> None:
        if not self.app.user:
            self.app.go("login")
            return
        self.app.act(lambda a: c.SetHmiEnabled(True, actor=a), "admin", self.app.t.hmi_on)

    def keep(self, *_: Any) -> None:
        """Nothing else acts here: the legacy panel owns the machine."""
