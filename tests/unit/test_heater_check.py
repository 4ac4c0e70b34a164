"""Heater plausibility: not heating under high duty, and rising with the SSR commanded off."""

from __future__ import annotations

from control.heater_check import FELL_DRIVEN, MAX_ERROR, NO_GAIN, HeaterCheck, HeaterCheckLimits

LIMITS = HeaterCheckLimits(
    heating_gain_c=2.0, heating_period_s=60.0, heating_duty_min=0.9,
    stuck_rise_c=5.0, stuck_period_s=60.0, max_error_c=120.0, near_c=5.0,
)  # fmt: skip


def test_full_duty_without_gain_trips_after_the_period() -> None:
    check = HeaterCheck(LIMITS)
    assert not check.not_heating(0.0, 1.0, 100.0)
    assert not check.not_heating(59.0, 1.0, 101.0)
    assert check.not_heating(60.0, 1.0, 101.0)


def test_progress_restarts_the_window() -> None:
    check = HeaterCheck(LIMITS)
    for t in range(0, 600, 10):
        assert not check.not_heating(float(t), 1.0, 20.0 + t * 0.1)


def test_low_duty_never_counts_as_not_heating() -> None:
    check = HeaterCheck(LIMITS)
    assert not any(check.not_heating(float(t), 0.5, 100.0) for t in range(0, 600, 10))


def test_rising_with_duty_zero_is_stuck_on() -> None:
    check = HeaterCheck(LIMITS)
    temps = [200.0 + 0.1 * t for t in range(0, 60)]
    results = [check.stuck_on(float(t), 0.0, c) for t, c in enumerate(temps)]
    assert not any(results[:50]) and results[-1]


def test_slow_drift_over_hours_is_not_stuck_on() -> None:
    check = HeaterCheck(LIMITS)  # 4 °C per minute window would trip; 1 °C per 10 min must not
    assert not any(check.stuck_on(float(t), 0.0, 20.0 + t / 600) for t in range(0, 7200, 5))


def test_any_duty_resets_the_stuck_window() -> None:
    check = HeaterCheck(LIMITS)
    for t in range(30):
        check.stuck_on(float(t), 0.0, 200.0 + t * 0.1)
    check.stuck_on(30.0, 0.3, 203.0)
    assert not check.stuck_on(31.0, 0.0, 206.0)


TICK_S = 0.05


def drive_with_a_bad_read_every(period_s: float, hours: float) -> float | None:
    """A dead heater (reading flat) at 100 % duty, with one bad read every `period_s`, fed as
    the core feeds it: no reading while the sensor is faulted (5 ticks, one sensor period), and
    the duty forced to 0 for those ticks. Returns when it tripped (s), or None."""
    check = HeaterCheck(LIMITS)
    bad_ticks = round(period_s / TICK_S)
    for i in range(round(hours * 3600 / TICK_S)):
        phase = i % bad_ticks
        faulted = bad_ticks - 5 <= phase
        duty = 0.0 if faulted or phase == 0 else 1.0  # the tick after a fault: still held off
        temp = None if faulted else 100.0
        if check.not_heating(i * TICK_S, duty, temp):
            return i * TICK_S
    return None


def test_one_bad_read_every_40_s_does_not_mask_a_dead_heater() -> None:
    """Klipper holds the last good reading through a bad one: the window is not restarted."""
    tripped = drive_with_a_bad_read_every(40.0, hours=4)
    assert tripped is not None, "a dead heater at 100 % never tripped in 4 h"
    assert tripped <= LIMITS.heating_period_s + 5.0


def test_stuck_on_window_holds_through_bad_reads() -> None:
    check = HeaterCheck(LIMITS)
    results = []
    for t in range(60):
        results.append(check.stuck_on(float(t), 0.0, 200.0 + 0.1 * t))
        results.append(check.stuck_on(t + 0.5, 0.0, None))  # a bad read between every two
    assert not any(results[:100]) and results[-2]


def test_a_stop_and_restart_does_not_give_a_dead_heater_a_new_window() -> None:
    """Driven 30 s without gain, off for 10 min, driven again: it trips 30 s into the restart."""
    check = HeaterCheck(LIMITS)
    for t in range(31):
        assert not check.not_heating(float(t), 1.0, 25.0, 200.0)
    for t in range(31, 631):
        assert not check.not_heating(float(t), 0.0, 25.0, None)  # idle: not driven
    verdicts = [check.not_heating(float(t), 1.0, 25.0, 200.0) for t in range(631, 700)]
    assert verdicts.index(NO_GAIN) <= 31


