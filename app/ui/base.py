"""The base of every screen: refreshed only while visible, from the bridge's latest snapshot."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.uix.screenmanager import Screen

from control.snapshot import Snapshot


class KioskScreen(Screen):  # type: ignore[misc]
    """Subclasses implement `refresh(snap)`; the App calls it only for the visible screen."""

    @property
    def app(self) -> Any:
        return App.get_running_app()

    def on_pre_enter(self, *_: Any) -> None:
        last = self.app.bridge.last
        if last is not None:
            self.refresh(last)

    def refresh(self, snap: Snapshot) -> None:
        """Copy what this screen shows from `snap` into its Kivy properties."""
