"""Admin user management on the panel: add, PIN, role, remove; each change is audited."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from kivy.properties import StringProperty
from kivy.uix.modalview import ModalView

from app.services.eventlog import log_audit
from app.ui.bridge import Outcome
from app.ui.keypad import open_keypad
from app.ui.users import ROLES, UserError
from control.errors import HmiError

CONFIRM_S = 4.0

Done = Callable[[BaseException | None], None]


def audit(app: Any, action: str, name: str, result: BaseException | None, **change: Any) -> None:
    """An audit event like the core's (who, role, source, action, old → new, result); no PIN."""
    data: dict[str, Any] = {
        "who": app.user,
        "role": app.role,
        "source": "touch",
        "action": action,
        "args": {"name": name},
        "result": "applied" if result is None else "refused",
        "old": change.get("old"),
        "new": change.get("new"),
    }
    if result is not None:
        data["error"] = {"code": "invalid_user", "message": str(result)}
    wall = app.machine.clock.wall()
    sessions = app.services.sessions
    app.bridge.background(lambda: sessions.record("audit", wall, data), lambda _v, _e: None)
    log_audit(data)


class UserAdmin:
    """What the System screen's admin buttons do. Store calls run off the UI thread."""

    def __init__(self, app: Any, reload: Callable[[], None]) -> None:
        self.app = app
        self.reload = reload
        self.roles: dict[str, str] = {}  # name → role, as last loaded
        self._armed: tuple[str, float] = ("", 0.0)

    def _change(self, action: str, name: str, work: Callable[[], None], text: str,
                done: Done | None = None, **change: Any) -> None:  # fmt: skip
        def finished(_v: Any, err: BaseException | None) -> None:
            audit(self.app, action, name, err, **change)
            self.app.notify(str(err) if err else text, "warn" if err else "info")
            self.reload()
            if done is not None:
                done(err)

        self.app.bridge.background(work, finished)

    def act(self, name: str, action: str) -> None:
        """A row button: 'pin', 'role' (next role round the list) or 'remove' (tap twice)."""
        app, store, t = self.app, self.app.services.users, self.app.t
        if not app.may("admin"):
            return
        if action == "pin":
            self.ask_pin(name, lambda pin: store.set_pin(name, pin), "UserSetPin", "pin_set")
        elif action == "role":
            old = self.roles.get(name, "operator")
            new = ROLES[(ROLES.index(old) + 1) % len(ROLES)]
            work = lambda: store.set_role(name, new)  # noqa: E731
            self._change("UserSetRole", name, work, t.f("role_set", who=name), old=old, new=new)
        elif self._armed[0] == name and time.monotonic() - self._armed[1] < CONFIRM_S:
            self._armed = ("", 0.0)
            self._change("UserRemove", name, lambda: store.remove(name), t.f("removed", who=name),
                         old=self.roles.get(name))  # fmt: skip
        else:
            self._armed = (name, time.monotonic())
            app.notify(t.f("confirm_remove", who=name), "warn")

    def ask_pin(self, name: str, save: Callable[[str], None], action: str, done_key: str,
                new: str | None = None) -> None:  # fmt: skip
        """The secret keypad; `save(pin)` runs off-thread, the pad stays open on a refusal."""
        t = self.app.t

        def submit_text(pin: str, answer: Callable[[Outcome], None]) -> None:
            def saved(err: BaseException | None) -> None:
                answer(Outcome(True) if err is None else Outcome(False, error=HmiError(str(err))))

            self._change(action, name, lambda: save(pin), t.f(done_key, who=name), saved, new=new)

        title = t.f("new_pin", who=name)
        open_keypad(_never, submit_text, title=title, lo=0, hi=0, decimals=0, secret=True)

    def add(self) -> None:
        if self.app.may("admin"):
            NewUserDialog(self).open()


class NewUserDialog(ModalView):  # type: ignore[misc]
    """Name (on-screen keyboard) and role; then the PIN on the keypad creates the user."""

    role = StringProperty("operator")
    error = StringProperty("")

    def __init__(self, admin: UserAdmin, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.admin = admin
        self.auto_dismiss = False

    def next(self) -> None:
        from app.ui.users import check_new

        name = self.ids.name.text.strip()
        try:
            check_new(name, self.role, self.admin.roles)
        except UserError as err:
            self.error = str(err)
            return
        store = self.admin.app.services.users
        self.dismiss()
        save = lambda pin: store.add(name, self.role, pin)  # noqa: E731
        self.admin.ask_pin(name, save, "UserAdd", "added", new=self.role)


def _never(_value: float, _done: Any) -> None:
    """The PIN pad submits text (leading zeros matter), never a number."""
