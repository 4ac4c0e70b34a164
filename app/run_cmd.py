"""`tvemicro run`: build the machine, start the loop, REST server and kiosk (or headless)."""

from __future__ import annotations

import argparse
import importlib.util
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

from app.ops.datalock import DataDirBusy, DataDirLock
from app.ops.notify import Notifier, ServiceNotes
from app.services import eventlog, logsetup
from app.services.backlight import BACKLIGHT_MEMO, IdleDimmer
from app.services.logsetup import log
from app.services.machine import Machine, build_machine
from app.services.memory import limit_malloc_arenas
from control.snapshot import Snapshot
from machine_config.config import Config, ConfigError, load_config

SWITCH_INTERVAL_S = 0.001


def run_command(args: argparse.Namespace) -> int:
    limit_malloc_arenas()  # before any thread (log writer, loop, REST, GL) has its own heap
    try:
        cfg = load_config(args.config)
    except ConfigError as err:
        print(err.report(), file=sys.stderr)
        return 2
    if args.backend == "hw" and args.speed != 1.0:
        print("--speed is only for the simulator", file=sys.stderr)
        return 2
    if not args.speed > 0:
        print("--speed must be > 0", file=sys.stderr)
        return 2
    # Before Kivy is imported: the log keeps its own copy of fd 2 (Kivy replaces sys.stderr).
    logsetup.setup(getattr(args, "log_level", None) or cfg.logging.level)
    try:
        return _run(cfg, args)
    finally:
        logsetup.shutdown()


def _run(cfg: Config, args: argparse.Namespace) -> int:
    # One process shares the GIL (DESIGN §3): switch threads every 1 ms, not every 5 ms, so the
    # control tick is not kept waiting behind Kivy or the REST loop.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    data_dir = Path(args.data_dir or cfg.storage.data_dir)
    try:  # one process per data dir; `tvemicro restore` checks this lock
        lock = DataDirLock(data_dir).acquire()
    except DataDirBusy as err:
        log("data_dir_busy", "warning", error=str(err))
        print(f"refusing to start: {err}", file=sys.stderr)
        return 2
    try:
        return _run_locked(cfg, args, data_dir)
    finally:
        lock.release()


def _run_locked(cfg: Config, args: argparse.Namespace, data_dir: Path) -> int:
    kiosk = not args.headless and _kiosk_possible()
    if kiosk:  # opening the window holds the GIL for up to 0.3 s: do it before the loop ticks
        _open_kiosk_window(cfg)
    hooks = _storage_hooks(cfg, data_dir)
    machine = build_machine(
        cfg, args.backend, speed=args.speed, data_dir=data_dir, sinks=hooks.get("sinks")
    )
    _attach(hooks, machine)
    eventlog.attach(machine.core)
    stop = threading.Event()
    signals = _install_signals(stop)
    assert machine.runner is not None
    notes = ServiceNotes(Notifier())
    machine.runner.on_tick = notes.on_tick
    log("started", backend=args.backend, state=machine.core.snapshot.state, speed=args.speed)
    eventlog.log_restored(machine.core)
    machine.runner.start()
    api = None if args.no_api or not cfg.api.enabled else _start_api(machine, args)
    notes.ready(lambda: machine.runner is not None and machine.runner.alive)
    try:
        _serve(machine, cfg, args, stop, kiosk, "" if api is None else api.url)
    finally:
        notes.stopping()
        if api is not None:
            api.stop()
        machine.close()
        _close_hooks(hooks)
    code = 0
    if machine.runner.error is not None:
        log("control_loop_died", "error", error=repr(machine.runner.error), outputs="all off")
        code = 1
    _ignore_signals()  # the interpreter resets handlers while it exits: a late SIGTERM would kill
    log("stopped", state="stopped", exit_code=code, signal=signals[0] if signals else None)
    return code


