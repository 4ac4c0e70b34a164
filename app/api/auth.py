"""Bearer-token authentication, role checks and the per-address lockout (API.md decision 13)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.api.errors import Forbidden, RateLimited, Unauthorized
from app.services.eventlog import log_forbidden
from app.storage.tokens import ROLES, TokenStore, role_rank
from control.commands import Actor

SESSION_IDLE_S = 900.0  # a token unused this long from an address starts a new "login"
MAX_TRACKED = 10_000  # addresses remembered by the lockout table


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the token's name and role."""

    name: str
    role: str
    token_id: str

    def actor(self) -> Actor:
        return Actor(who=self.name, role=self.role, source="rest")

    def has(self, role: str) -> bool:
        return role_rank(self.role) >= role_rank(role)


class Lockout:
    """Failed authentications per client address; too many in a window locks it out."""

    def __init__(
        self, max_failures: int, window_s: float, lockout_s: float, now: Callable[[], float]
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.lockout_s = lockout_s
        self.now = now
        self._failures: dict[str, deque[float]] = {}
        self._locked_until: dict[str, float] = {}

    def remaining_s(self, address: str) -> float:
        until = self._locked_until.get(address)
        if until is None:
            return 0.0
        left = until - self.now()
        if left <= 0:
            del self._locked_until[address]
            return 0.0
        return left

    def fail(self, address: str) -> bool:
        """Count one failure; True when this one locks the address out."""
        now = self.now()
        times = self._failures.setdefault(address, deque())
        times.append(now)
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if len(times) >= self.max_failures:
            self._locked_until[address] = now + self.lockout_s
            times.clear()
            return True
        if len(self._failures) > MAX_TRACKED:
            self._failures.pop(next(iter(self._failures)))
        return False


class Authenticator:
    """Checks a request's bearer token against the store: 429 → 401 → 403, in that order."""

    def __init__(
        self,
        tokens: TokenStore | None,
        lockout: Lockout,
        record: Callable[[str, dict[str, Any]], None],
    ) -> None:
        self.tokens = tokens
        self.lockout = lockout
        self.record = record
        self._sessions: dict[tuple[str, str], float] = {}
        self.failures = 0

    def check(self, header: str | None, address: str, role: str) -> Principal:
        """The caller, if its token is valid and its role at least `role`; else an error."""
        left = self.lockout.remaining_s(address)
        if left > 0:
            raise RateLimited("too many failed authentications from this address", left)
        principal = self._identify(header, address)
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        if not principal.has(role):
            log_forbidden(principal.name, principal.role, role, address)
            raise Forbidden(f"this needs the {role} role; the token has {principal.role}")
        return principal

    def _identify(self, header: str | None, address: str) -> Principal:
        if not header:
            raise Unauthorized("missing bearer token (Authorization: Bearer <token>)")
        scheme, _, token = header.partition(" ")
        record = None
        if scheme.lower() == "bearer" and token.strip() and self.tokens is not None:
            record = self.tokens.verify(token.strip())
        if record is None:
            self._failed(address)
            raise Unauthorized("invalid bearer token")
        principal = Principal(record.name, record.role, record.id)
        self._session(principal, address)
        return principal

    def _failed(self, address: str) -> None:
        self.failures += 1
        locked = self.lockout.fail(address)
        self.record("login", {"result": "failed", "address": address, "locked_out": locked})

    def _session(self, principal: Principal, address: str) -> None:
        key = (principal.token_id, address)
        now = self.lockout.now()
        last = self._sessions.get(key)
        self._sessions[key] = now
        if last is None or now - last > SESSION_IDLE_S:
            self.record(
                "login",
                {
                    "result": "ok",
                    "who": principal.name,
                    "role": principal.role,
                    "source": "rest",
                    "address": address,
                },
            )
