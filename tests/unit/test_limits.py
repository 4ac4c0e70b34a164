"""Command limits: one source (control/limits.py) for the core's checks and the config model."""

from __future__ import annotations

import math

import annotated_types
import pytest

from control import limits
from control.errors import InvalidField
from control.handlers import number
from machine_config.config import PidConfig


@pytest.mark.parametrize("zero", [-0.0, 0.0, 0])
def test_number_never_returns_negative_zero(zero: float) -> None:
    value = number("setpoint_c", zero, 0.0, 260.0)
    assert value == 0.0 and math.copysign(1.0, value) == 1.0


def test_number_reports_the_range_it_checked() -> None:
    with pytest.raises(InvalidField) as err:
        number("duty", 1.5, *limits.DUTY)
    assert err.value.details == {"field": "duty", "min": 0.0, "max": 1.0}


def test_config_gains_accept_exactly_what_the_pid_command_accepts() -> None:
    """Stored gains and REST gains pass the same limits (DESIGN §8)."""
    for name, rng in limits.PID_GAINS.items():
        meta = PidConfig.model_fields[name].metadata
        ge = next(m.ge for m in meta if isinstance(m, annotated_types.Ge))
        le = next(m.le for m in meta if isinstance(m, annotated_types.Le))
        assert (ge, le) == (rng.lo, rng.hi), name
