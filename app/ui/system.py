"""System: version, health checks, REST address and network; admins: users, HMI switch."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import ListProperty, StringProperty

from app.ui import words
from app.ui.base import KioskScreen
from app.ui.i18n import LANGUAGE_NAMES
from app.ui.sysinfo import collect
from app.ui.theme import TARGET_H
from app.ui.user_admin import UserAdmin
from control import commands as c
from control.snapshot import Snapshot

PROBE_S = 3.0


class SystemScreen(KioskScreen):
    """Facts first; the admin section only acts for admins (and says so otherwise)."""

    facts = ListProperty([])
    checks = ListProperty([])
    users = ListProperty([])
    languages = ListProperty([])
    rows = ListProperty([])  # facts, health checks and users: one scrolling list
    hmi_text = StringProperty("")
    network = StringProperty("")

    def on_facts(self, *_: Any) -> None:
        self._rows()

    def on_checks(self, *_: Any) -> None:
        self._rows()

    def on_users(self, *_: Any) -> None:
        self._rows()

    def _rows(self) -> None:
        t, u = self.app.t, self.app.u
        fact = {"viewclass": "FactRow", "size": (100, u * 30)}
        title = [{**fact, "key": t.health, "value": "", "alert": ""}]
        users = [{**fact, "key": t.users, "value": "", "alert": ""}] if self.users else []
        self.rows = [
            *({**fact, "key": k, "value": v, "alert": ""} for k, v in self.facts),
            *title,
            *({**fact, "key": "   " + k, "value": v, "alert": a} for k, v, a in self.checks),
            *users,
            *({"viewclass": "UserAdminRow", "size": (100, u * TARGET_H), **r} for r in self.users),
        ]

    def on_kv_post(self, *_: Any) -> None:
        self.app.bind(u=lambda *_: self._rows())  # row heights are in pixels: follow the size
        self._probe: Any = None
        self._info: dict[str, Any] = {}
        self.admin = UserAdmin(self.app, self.load_users)
        self.languages = list(LANGUAGE_NAMES.items())

    def on_pre_enter(self, *_: Any) -> None:
        super().on_pre_enter()
        self.probe()
        self._probe = Clock.schedule_interval(self.probe, PROBE_S)
        self.load_users()

    def on_leave(self, *_: Any) -> None:
        if self._probe is not None:
            self._probe.cancel()

    def probe(self, *_: Any) -> None:
        app = self.app
        s = app.services
        work = lambda: collect(app.machine, app.cfg, s.storage, s.rest_url)  # noqa: E731
        app.bridge.background(work, self._got)

    def _got(self, info: Any, err: BaseException | None) -> None:
        t = self.app.t
        if err is not None or not isinstance(info, dict):
            self.checks = [(t.health, t.f("check_error", err=err), "warning")]
            return
        self._info = info
        alert = {"ok": "", "degraded": "warning", "failing": "trip"}
        snap = self.app.bridge.last
        self.checks = [
            (t.get("check_" + name), words.check(name, ch, t, snap),
             alert.get(ch["status"], "warning"))
            for name, ch in info["checks"].items()
        ]  # fmt: skip
        if self.app.bridge.last is not None:
            self.refresh(self.app.bridge.last)

    def refresh(self, snap: Snapshot) -> None:
        app, t, info = self.app, self.app.t, self._info
        rest = app.services.rest_url or t.rest_disabled
        rest_state = "…"
        if not app.services.rest_url:
            rest_state = t.off
        elif info:
            why = t.get("rest_why_" + info["rest_words"])
            rest_state = t.reachable if info["rest_ok"] else t.f("unreachable", why=why)
        address = info.get("address")
        self.network = t.f("address_is", a=address) if address else t.no_network
        self.facts = [
            (t.version, f"tvemicro {app.version}"),
            (t.machine, f"{app.cfg.machine.name} ({app.machine.backend})"),
            (t.uptime, f"{snap.uptime_s / 3600:.1f} h"),
            (t.rest, rest),
            (t.rest_state, rest_state),
            (t.network, self.network),
            (t.loop, t.f("loop_is", tick=snap.loop.tick_s * 1000, over=snap.loop.overruns)),
        ]
        self.hmi_text = t.hmi_on if snap.hmi_enabled else t.hmi_off

    # -- users (admin) ---------------------------------------------------------------------------
    def load_users(self) -> None:
        self.app.bridge.background(self.app.services.users.names, self._users_loaded)

    def _users_loaded(self, names: Any, err: BaseException | None) -> None:
        t = self.app.t
        self.admin.roles = {} if err else dict(names)
        self.users = [{"name": n, "role": t.get("role_" + r)} for n, r in self.admin.roles.items()]

    def user_action(self, name: str, action: str) -> None:
        self.admin.act(name, action)

    def add_user(self) -> None:
        self.admin.add()

    def set_hmi(self, enabled: bool) -> None:
        t = self.app.t
        done = t.hmi_on if enabled else t.hmi_off
        self.app.act(lambda a: c.SetHmiEnabled(enabled, actor=a), "admin", done)

    def set_language(self, code: str) -> None:
        self.app.set_language(code)
