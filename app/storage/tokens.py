"""API bearer tokens: random secrets shown once, stored only as SHA-256 hashes in the data dir."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from app.services.logsetup import log
from app.storage.records import TokenModel, valid_entries
from control.errors import StorageUnavailable

TOKENS_FILE = "tokens.json"
LOCK_FILE = "tokens.json.lock"
ROLES = ("viewer", "operator", "engineer", "admin")
PREFIX = "tvm_"


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """One stored token. `sha256` is the hash of the secret; the secret itself is never kept."""

    id: str
    name: str
    role: str
    sha256: str
    created_at: float

    def public(self) -> dict[str, Any]:
        """What `token list` shows: everything but the hash."""
        return {"id": self.id, "name": self.name, "role": self.role, "created_at": self.created_at}


def role_rank(role: str) -> int:
    return ROLES.index(role)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class TokensUnreadable(ValueError):
    """tokens.json exists but is not a token file (truncated, not JSON, wrong shape)."""


class TokenStore:
    """tokens.json, written atomically (0600) under an flock on tokens.json.lock, so the CLI and a
    running server never lose each other's changes. Re-read when the file changes on disk, so
    tokens made or revoked with the CLI take effect in a running server without a restart.

    `problem` says why the file is unreadable (every token then fails: /health is failing);
    `invalid` lists entries that were not loaded, by file and field (/health is degraded)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / TOKENS_FILE
        self._records: list[TokenRecord] = []
        self._stamp: tuple[int, int, int] | None = None
        self._lock = threading.Lock()
        self.problem: str | None = None
        self.invalid: list[str] = []
        self.on_change: Callable[[TokenStore], None] = lambda store: None

    # -- reading --------------------------------------------------------------------------------
    def records(self) -> list[TokenRecord]:
        self._reload_if_changed()
        return list(self._records)

    def verify(self, token: str) -> TokenRecord | None:
        """The record whose hash matches `token` (constant-time compare against every record)."""
        digest = _digest(token)
        found = None
        for record in self.records():
            if hmac.compare_digest(record.sha256, digest):
                found = record
        return found

    def _reload_if_changed(self) -> None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._set([], None, [], None)
            return
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if stamp == self._stamp:
            return
        with self._lock:
            try:
                records, invalid = _read(self.path)
                problem = None
            except (OSError, TokensUnreadable) as err:
                records, invalid, problem = [], [], f"{TOKENS_FILE} is unreadable: {err}"
            self._set(records, problem, invalid, stamp)

    def _set(
        self,
        records: list[TokenRecord],
        problem: str | None,
        invalid: list[str],
        stamp: tuple[int, int, int] | None,
    ) -> None:
        changed = (problem, invalid) != (self.problem, self.invalid)
        self._records, self.problem, self.invalid, self._stamp = records, problem, invalid, stamp
        if changed:
            for text in [*([problem] if problem else []), *invalid]:
                log("stored_file_invalid", "warning", file=str(self.path), problem=text)
            self.on_change(self)

    # -- changing -------------------------------------------------------------------------------
    def create(self, role: str, name: str | None = None) -> tuple[str, TokenRecord]:
        """Make a token; returns (secret, record). The secret is not stored anywhere.
        Raises StorageUnavailable (nothing changed) when tokens.json cannot be written."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        secret = PREFIX + secrets.token_urlsafe(32)
        token_id = secrets.token_hex(4)
        record = TokenRecord(
            token_id, name or f"{role}-{token_id}", role, _digest(secret), time.time()
        )
        with self._locked():
            records = self._current()
            if any(r.name == record.name for r in records):
                raise ValueError(f"a token named {record.name!r} already exists")
            self._save([*records, record])
        return secret, record

    def revoke(self, id_or_name: str) -> TokenRecord:
        """Remove a token by id or name; raises LookupError when there is none."""
        with self._locked():
            records = self._current()
            match = [r for r in records if id_or_name in (r.id, r.name)]
            if not match:
                raise LookupError(f"no token with id or name {id_or_name!r}")
            self._save([r for r in records if r not in match])
        return match[0]

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """This store's thread lock, then an exclusive flock shared with every other process."""
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path.with_name(LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as err:
                raise _unsaved(err) from err
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # closing releases the flock

    def _current(self) -> list[TokenRecord]:
        """The file as it is now (under the lock). A damaged file is not overwritten: that would
        silently drop every token it held."""
        try:
            return _read(self.path)[0]
        except TokensUnreadable as err:
            raise ValueError(
                f"{self.path} is unreadable ({err}); move it aside to start a new token file"
            ) from err
        except OSError as err:
            raise _unsaved(err) from err

    def _save(self, records: list[TokenRecord]) -> None:
        try:
            _write_atomic(self.path, {"tokens": [asdict(r) for r in records]})
        except OSError as err:
            raise _unsaved(err) from err
        # no last-good copy: it would bring a revoked token back if the file were damaged
        self.path.with_name(self.path.name + ".last-good").unlink(missing_ok=True)
        self._stamp = None


def _unsaved(err: OSError) -> StorageUnavailable:
    log("storage_write_failed", "warning", file=TOKENS_FILE, error=str(err))
    return StorageUnavailable(f"could not save {TOKENS_FILE} ({err}); nothing was changed")


def _write_atomic(path: Path, data: Any) -> None:
    """temp (0600), fsync, rename over, fsync the folder: readers see the old or the new file,
    never none (a last-good rename in between would be a moment of 401 for everyone)."""
    tmp = path.with_name(path.name + ".tmp")
    payload = json.dumps(data, indent=1, sort_keys=True).encode()
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _read(path: Path) -> tuple[list[TokenRecord], list[str]]:
    """(valid records, problems of the entries left out). A missing file holds none; a file that
    is not a token file raises TokensUnreadable (the caller fails closed and says so)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], []
    try:
        data = json.loads(text)
    except ValueError as err:
        raise TokensUnreadable(f"not JSON ({err})") from err
    if not isinstance(data, dict) or not isinstance(data.get("tokens"), list):
        raise TokensUnreadable("no 'tokens' list")
    models, problems = valid_entries(data, "tokens", TokenModel, TOKENS_FILE)
    records = [TokenRecord(m.id, m.name, m.role, m.sha256, float(m.created_at)) for m in models]
    return records, problems
