"""The on-screen numeric keypad: opens on the current value, ± steps, the allowed range; the
core's answer decides. `DigitPad` is the one key layout, shared with the Login screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.gridlayout import GridLayout

from app.ui.bridge import Outcome
from app.ui.i18n import Strings
from app.ui.sheet import Sheet

Submit = Callable[[float, Callable[[Outcome], None]], None]
SubmitText = Callable[[str, Callable[[Outcome], None]], None]


class DigitPad(GridLayout):  # type: ignore[misc]
    """1-2-3 on top, then 4-5-6, 7-8-9, and ⌫ 0 OK: the same on every pad of the kiosk."""

    busy = BooleanProperty(False)
    __events__ = ("on_key", "on_ok")

    def key(self, name: str) -> None:
        self.dispatch("on_key", name)

    def on_key(self, name: str) -> None:
        """A digit or 'back' was pressed."""

    def on_ok(self) -> None:
        """OK was pressed."""


class Keypad(Sheet):
    """Type a number (or step it), press OK: `submit(value, done)` sends it; the pad closes only
    when the core applied it, otherwise it stays open with the core's refusal in words."""

    title = StringProperty("")
    unit = StringProperty("")
    entry = StringProperty("")
    lo = NumericProperty(0.0)
    hi = NumericProperty(100.0)
    decimals = NumericProperty(1)
    step = NumericProperty(0.0)  # the ± buttons' step; 0 hides them
    fresh = BooleanProperty(False)  # showing the current value: the first digit replaces it
    secret = BooleanProperty(False)
    error = StringProperty("")
    hint = StringProperty("")
    busy = BooleanProperty(False)

    def __init__(
        self,
        submit: Submit,
        submit_text: SubmitText | None = None,
        current: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.submit = submit
        self.submit_text: SubmitText = submit_text or (lambda text, done: submit(0.0, done))
        if current is not None and not self.secret:
            self.entry, self.fresh = _num(current), True
        self.ids["ok"] = self.ids.digits.ids.ok

    @property
    def shown(self) -> str:
        return "•" * len(self.entry) if self.secret else self.entry

    def range_text(self) -> str:
        t: Strings = App.get_running_app().t
        if self.secret:
            return t.pin_rules
        return t.f("allowed_range", lo=_num(self.lo), hi=_num(self.hi), unit=self.unit)

    def press(self, key: str) -> None:
        self.error = ""
        if self.fresh and key not in ("back", "clear"):
            self.entry = ""  # typing replaces the value the pad opened with
        self.fresh = False
        if key == "back":
            self.entry = self.entry[:-1]
        elif key == "clear":
            self.entry = ""
        elif key == "." and ("." in self.entry or not self.decimals):
            return
        elif len(self.entry) < 9:
            self.entry += key
        self._check()

    def nudge(self, direction: int) -> None:
        """± one step from the value shown, kept inside the allowed range."""
        value = self.value()
        base = value if value is not None else self.lo
        new = min(self.hi, max(self.lo, base + direction * self.step))
        self.entry, self.fresh, self.error = _num(round(new, 6)), False, ""
        self._check()

    def _check(self) -> None:
        """Pre-check only: say when the number is outside the range; the core still decides."""
        t: Strings = App.get_running_app().t
        value = self.value()
        if self.secret or value is None or self.lo <= value <= self.hi:
            self.hint = ""
        else:
            self.hint = t.f("outside_range", lo=_num(self.lo), hi=_num(self.hi), unit=self.unit)

    def value(self) -> float | None:
        try:
            return float(self.entry)
        except ValueError:
            return None

    def ok(self) -> None:
        t: Strings = App.get_running_app().t
        if self.secret:  # PINs keep their leading zeros: pass the digits as typed
            self.busy = True
            self.submit_text(self.entry, self._answered)
            return
        value = self.value()
        if value is None:
            self.error = t.enter_number
            return
        self.busy = True
        self.submit(value, self._answered)

    def _answered(self, outcome: Outcome) -> None:
        self.busy = False
        if outcome.ok:
            self.dismiss()
        else:
            self.error = outcome.message


def _num(value: float) -> str:
    return f"{value:g}"


def open_keypad(
    submit: Submit,
    submit_text: SubmitText | None = None,
    current: float | None = None,
    **props: Any,
) -> Keypad:
    pad = Keypad(submit, submit_text, current, **props)
    pad.open()
    return pad
