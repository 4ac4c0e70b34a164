"""The UI tests' display: a private Xvfb when none is set (shared with `tvemicro kiosk-layout`)."""

from app.ui.display import ensure_display

__all__ = ["ensure_display"]
