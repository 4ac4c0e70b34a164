"""Stored settings.json and alarms.json pass the API's checks and limits: what fails is not
applied, the process starts, and a warning names the file and the field. Unreadable alarms
mean an unknown latch state: start in fault."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from control.commands import Reset
from control.errors import StateConflict
from control.limits import PID_GAINS
from control.persist import write_atomic
from control.stored import check_alarms, check_settings
from tests.scenario.helpers import ENGINEER


def _warning(m: Any) -> str:
    alarm = next(a for a in m.core.snapshot.alarms if a.code == "settings_corrupt")
    assert alarm.severity == "warning"
    return str(alarm.message)


def _start_with(make_machine: Any, tmp_path: Path, name: str, data: Any) -> Any:
    (tmp_path / name).write_text(json.dumps(data))
    return make_machine(data_dir=tmp_path)


def test_an_absurd_gain_is_not_applied_and_named(make_machine: Any, tmp_path: Path) -> None:
    stored = {"zones": {"barrel": {"setpoint_c": 200.0, "pid": {"kp": 1e300, "ki": 0.01, "kd": 5}}}}
    m = _start_with(make_machine, tmp_path, "settings.json", stored)
    assert m.core.gains("barrel") == m.cfg.zones["barrel"].pid.model_dump(
        include={"kp", "ki", "kd"}
    )
    assert m.core.snapshot.zone("barrel").setpoint_c == 200.0  # the valid value still applies
    assert "settings.json: zones.barrel.pid.kp must be between 0 and 10" in _warning(m)
    assert m.core.snapshot.state == "idle"


def test_a_string_boolean_for_hmi_enabled_is_refused_loudly(
    make_machine: Any, tmp_path: Path
) -> None:
    m = _start_with(make_machine, tmp_path, "settings.json", {"hmi_enabled": "false"})
    assert "settings.json: hmi_enabled must be true or false" in _warning(m)
    assert m.core.snapshot.state == "idle"


@pytest.mark.parametrize(
    ("stored", "named"),
    [
        ({"zones": [{"setpoint_c": 200}]}, "settings.json: zones holds a list"),
        ({"zones": {"hopper": {"setpoint_c": 100}}}, "zones.hopper is not a configured zone"),
        ({"zones": {"barrel": {"setpoint_c": "hot"}}}, "zones.barrel.setpoint_c must be a finite"),
        ({"zones": {"barrel": {"setpoint": 100}}}, "zones.barrel.setpoint is not a known field"),
        ({"motors": {"screw": {"run_rpm": 1e9}}}, "motors.screw.run_rpm must be between 0 and"),
        ({"motors": {"screw": 12}}, "motors.screw holds a int"),
        ({"hmi": False}, "settings.json: hmi is not a known field"),
        ([1, 2], "settings.json holds a list"),
    ],
)
def test_wrong_shapes_are_named_and_the_machine_starts(
    make_machine: Any, tmp_path: Path, stored: Any, named: str
) -> None:
    m = _start_with(make_machine, tmp_path, "settings.json", stored)
    assert named in _warning(m)
    snap = m.core.snapshot
    assert snap.state == "idle"
    assert snap.zone("barrel").setpoint_c == m.cfg.zones["barrel"].setpoint_c
    assert [mo.run_rpm for mo in snap.motors] == [mo.run_rpm for mo in m.cfg.motors.values()]


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=12,
)
settings_like = st.fixed_dictionaries(
    {},
    optional={
        "hmi_enabled": json_values,
        "zones": st.dictionaries(
            st.sampled_from(["barrel", "nozzle", "x"]),
            st.fixed_dictionaries(
                {},
                optional={
                    "setpoint_c": json_values | st.floats(-10, 400),
                    "pid": st.dictionaries(st.sampled_from(["kp", "ki", "kd"]), json_values)
                    | st.fixed_dictionaries({k: st.floats(-1, 2e3) for k in ("kp", "ki", "kd")}),
                },
            )
            | json_values,
        )
        | json_values,
        "motors": st.dictionaries(
            st.sampled_from(["screw", "feeder"]), st.fixed_dictionaries({"run_rpm": json_values})
        )
        | json_values,
    },
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=settings_like | json_values)
def test_no_stored_settings_ever_apply_a_value_the_api_would_refuse(cfg: Any, data: Any) -> None:
    stored, problems = check_settings(json.loads(json.dumps(data)), cfg)
    for zid, sp in stored.setpoints_c.items():
        assert 0.0 <= sp <= cfg.zones[zid].setpoint_max_c
    for gains in stored.gains.values():
        for value, (lo, hi) in zip(gains, PID_GAINS.values(), strict=True):
            assert lo <= value <= hi
    for mid, rpm in stored.run_rpm.items():
        assert 0.0 <= rpm <= cfg.motors[mid].max_rpm
    assert stored.hmi_enabled in (None, True, False)
    assert all(p.startswith("settings.json") for p in problems)


# -- alarms.json --------------------------------------------------------------------------------
def test_unreadable_alarms_and_last_good_start_latched(make_machine: Any, tmp_path: Path) -> None:
    (tmp_path / "alarms.json").write_text('{"next_id": 4, "latched": [{"id"')
    (tmp_path / "alarms.json.last-good").write_text("\x00\x00garbage")
    m = make_machine(data_dir=tmp_path)
    snap = m.core.snapshot
    assert snap.state == "fault"
    trip = next(a for a in snap.alarms if a.code == "latch_state_unknown")
    assert trip.severity == "trip" and trip.latched and trip.source == "machine"
    m.virtual.step()
    with pytest.raises(StateConflict):  # not without an acknowledgement
        m.virtual.call(Reset(actor=ENGINEER))
    m.virtual.call(Reset(ack=True, actor=ENGINEER))
    assert m.core.snapshot.state == "idle"
    m.close()
    assert make_machine(data_dir=tmp_path).core.snapshot.state == "idle"  # known again


def test_an_unreadable_alarm_store_without_a_copy_starts_latched(
    make_machine: Any, tmp_path: Path
) -> None:
    (tmp_path / "alarms.json").write_text("{torn")
    assert make_machine(data_dir=tmp_path).core.snapshot.state == "fault"


def test_a_readable_last_good_copy_is_used(make_machine: Any, tmp_path: Path) -> None:
    write_atomic(tmp_path / "alarms.json", {"next_id": 3, "latched": []})
    write_atomic(tmp_path / "alarms.json", {"next_id": 3, "latched": []})
    (tmp_path / "alarms.json").write_text("{torn")
    m = make_machine(data_dir=tmp_path)
    assert m.core.snapshot.state == "idle"
    assert "alarms.json was unreadable" in _warning(m)


@pytest.mark.parametrize(
    "latched",
    [
        [{"id": 1, "code": "over_temp", "source": "barrel"}],  # no severity / message / time
        [["over_temp", "barrel"]],
        [{"id": "1", "code": "x", "source": "barrel", "severity": "trip", "message": "m",
          "raised_at": 1.0}],
    ],
)  # fmt: skip
def test_a_latched_record_that_cannot_be_restored_starts_latched(
    make_machine: Any, tmp_path: Path, latched: Any
) -> None:
    m = _start_with(make_machine, tmp_path, "alarms.json", {"next_id": 2, "latched": latched})
    assert m.core.snapshot.state == "fault"
    assert "alarms.json: latched[0]" in _warning(m)


def test_a_valid_latched_trip_is_restored_and_a_bad_next_id_only_warned(
    make_machine: Any, tmp_path: Path
) -> None:
    rec = {"id": 7, "code": "over_temp", "source": "barrel", "severity": "trip",
           "message": "Barrel over temperature", "raised_at": 1.7e9, "acked_at": None,
           "cleared_at": None, "first_out": True, "active": False,
           "shelved_until": None}  # fmt: skip
    m = _start_with(make_machine, tmp_path, "alarms.json", {"next_id": "x", "latched": [rec]})
    snap = m.core.snapshot
    assert snap.state == "fault"
    assert [(a.id, a.code) for a in snap.alarms if a.severity == "trip"] == [(7, "over_temp")]
    assert "alarms.json: next_id must be a positive integer" in _warning(m)


def test_check_alarms_keeps_only_known_fields() -> None:
    rec = {"id": 1, "code": "estop", "source": "machine", "severity": "trip", "message": "m",
           "raised_at": 5.0, "extra": 1}  # fmt: skip
    records, problems, unknown = check_alarms({"next_id": 2, "latched": [rec]})
    assert records is not None and "extra" not in records["latched"][0]
    assert problems == ["alarms.json: latched[0].extra is not a known field; ignored"]
    assert not unknown
