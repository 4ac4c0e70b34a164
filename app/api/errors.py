"""Request errors of the REST layer, as domain errors; the error middleware maps them to codes."""

from __future__ import annotations

from control.errors import HmiError


class BadRequest(HmiError, ValueError):
    """The body is not JSON, not an object, or has the wrong content type."""

    code = "bad_request"


class UnreadableBody(BadRequest):
    """The body could not be decoded (e.g. a plain body labelled gzip): the rest of the stream
    cannot be trusted, so the connection closes after the 400."""


class Unauthorized(HmiError):
    """No bearer token, or one that is not valid."""

    code = "unauthorized"


class Forbidden(HmiError, PermissionError):
    """The token's role is too low, or the action is not allowed remotely."""

    code = "forbidden"


class RateLimited(HmiError):
    """Too many failed authentications from this address."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message, retry_after_s=round(retry_after_s, 1))
        self.retry_after_s = retry_after_s


class MethodNotAllowed(HmiError):
    """The path exists but not with this method."""

    code = "method_not_allowed"

    def __init__(self, message: str, allowed: list[str]) -> None:
        super().__init__(message, allowed=allowed)
        self.allowed = allowed


class PayloadTooLarge(HmiError, ValueError):
    code = "payload_too_large"
