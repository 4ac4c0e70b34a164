"""Typed domain errors for refused commands. They carry no HTTP; the API maps them to codes."""

from __future__ import annotations

from typing import Any


class HmiError(Exception):
    """A command was refused; nothing was changed. `code` is a stable machine-readable word."""

    code = "refused"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.details}


class NotFound(HmiError, LookupError):
    """Unknown zone, motor, output, sensor or alarm (404)."""

    code = "not_found"


class InvalidField(HmiError, ValueError):
    """A field is out of range or of the wrong type (422). Names the field, with min/max if any."""

    code = "invalid_field"

    def __init__(
        self, field: str, message: str, minimum: float | None = None, maximum: float | None = None
    ) -> None:
        details: dict[str, Any] = {"field": field}
        if minimum is not None:
            details["min"] = minimum
        if maximum is not None:
            details["max"] = maximum
        super().__init__(message, **details)
        self.field = field


class HmiDisabled(HmiError):
    """The HMI is switched off (hmi_enabled false): the legacy panel is in charge (423)."""

    code = "hmi_disabled"


class StateConflict(HmiError):
    """Refused by machine state: interlock, trip active, wrong mode, gate not passed (409)."""

    code = "state_conflict"


class CoreUnavailable(HmiError):
    """The control loop did not answer in time (the API maps this to 503)."""

    code = "core_unavailable"


class StorageUnavailable(HmiError):
    """The data directory could not be written or read (disk full, read-only, damaged); nothing
    was changed (the API maps this to 503)."""

    code = "storage_unavailable"