def _serve(
    machine: Machine,
    cfg: Config,
    args: argparse.Namespace,
    stop: threading.Event,
    kiosk: bool,
    rest_url: str,
) -> None:
    """The kiosk when a display exists (and not --headless), else the headless status line.
    `rest_url` is where the REST server really listens ("" when it is off): the System screen
    shows it, not the configured port (--port and port 0 may differ)."""
    if kiosk:
        _run_kiosk(machine, cfg, args.backend, rest_url)
        return
    if not args.headless:
        print(
            "no display found: running headless (REST server and status line only)",
            file=sys.stderr,
        )
    _headless(machine, stop, args.duration_s)


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _install_signals(stop: threading.Event) -> list[str]:
    """SIGTERM/SIGINT ask for a clean stop; further ones are ignored, so a second SIGTERM during
    shutdown cannot change the exit code. Returns the list the first signal's name goes into."""
    received: list[str] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        _ignore_signals()
        received.append(signal.Signals(signum).name)
        stop.set()

    for sig in STOP_SIGNALS:
        signal.signal(sig, handler)
    return received


def _ignore_signals() -> None:
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)


def _headless(machine: Machine, stop: threading.Event, duration_s: float | None) -> None:
    end = None if duration_s is None else time.monotonic() + duration_s
    tty = sys.stdout.isatty()
    while not stop.wait(1.0):
        line = status_line(machine.core.snapshot)
        print(("\r" + line.ljust(120)) if tty else line, end="" if tty else "\n", flush=True)
        if end is not None and time.monotonic() >= end:
            break
        assert machine.runner is not None
        if not machine.runner.alive:
            break
    if tty:
        print()


def status_line(snap: Snapshot) -> str:
    """One compact line: state, each zone actual/setpoint/duty, motors, alarms."""
    parts = [f"{snap.uptime_s:8.1f}s {snap.state:<8}"]
    for z in snap.zones:
        temp = "  --.-" if z.temperature_c is None else f"{z.temperature_c:6.1f}"
        parts.append(f"{z.id} {temp}/{z.setpoint_c:g}°C {z.duty * 100:3.0f}%")
    for m in snap.motors:
        parts.append(f"{m.id} {m.rpm:4.1f}rpm")
    if snap.gate.soak_remaining_s:
        parts.append(f"soak {snap.gate.soak_remaining_s:.0f}s")
    parts.append(f"alarms {len(snap.alarms)}")
    return " | ".join(parts)


def _kiosk_possible() -> bool:
    if importlib.util.find_spec("kivy") is None:  # the `ui` extra is not installed
        print("kiosk UI unavailable (no kivy); running headless", file=sys.stderr)
        return False
    from app.ui.kiosk import display_available

    return bool(display_available())


def _open_kiosk_window(cfg: Config) -> None:
    from app.ui.kiosk import open_window

    open_window(cfg)


def _run_kiosk(machine: Machine, cfg: Config, backend: str, rest_url: str) -> None:
    from app.ui.kiosk import run_kiosk

    backlight = _backlight(cfg, backend, machine.data_dir)
    run_kiosk(machine, cfg, backlight=backlight, rest_url=rest_url)


def _backlight(cfg: Config, backend: str, data_dir: Path | None) -> IdleDimmer:
    """The panel's backlight dims while the kiosk is blanked (on the machine, not the simulator,
    whose screen is a desktop's); the kiosk puts it back on wake and on its way out, and at the
    next start after a kill (the level before dimming waits in the data directory)."""
    from hw.drivers.backlight import SYSFS_BACKLIGHT, find_backlight

    percent = cfg.ui.dim_percent if backend == "hw" else 0
    # Not in the RuntimeDirectory: systemd empties that when Restart= restarts the service.
    memo = None if data_dir is None else data_dir / BACKLIGHT_MEMO
    dimmer = IdleDimmer(find_backlight() if percent else None, percent, SYSFS_BACKLIGHT, memo)
    dimmer.recover()
    return dimmer


def _start_api(machine: Machine, args: argparse.Namespace) -> Any:
    from app.api.server import start_api

    host = args.host or machine.cfg.api.host
    port = machine.cfg.api.port if args.port is None else args.port
    handle = start_api(machine, host, port)
    print(f"REST server on http://{host}:{handle.port}", file=sys.stderr, flush=True)
    return handle


def _storage_hooks(cfg: Config, data_dir: Path) -> dict[str, Any]:
    """The historian and event store of the data directory."""
    from app.storage.wiring import open_storage

    hooks: dict[str, Any] = open_storage(cfg, data_dir)
    return hooks


def _attach(hooks: dict[str, Any], machine: Machine) -> None:
    attach = hooks.get("attach")
    if attach is not None:
        attach(machine)


def _close_hooks(hooks: dict[str, Any]) -> None:
    close = hooks.get("close")
    if close is not None:
        close()
