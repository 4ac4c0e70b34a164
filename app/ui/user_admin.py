"""Admin user management on the panel: add, PIN, role, remove; each change is audited."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock

from app.services.eventlog import log_audit
from app.ui import words
from app.ui.bridge import Outcome
from app.ui.keypad import open_keypad
from app.ui.new_user import NewUserSheet
from app.ui.users import PIN_RE, ROLES

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
            said = words.user_error(err, self.app.t) if err else text
            self.app.notify(said, "warn" if err else "info")
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
                new: str | None = None, error: str = "") -> None:  # fmt: skip
        """The secret keypad, twice: the PIN, then the same PIN again. Only a matching pair is
        saved (`save(pin)` runs off-thread); a mismatch starts over and nothing is saved."""
        t = self.app.t

        def first(pin: str, answer: Callable[[Outcome], None]) -> None:
            if not PIN_RE.match(pin):
                answer(Outcome(False, words=t.pin_rules))
                return
            answer(Outcome(True))  # closes this pad; the second one asks again
            again = lambda _dt: self._repeat(name, pin, save, action, done_key, new)  # noqa: E731
            Clock.schedule_once(again, 0)

        pad = open_keypad(_never, first, title=t.f("new_pin", who=name), lo=0, hi=0, decimals=0,
                          secret=True)  # fmt: skip
        pad.error = error

    def _repeat(self, name: str, pin: str, save: Callable[[str], None], action: str,
                done_key: str, new: str | None) -> None:  # fmt: skip
        t = self.app.t

        def second(again: str, answer: Callable[[Outcome], None]) -> None:
            if again != pin:
                answer(Outcome(True))
                retry = lambda _dt: self.ask_pin(name, save, action, done_key, new,  # noqa: E731
                                                 t.pin_mismatch)  # fmt: skip
                Clock.schedule_once(retry, 0)
                return

            def saved(err: BaseException | None) -> None:
                refusal = "" if err is None else words.user_error(err, t)
                answer(Outcome(err is None, words=refusal))

            self._change(action, name, lambda: save(pin), t.f(done_key, who=name), saved, new=new)

        open_keypad(_never, second, title=t.f("repeat_pin", who=name), lo=0, hi=0, decimals=0,
                    secret=True)  # fmt: skip

    def add(self) -> None:
        if self.app.may("admin"):
            NewUserSheet(self).open()


def _never(_value: float, _done: Any) -> None:
    """The PIN pad submits text (leading zeros matter), never a number."""
