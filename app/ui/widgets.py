"""Shared widgets: the panel button (with a visible 'why not'), duty bar, chips and icons."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from app.ui.icons import ICONS
from app.ui.theme import TEXT_MIN, C, severity_colour, severity_text


def icon(name: str) -> str:
    """Markup for a Material Design icon glyph (the font is registered as 'Icons')."""
    glyph = ICONS.get(name, "")
    return f"[font=Icons]{glyph}[/font]" if glyph else ""


class PanelButton(ButtonBehavior, Label):  # type: ignore[misc]
    """A big flat button. When `block` holds a reason it looks disabled and a tap shows the
    reason instead of acting; `on_act` fires only when the press is allowed."""

    icon = StringProperty("")
    caption = StringProperty("")
    sub = StringProperty("")  # a second, smaller line (a value, or the reason it is blocked)
    need = StringProperty("operator")  # role needed; "viewer" = anyone
    reason = StringProperty("")  # set by the screen: why the machine would refuse now
    block = StringProperty("")  # computed in kv from need, reason and the session role
    show_block = BooleanProperty(False)  # print the block reason as the second line
    busy = BooleanProperty(False)  # a command is on its way to the core
    selected = BooleanProperty(False)
    keep_ink = BooleanProperty(False)  # a value shown on the button stays dark when blocked
    alert = StringProperty("")  # "warning" | "trip": an abnormal condition colours the face
    face = ListProperty(C.button)
    ink = ListProperty(C.text)

    __events__ = ("on_act",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.markup = True
        self.bind(
            icon=self._compose,
            caption=self._compose,
            sub=self._compose,
            block=self._compose,
            busy=self._compose,
            show_block=self._compose,
            selected=self._paint,
            alert=self._paint,
            state=self._paint,
        )
        self._compose()

    def _compose(self, *_: Any) -> None:
        head = " ".join(p for p in (icon(self.icon), self.caption) if p)
        if self.busy:
            head += " …"
        second = self.block if (self.block and self.show_block) else self.sub
        app: Any = App.get_running_app()
        floor = TEXT_MIN * (app.u if app is not None else 1.0)  # reasons stay ≥ 3 mm high
        small = int(max(self.font_size * 0.62, floor))
        self.text = head if not second else f"{head}\n[size={small}]{second}[/size]"
        self._paint()

    def _paint(self, *_: Any) -> None:
        if self.selected:
            self.face, self.ink = list(C.selected), list(C.selected_text)
        elif self.alert:
            self.face, self.ink = list(severity_colour(self.alert)), list(severity_text(self.alert))
        elif self.block:
            self.face = list(C.button_blocked)
            self.ink = list(C.text if self.keep_ink else C.text_off)
        else:
            self.face = list(C.button_down if self.state == "down" else C.button)
            self.ink = list(C.text)

    def on_font_size(self, *_: Any) -> None:
        self._compose()

    def on_release(self) -> None:
        app: Any = App.get_running_app()
        if self.busy:
            return
        if self.block:
            app.notify(self.block, "warn")
            return
        app.session.touch()
        self.dispatch("on_act")

    def on_act(self) -> None:
        """Fired only when the press is allowed."""


class DutyBar(Widget):  # type: ignore[misc]
    """Heater duty (0..1) as a horizontal bar; the text beside it carries the number."""

    value = NumericProperty(0.0)


class Chip(Label):  # type: ignore[misc]
    """A small coloured status label (grey when normal, amber/red only when abnormal)."""

    face = ListProperty(C.panel)


class Panel(BoxLayout):  # type: ignore[misc]
    """A grouped area on the grey screen."""

    face = ListProperty(C.panel)


class Spacer(Widget):  # type: ignore[misc]
    """Empty space that takes what the layout gives it."""
