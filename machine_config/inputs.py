"""The digital inputs (E-stop chain, panel buttons) and the rule that a cut wire must stop."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from machine_config.base import Pin, Section


class InputConfig(Section):
    """A digital input with polarity, pull and debounce."""

    pin: Pin
    active_low: bool = True
    pull: Literal["up", "down", "none"] = "up"
    debounce_s: Annotated[float, Field(ge=0, le=1)] = 0.02


class InputsConfig(Section):
    """The E-stop chain status (asserted = chain healthy) and optional panel buttons."""

    estop_ok: InputConfig
    start_button: InputConfig | None = None
    stop_button: InputConfig | None = None


def broken_wire_asserts(inp: InputConfig) -> bool | None:
    """What a cut wire reads as (the pull wins): asserted, not asserted, or None if floating."""
    if inp.pull == "none":
        return None
    return (inp.pull == "up") != inp.active_low


def check_fail_safe_inputs(inputs: InputsConfig) -> None:
    """A cut wire must stop: the E-stop chain reads broken, a normally-closed stop reads pressed."""
    if broken_wire_asserts(inputs.estop_ok) is not False:
        raise ValueError(
            "inputs.estop_ok: a cut wire must read as an open chain: closed chain to GND with "
            "active_low: true, pull: up (or to 3V3 with active_low: false, pull: down)"
        )
    stop = inputs.stop_button
    if stop is not None and broken_wire_asserts(stop) is not True:
        raise ValueError(
            "inputs.stop_button: wire it normally closed so a cut wire stops: contact to GND "
            "with active_low: false, pull: up (or to 3V3 with active_low: true, pull: down)"
        )
