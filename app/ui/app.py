"""The kiosk App: loads one kv per screen, owns the bridge and session, routes snapshots."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import LabelBase
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import NumericProperty, ObjectProperty, StringProperty

from app import __version__
from app.ui import words
from app.ui.bridge import Bridge, Outcome
from app.ui.chrome import KioskRoot  # noqa: F401  (registers the kv root class)
from app.ui.i18n import Strings
from app.ui.main_gc import MainThreadCollector
from app.ui.screens import SCREENS, KioskScreen
from app.ui.services import Services
from app.ui.session import Session
from app.ui.theme import ICON_FONT, unit
from app.ui.users import RANK
from control.commands import Actor, Command
from control.errors import HmiError
from control.snapshot import Snapshot
from machine_config.config import Config

# The source tree's kv/, or the copy a wheel installs under <prefix>/share/tvemicro/kv.
_TREE_KV = Path(__file__).resolve().parents[2] / "kv"
KV_DIR = _TREE_KV if _TREE_KV.is_dir() else Path(sys.prefix) / "share" / "tvemicro" / "kv"
SHARED_KV = ("widgets", "keypad", "kiosk")
CONTROL_SCREENS = ("overview", "heaters", "motors")  # replaced by "disabled" while HMI is off


class KioskApp(App):  # type: ignore[misc]
    """One window: header (status, trip banner, messages, STOP), the visible screen, navigation."""

    u = NumericProperty(1.0)  # pixels per layout unit (see theme.unit)
    t = ObjectProperty(Strings(), rebind=True)  # the language; kv `app.t.<key>` rebinds on change
    role = StringProperty("viewer")
    user = StringProperty("")
    screen = StringProperty("overview")

    def __init__(self, machine: Any, cfg: Config, services: Services, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.machine = machine
        self.cfg = cfg
        self.services = services
        self.version = __version__
        self.title = f"{cfg.machine.name} — TVEmicro"
        self.t = Strings(services.prefs.language)
        self.bridge = Bridge(machine.core, cfg.ui.refresh_s, self.on_snapshot)
        self.bridge.on_stale = self.on_stale
        self.session = Session(self, cfg.ui)
        self.first_frame_s: float | None = None
        self._hmi_was = True
        self.collector = MainThreadCollector()

    # -- building -------------------------------------------------------------------------------
    def build(self) -> Any:
        LabelBase.register("Icons", ICON_FONT)
        for name in SHARED_KV[:-1]:
            Builder.load_file(str(KV_DIR / f"{name}.kv"))
        for name, _cls in SCREENS:
            Builder.load_file(str(KV_DIR / f"{name}.kv"))
        root = Builder.load_file(str(KV_DIR / "kiosk.kv"))
        for name, cls in SCREENS:
            root.ids.sm.add_widget(cls(name=name))
        Window.bind(size=self._resized)
        self._resized(Window, Window.size)
        return root

    def on_start(self) -> None:
        Window.clearcolor = (0.78, 0.78, 0.78, 1)
        self.collector.start()
        self.session.start()
        self.bridge.start()
        Clock.schedule_once(self._first_frame, 0)

    def _first_frame(self, _: float) -> None:
        import time

        self.first_frame_s = time.monotonic()

    def on_stop(self) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        """Stop timers and the worker; the machine itself belongs to the caller."""
        self.session.stop()
        self.bridge.stop()
        self.collector.stop()

    def _resized(self, _win: Any, size: tuple[int, int]) -> None:
        self.u = unit(int(size[0]), int(size[1]))

    # -- snapshots ------------------------------------------------------------------------------
    def on_snapshot(self, snap: Snapshot) -> None:
        """Called by the bridge on the Kivy thread with each new snapshot."""
        root = self.root
        if root is None:
            return
        self.session.on_snapshot(snap)
        root.refresh(snap)
        just_disabled = self._hmi_was and not snap.hmi_enabled and self.screen != "login"
        self._hmi_was = snap.hmi_enabled
        if just_disabled or (not snap.hmi_enabled and self.screen in CONTROL_SCREENS):
            self.go("disabled")  # then alarms, trends, system and login stay usable
        elif snap.hmi_enabled and self.screen == "disabled":
            self.go("overview")
        if not self.session.blanked:
            self.current().refresh(snap)

    def on_stale(self, quiet_s: float) -> None:
        """The core has not published for a while: say so instead of showing old values."""
        if self.root is not None:
            self.root.banner_text = self.t.f("no_data", s=quiet_s)
            self.root.state_alert = "trip"

    def current(self) -> KioskScreen:
        screen: KioskScreen = self.root.ids.sm.current_screen
        return screen

    def go(self, name: str) -> None:
        """Show a screen; it refreshes from the latest snapshot before it appears. While the HMI
        is disabled the Disabled screen stands in for Overview, Heaters and Motors."""
        last = self.bridge.last
        if name in CONTROL_SCREENS and last is not None and not last.hmi_enabled:
            name = "disabled"
        self.root.ids.sm.current = name
        self.screen = name

    # -- commands -------------------------------------------------------------------------------
    def actor(self) -> Actor:
        return Actor(self.user or "touch", self.role, "touch")

    def act(
        self,
        make: Any,
        need: str = "operator",
        done_text: str = "",
        on_done: Any = None,
    ) -> None:
        """Submit a command built by `make(actor)`; show the core's answer, assume nothing."""
        if not self.may(need):  # e.g. logged out (timeout) while a keypad was open: nothing sent
            if on_done is not None:
                on_done(Outcome(False, error=HmiError(self.block_reason(need, "", self.role))))
            return
        cmd: Command = make(self.actor())
        self.session.touch()

        def finished(outcome: Outcome) -> None:
            if outcome.ok:
                if done_text:
                    self.notify(done_text, "info")
            else:
                outcome = replace(outcome, words=self.refusal(outcome, cmd))
                said = outcome.message  # "Reset refused: …" needs no "Refused: " in front
                already = self.t.refused_word in said.lower()
                self.notify(said if already else self.t.f("refused", msg=said), "warn")
            if on_done is not None:
                on_done(outcome)
            self.bridge.poll()

        self.bridge.submit(cmd, finished)

    def refusal(self, outcome: Outcome, cmd: Command) -> str:
        """The core's refusal of `cmd` in words (the zone or motor it was for named)."""
        snap = self.bridge.last
        about = getattr(cmd, "zone", None) or getattr(cmd, "motor", None)
        subject = words.name_of(about, snap) if isinstance(about, str) else ""
        return words.refusal(outcome.error, self.t, snap, subject)

    def may(self, need: str) -> bool:
        """True when the logged-in role is enough for `need`; otherwise say why on screen."""
        reason = self.block_reason(need, "", self.role)
        if reason:
            self.notify(reason, "warn")
        return not reason

    def block_reason(self, need: str, reason: str, role: str, _t: Any = None) -> str:
        """Why a button may not act now: role first (login), then the machine's reason."""
        t: Strings = self.t
        if RANK.get(role, 0) < RANK.get(need, 0):
            return t.login_needed if role == "viewer" else t.f("role_needed", role=need)
        return reason

    def notify(self, text: str, level: str = "info") -> None:
        if self.root is not None:
            self.root.toast(text, level)

    def set_language(self, language: str) -> None:
        self.t = Strings(language)
        self.services.prefs.language = self.t.language
        self.bridge.background(self.services.prefs.save, lambda _v, _e: None)
        if self.bridge.last is not None:
            self.on_snapshot(self.bridge.last)
