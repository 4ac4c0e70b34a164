"""HIL process drills: kill -9 mid-run, SIGSTOP longer than WatchdogSec, restart while the step
train runs. The machine is a child process under a systemd stand-in; every verdict is read at its
pins (the sim's pin file, which like GPIO lines and kernel PWM outlives the process), never from
the control core. Times are real: these drills are about the process, not the plant."""

from __future__ import annotations

import signal

from tests.hil.harness import Pins, Report
from tests.hil.procrig import POLL_S, ProcessRig
from tests.hil.rig import signal_of
from tests.hil.supervisor import Event

START_UP_S = 5.0  # a spawned process has claimed every output OFF within this (it takes < 1 s)
HOLD_S = 2.0  # after the restart is READY, nothing may come back on for this long
MARGIN_S = 10 * POLL_S  # an edge is stamped when the observer polls, up to this late on a busy CI


def outputs(rig: ProcessRig) -> list[str]:
    """Every observed output that must go low: not DIR, not the heartbeat (judged apart)."""
    return [k for k in rig.spec.loopback if not k.endswith(".dir") and k != "outputs.heartbeat"]


def run_line(rig: ProcessRig, pins: Pins) -> None:
    """START over REST, until both step trains run and the barrel SSR conducts."""
    rig.start_line()
    running = rig.run_until(
        lambda: pins.stepping("screw") and pins.stepping("feeder")
        and pins.on("zones.barrel.heater") and pins.on("outputs.heater_contactor"), 30.0,
    )  # fmt: skip
    assert running, "the line never ran: steps, barrel heat and contactor are needed for a drill"


def restarted(rig: ProcessRig, after_s: float, timeout_s: float) -> tuple[Event, Event]:
    """The next spawn and its READY=1 after `after_s`, then HOLD_S of watching."""
    spawn = rig.supervisor.wait_for("spawn", after_s, timeout_s)
    assert spawn is not None, f"the supervisor did not restart the service: {rig.supervisor.events}"
    ready = rig.supervisor.wait_for("ready", spawn.t_s, START_UP_S + 10.0)
    assert ready is not None, "the restarted service never sent READY=1"
    rig.run_for(HOLD_S)
    return spawn, ready


def heartbeat_stopped(
    rig: ProcessRig, report: Report, drill: str, t0: float, until_s: float
) -> bool:
    """The heartbeat beat before the cause and made no edge after it until the restart, so the
    external relay (a charge pump on it) drops the contactor."""
    changes = rig.trace("outputs.heartbeat").changes
    before = [t for t, _ in changes if t0 - 1.0 <= t <= t0]
    after = [t for t, _ in changes if t0 + MARGIN_S < t < until_s]
    last = max((t for t, _ in changes if t <= t0 + MARGIN_S), default=t0 - 1.0)
    seen = f"last edge {(last - t0) * 1000:+.0f} ms; {len(after)} in {until_s - t0:.1f} s after"
    return report.check(drill, "outputs.heartbeat edges", "beating, then none until restart",
                        seen, len(before) >= 2 and not after)  # fmt: skip


def outputs_low(rig: ProcessRig, pins: Pins, report: Report, drill: str, t0: float,
                budget_s: float) -> bool:  # fmt: skip
    """Every output off by t0 + budget_s, and still off now."""
    ok = True
    for key in outputs(rig):
        off = pins.off_since(key, t0)
        if key.endswith(".step"):
            was = "stepping" if rig.trace(key).rises(t0 - 0.1, t0) else "silent"
        else:
            was = "on" if pins.on(key, t0) else "off"
        seen = "still on" if off is None else f"{(off - t0) * 1000:.0f} ms ({was} at the cause)"
        ok &= report.check(drill, f"{key} low after the cause", f"<= {budget_s * 1000:.0f} ms",
                           seen, off is not None and off - t0 <= budget_s)  # fmt: skip
    return ok


