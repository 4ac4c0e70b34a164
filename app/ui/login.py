"""Login: pick a name, type the PIN on the pad; PINs are checked off the UI thread."""

from __future__ import annotations

import time
from typing import Any

from kivy.properties import ListProperty, StringProperty

from app.ui import words
from app.ui.base import KioskScreen

MAX_FAILURES = 5
LOCKOUT_S = 60.0


class LoginScreen(KioskScreen):
    """Without a login the panel is view-only; this screen gives operators their role."""

    users = ListProperty([])
    chosen = StringProperty("")
    pin = StringProperty("")
    message = StringProperty("")
    busy = StringProperty("")

    def on_kv_post(self, *_: Any) -> None:
        self.ids["login_button"] = self.ids.pad.ids.ok
        self._failures = 0
        self._locked_until = 0.0
        self._back_to = "overview"

    def on_pre_enter(self, *_: Any) -> None:
        self.pin, self.message = "", ""
        self._back_to = self.app.screen if self.app.screen != "login" else "overview"
        store = self.app.services.users
        self.app.bridge.background(store.names, self._loaded)

    def _loaded(self, names: Any, err: BaseException | None) -> None:
        t = self.app.t
        if err is not None:
            self.message = t.f("users_unreadable", err=words.user_error(err, t))
            return
        self.users = [{"name": n, "role": t.get("role_" + r)} for n, r in names or []]
        if not self.users:
            self.message = t.no_users
        elif self.chosen not in {u["name"] for u in self.users}:
            self.chosen = self.users[0]["name"] if len(self.users) == 1 else ""

    def choose(self, name: str) -> None:
        self.chosen, self.pin, self.message = name, "", ""

    def press(self, key: str) -> None:
        self.message = ""
        if key == "back":
            self.pin = self.pin[:-1]
        elif len(self.pin) < 8:
            self.pin += key

    def submit(self) -> None:
        t = self.app.t
        wait = self._locked_until - time.monotonic()
        if wait > 0:
            self.message = t.f("locked_out", s=round(wait))
            return
        if not self.chosen:
            self.message = t.choose_user
            return
        name, pin = self.chosen, self.pin
        self.busy = "login"
        store = self.app.services.users
        self.app.bridge.background(lambda: store.verify(name, pin), self._verified)

    def _verified(self, role: Any, err: BaseException | None) -> None:
        self.busy = ""
        name, self.pin = self.chosen, ""
        if err is None and role:
            self._failures = 0
            self.app.session.login(name, role)
            self.app.go(self._back_to)
            return
        self._failures += 1
        self.app.session.failed(name)
        if self._failures >= MAX_FAILURES:
            self._failures = 0
            self._locked_until = time.monotonic() + LOCKOUT_S
        self.message = self.app.t.wrong_pin if err is None else words.user_error(err, self.app.t)

    def cancel(self) -> None:
        self.app.go(self._back_to)
