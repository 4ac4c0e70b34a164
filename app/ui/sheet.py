"""A modal sheet over the screen area only: the header (STOP, E-STOP) stays visible and usable."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import ListProperty
from kivy.uix.modalview import ModalView

from app.ui.theme import C


class Sheet(ModalView):  # type: ignore[misc]
    """A ModalView that covers everything below the header. A touch on the header's STOP or
    E-STOP reaches them while the sheet is open; every other touch outside it is eaten."""

    dim = ListProperty([0.0, 0.0, 0.0, 0.45])
    face = ListProperty(C.panel)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("overlay_color", (0, 0, 0, 0))
        kwargs.setdefault("background_color", (0, 0, 0, 0))
        kwargs.setdefault("size_hint", (None, None))
        super().__init__(**kwargs)
        self.auto_dismiss = False

    def _header(self) -> Any:
        root = App.get_running_app().root
        return None if root is None else root.ids.header

    def _align_center(self, *_: Any) -> None:
        """Fill the window below the header (ModalView would centre a fixed size)."""
        if not self._is_open:
            return
        header = self._header()
        top = header.y if header is not None else self._window.height
        self.pos = (0, 0)
        self.size = (self._window.width, top)

    def open(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("animation", False)
        super().open(*args, **kwargs)
        self._align_center()

    def pass_target(self, px: float, py: float) -> Any:
        """The header's STOP or E-STOP at window point (px, py), else None."""
        root = App.get_running_app().root
        if root is None:
            return None
        for button in (root.ids.stop, root.ids.estop):
            if button.collide_point(*button.to_widget(px, py)):
                return button
        return None

    def on_touch_down(self, touch: Any) -> bool:
        button = self.pass_target(*touch.pos)
        if button is not None:
            return bool(button.dispatch("on_touch_down", touch))
        return bool(super().on_touch_down(touch))
