"""The tvemicro process: CLI, wiring, kiosk UI (app/ui), REST side server (app/api), storage."""

__version__ = "0.1.0"