def pwm_stopped_by(rig: ProcessRig, report: Report, drill: str, t0: float, spawn: Event,
                   by_restart: bool) -> bool:  # fmt: skip
    """Each kernel PWM channel enabled at the cause went to enable=0: left running until the
    restarted process stopped it (kill, watchdog), or stopped before the restart (SIGTERM)."""
    ok = True
    for motor in rig.cfg.motors:
        enable = rig.pins_seen.trace(motor)
        off = enable.low_since(t0, rig.now())
        when = "still enabled" if off is None else f"{off - t0:.2f} s"
        if by_restart:
            want = f"1 until the restart ({spawn.t_s - t0:.2f} s), then 0"
            good = enable.level_at(spawn.t_s) and off is not None and off >= spawn.t_s
        else:
            want = f"0 before the new process ({spawn.t_s - t0:.2f} s)"
            good = off is not None and off <= spawn.t_s + MARGIN_S
        ok &= report.check(drill, f"kernel PWM {motor} enable", want, when,
                           enable.level_at(t0) and good)  # fmt: skip
    return ok


def stayed_low(rig: ProcessRig, report: Report, drill: str, ready: Event) -> bool:
    """After the restart is READY nothing comes back on (no resume without an operator), and
    the heartbeat beats again."""
    ok = True
    for key in outputs(rig):
        found = signal_of(key, rig.cfg)
        assert found is not None
        ons = [t for t, level in rig.trace(key).changes if t >= ready.t_s and level != found[1]]
        ok &= report.check(drill, f"{key} after the restart", f"off for {HOLD_S:g} s",
                           f"{len(ons)} times on", not ons)  # fmt: skip
    beats = rig.trace("outputs.heartbeat").rises(ready.t_s, rig.now())
    ok &= report.check(drill, "outputs.heartbeat after the restart", "beating",
                       f"{len(beats)} rises in {HOLD_S:g} s", len(beats) >= 2)  # fmt: skip
    return ok


def test_kill_9_mid_run(proc_rig: ProcessRig, report: Report) -> None:
    rig, pins, drill = proc_rig, Pins(proc_rig), "kill -9 mid-run"
    run_line(rig, pins)
    t0 = rig.kill(signal.SIGKILL)
    spawn, ready = restarted(rig, t0, rig.timing.restart_s + 10.0)
    budget = rig.timing.restart_s + START_UP_S  # systemd sees the death at once, waits RestartSec
    ok = heartbeat_stopped(rig, report, drill, t0, spawn.t_s)
    ok &= outputs_low(rig, pins, report, drill, t0, budget)
    ok &= pwm_stopped_by(rig, report, drill, t0, spawn, by_restart=True)
    ok &= stayed_low(rig, report, drill, ready)
    assert ok


def test_sigstop_longer_than_watchdog_sec(proc_rig: ProcessRig, report: Report) -> None:
    rig, pins, drill = proc_rig, Pins(proc_rig), "SIGSTOP > WatchdogSec"
    run_line(rig, pins)
    t0 = rig.kill(signal.SIGSTOP)
    timing = rig.timing
    spawn, ready = restarted(rig, t0, timing.watchdog_s + timing.stop_timeout_s + 10.0)
    watchdog = rig.supervisor.first("watchdog", t0)
    assert watchdog is not None, "the process was restarted, but not by the watchdog"
    budget = timing.watchdog_s + timing.restart_s + START_UP_S
    ok = heartbeat_stopped(rig, report, drill, t0, spawn.t_s)
    ok &= outputs_low(rig, pins, report, drill, t0, budget)
    ok &= pwm_stopped_by(rig, report, drill, t0, spawn, by_restart=True)
    ok &= stayed_low(rig, report, drill, ready)
    assert ok


def test_restart_while_the_step_train_runs(proc_rig: ProcessRig, report: Report) -> None:
    rig, pins, drill = proc_rig, Pins(proc_rig), "restart while stepping"
    run_line(rig, pins)
    t0 = rig.now()
    rig.supervisor.restart()  # systemctl restart: SIGTERM, wait for the exit, start again
    spawn, ready = restarted(rig, t0, rig.timing.stop_timeout_s + 10.0)
    ok = outputs_low(rig, pins, report, drill, t0, spawn.t_s - t0 + MARGIN_S)
    ok &= pwm_stopped_by(rig, report, drill, t0, spawn, by_restart=False)
    ok &= stayed_low(rig, report, drill, ready)
    assert ok