def test_a_gain_after_a_pause_counts_as_progress() -> None:
    """The reading rose while the duty was low (the heater works): the window starts again."""
    check = HeaterCheck(LIMITS)
    for t in range(50):
        check.not_heating(float(t), 1.0, 100.0, 200.0)
    for t in range(50, 80):
        check.not_heating(float(t), 0.5, 100.0 + (t - 50) * 0.2, 200.0)
    assert not any(check.not_heating(float(t), 1.0, 106.0, 200.0) for t in range(80, 139))


def test_holding_the_setpoint_never_trips_whatever_the_duty() -> None:
    """At setpoint the duty may sit near heating_duty_min for hours: that is not 'not heating'."""
    check = HeaterCheck(LIMITS)
    for i in range(0, 4 * 3600 * 4):
        t = i / 4
        duty = 0.95 if i % 3 else 0.85
        assert not check.not_heating(t, duty, 200.0 - (i % 7) * 0.25, 200.0)


def test_heat_up_from_cold_at_full_power_never_trips_max_error() -> None:
    check = HeaterCheck(LIMITS)
    for i in range(0, 4000):
        t = i * 0.1
        temp = min(200.0, 20.0 + 0.5 * t)  # 180 °C below setpoint at first: a heat-up
        assert not check.not_heating(t, 1.0 if temp < 196 else 0.6, temp, 200.0)


def test_falling_max_error_below_the_reached_setpoint_trips() -> None:
    check = HeaterCheck(LIMITS)
    assert not check.not_heating(0.0, 0.6, 199.0, 200.0)  # reached the band
    verdicts = [check.not_heating(1.0 + i, 0.5, 199.0 - 5 * i, 200.0) for i in range(30)]
    first = next(i for i, v in enumerate(verdicts) if v)
    assert verdicts[first] == MAX_ERROR and 199.0 - 5 * first < 200.0 - LIMITS.max_error_c


def test_a_new_setpoint_is_a_new_heat_up_for_max_error() -> None:
    check = HeaterCheck(LIMITS)
    check.not_heating(0.0, 0.5, 100.0, 100.0)  # holding 100 °C
    assert not check.not_heating(1.0, 1.0, 100.0, 250.0)  # raised to 250: 150 below, heating
    assert not check.not_heating(2.0, 0.0, 100.0, None)  # manual / idle: no setpoint to miss


def test_a_held_zone_falling_out_of_its_band_at_full_power_trips_at_once() -> None:
    """A probe that comes off a barrel it was holding: the PID goes to full power and the reading
    falls out of the band. That is implausible for a working heater and probe: it trips on the
    first reading below the band, not after a heating_period_s."""
    check = HeaterCheck(LIMITS)
    for t in range(60):
        assert not check.not_heating(float(t), 0.5, 200.0, 200.0)  # holding at half power
    assert not check.not_heating(60.0, 1.0, 196.0, 200.0)  # still in the band
    assert not check.not_heating(60.25, 1.0, 192.0, 200.0)  # out of it, within one band width
    assert check.not_heating(60.5, 1.0, 189.75, 200.0) == FELL_DRIVEN


def test_a_heat_up_dithering_at_the_band_edge_at_full_power_never_trips() -> None:
    """Approaching from cold the heater is at full power as the reading enters the band, and
    noise takes it back out: that zone was approaching, not holding."""
    check = HeaterCheck(LIMITS)
    for i in range(400):
        temp = 195.0 + (0.25 if i % 2 else -0.25)
        assert not check.not_heating(i * 0.25, 1.0, temp, 200.0)


def test_soft_gains_easing_off_at_the_band_edge_are_still_approaching() -> None:
    """Seen in the kiosk tests with Kp 0.12: the PID eased below heating_duty_min as the reading
    touched the band edge, then the reading slipped 0.25 °C back out at 0.95 duty."""
    check = HeaterCheck(LIMITS)
    assert not check.not_heating(0.0, 0.86, 195.0, 200.0)
    for i in range(1, 40):
        assert not check.not_heating(i * 0.25, 0.95, 194.75 - 0.1 * i, 200.0)


def test_a_held_zone_falling_at_low_duty_is_left_to_max_error() -> None:
    check = HeaterCheck(LIMITS)
    assert not check.not_heating(0.0, 0.5, 200.0, 200.0)
    assert not check.not_heating(1.0, 0.7, 190.0, 200.0)  # out of the band, soft gains
    assert check.not_heating(2.0, 0.8, 79.0, 200.0) == MAX_ERROR
