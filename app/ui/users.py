"""Touch users: PINs stored as salted scrypt hashes in `users.json`, written atomically."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from app.services.logsetup import log
from app.storage.records import UserModel, valid_entries
from control.errors import StorageUnavailable
from control.persist import load, write_atomic

ROLES = ("operator", "engineer", "admin")
RANK = {"viewer": 0, "operator": 1, "engineer": 2, "admin": 3}
PIN_RE = re.compile(r"^[0-9]{4,8}$")
NAME_RE = re.compile(r"^[\w .\-]{1,32}$")
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
FILE_NAME = "users.json"


class UserError(ValueError):
    """A bad name, role or PIN, or an unknown/duplicate user; the message says which."""


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: str
    salt: str
    pin_hash: str
    n: int = SCRYPT["n"]
    r: int = SCRYPT["r"]
    p: int = SCRYPT["p"]


class UserStore(Protocol):
    """What the Login and System screens need. Calls may block: the UI runs them off-thread."""

    def names(self) -> list[tuple[str, str]]: ...

    def verify(self, name: str, pin: str) -> str | None: ...

    def add(self, name: str, role: str, pin: str) -> None: ...

    def set_pin(self, name: str, pin: str) -> None: ...

    def set_role(self, name: str, role: str) -> None: ...

    def remove(self, name: str) -> None: ...


def rank(role: str) -> int:
    return RANK.get(role, 0)


def _hash(pin: str, salt: bytes, n: int, r: int, p: int) -> str:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=32).hex()


def _check(name: str, role: str | None = None, pin: str | None = None) -> None:
    if not NAME_RE.match(name):
        raise UserError("a name is 1–32 letters, digits, spaces, dots or dashes")
    if role is not None and role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if pin is not None and not PIN_RE.match(pin):
        raise UserError("a PIN is 4 to 8 digits")


def check_new(name: str, role: str, existing: dict[str, str]) -> None:
    """Pre-check a new user's name and role before asking for the PIN (the store decides)."""
    _check(name, role)
    if name in existing:
        raise UserError(f"user '{name}' already exists")


class JsonUserStore:
    """Users in `<data_dir>/users.json`. There is no default user: the first admin comes from
    `tvemicro user add NAME --role admin`."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FILE_NAME
        self._lock = threading.Lock()
        self.problem: str | None = None
        self.invalid: list[str] = []  # entries not loaded, by file and field

    def _read(self) -> dict[str, User]:
        """Entries that pass the same checks as a new user; the others are left out, logged."""
        data, problem = load(self.path)
        self.problem = problem
        if data is None:
            self.invalid = []
            return {}
        models, invalid = valid_entries(data, "users", UserModel, FILE_NAME)
        if invalid != self.invalid:
            for text in invalid:
                log("stored_file_invalid", "warning", file=str(self.path), problem=text)
        self.invalid = invalid
        users = [User(m.name, m.role, m.salt, m.pin_hash, m.n, m.r, m.p) for m in models]
        return {u.name: u for u in users}

    def _write(self, users: dict[str, User]) -> None:
        """Atomic; a failed write raises StorageUnavailable and leaves users.json as it was."""
        try:
            write_atomic(self.path, {"users": [asdict(u) for u in users.values()]})
            os.chmod(self.path, 0o600)
        except OSError as err:
            self.path.with_name(self.path.name + ".tmp").unlink(missing_ok=True)
            log("storage_write_failed", "warning", file=FILE_NAME, error=str(err))
            message = f"could not save {FILE_NAME} ({err}); nothing was changed"
            raise StorageUnavailable(message) from err

    def names(self) -> list[tuple[str, str]]:
        """(name, role) of every user, sorted by name."""
        with self._lock:
            return sorted((u.name, u.role) for u in self._read().values())

    def verify(self, name: str, pin: str) -> str | None:
        """The user's role when the PIN matches, else None (constant-time compare)."""
        with self._lock:
            user = self._read().get(name)
        if user is None or not PIN_RE.match(pin):
            return None
        digest = _hash(pin, bytes.fromhex(user.salt), user.n, user.r, user.p)
        return user.role if hmac.compare_digest(digest, user.pin_hash) else None

    def add(self, name: str, role: str, pin: str) -> None:
        _check(name, role, pin)
        with self._lock:
            users = self._read()
            if name in users:
                raise UserError(f"user '{name}' already exists")
            users[name] = _new_user(name, role, pin)
            self._write(users)

    def set_pin(self, name: str, pin: str) -> None:
        _check(name, pin=pin)
        self._update(name, lambda u: _new_user(u.name, u.role, pin))

    def set_role(self, name: str, role: str) -> None:
        _check(name, role)
        self._update(name, lambda u: User(u.name, role, u.salt, u.pin_hash, u.n, u.r, u.p))

    def remove(self, name: str) -> None:
        with self._lock:
            users = self._read()
            if name not in users:
                raise UserError(f"no user '{name}'")
            self._guard_last_admin(users, name, None)
            del users[name]
            self._write(users)

    def _update(self, name: str, change: Any) -> None:
        with self._lock:
            users = self._read()
            if name not in users:
                raise UserError(f"no user '{name}'")
            new = change(users[name])
            self._guard_last_admin(users, name, new.role)
            users[name] = new
            self._write(users)

    @staticmethod
    def _guard_last_admin(users: dict[str, User], name: str, new_role: str | None) -> None:
        admins = [u for u in users.values() if u.role == "admin"]
        if users[name].role == "admin" and new_role != "admin" and len(admins) == 1:
            raise UserError("the last admin cannot be removed or demoted")


def _new_user(name: str, role: str, pin: str) -> User:
    salt = os.urandom(16)
    return User(name, role, salt.hex(), _hash(pin, salt, **SCRYPT))


def add_user(data_dir: Path, name: str, role: str, pin: str) -> None:
    """Create a touch user (for `tvemicro user add`); raises UserError with a clear message."""
    JsonUserStore(data_dir).add(name, role, pin)
