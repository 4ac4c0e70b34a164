"""The on-screen numeric keypad: shows the allowed range; the core's answer decides."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.modalview import ModalView

from app.ui.bridge import Outcome
from app.ui.i18n import Strings

Submit = Callable[[float, Callable[[Outcome], None]], None]
SubmitText = Callable[[str, Callable[[Outcome], None]], None]


class Keypad(ModalView):  # type: ignore[misc]
    """Type a number, press OK: `submit(value, done)` sends it; the pad closes only when the
    core applied it, otherwise it stays open with the core's refusal in words."""

    title = StringProperty("")
    unit = StringProperty("")
    entry = StringProperty("")
    lo = NumericProperty(0.0)
    hi = NumericProperty(100.0)
    decimals = NumericProperty(1)
    signed = BooleanProperty(False)
    secret = BooleanProperty(False)
    error = StringProperty("")
    hint = StringProperty("")
    busy = BooleanProperty(False)

    def __init__(
        self, submit: Submit, submit_text: SubmitText | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.submit = submit
        self.submit_text: SubmitText = submit_text or (lambda text, done: submit(0.0, done))
        self.auto_dismiss = False

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
        if key == "back":
            self.entry = self.entry[:-1]
        elif key == "clear":
            self.entry = ""
        elif key == "sign":
            self.entry = self.entry[1:] if self.entry.startswith("-") else "-" + self.entry
        elif key == "." and ("." in self.entry or not self.decimals):
            return
        elif len(self.entry) < 9:
            self.entry += key
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


def open_keypad(submit: Submit, submit_text: SubmitText | None = None, **props: Any) -> Keypad:
    pad = Keypad(submit, submit_text, **props)
    pad.open()
    return pad
