"""API bearer tokens: random secrets shown once, stored only as SHA-256 hashes in the data dir."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from control import persist

TOKENS_FILE = "tokens.json"
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


class TokenStore:
    """tokens.json, written atomically (0600). Re-read when the file changes on disk, so tokens
    made or revoked with the CLI take effect in a running server without a restart."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / TOKENS_FILE
        self._records: list[TokenRecord] = []
        self._stamp: tuple[int, int, int] | None = None
        self._lock = threading.Lock()

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
            self._records, self._stamp = [], None
            return
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if stamp == self._stamp:
            return
        with self._lock:
            self._records = _read(self.path)
            self._stamp = stamp

    # -- changing -------------------------------------------------------------------------------
    def create(self, role: str, name: str | None = None) -> tuple[str, TokenRecord]:
        """Make a token; returns (secret, record). The secret is not stored anywhere."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        secret = PREFIX + secrets.token_urlsafe(32)
        token_id = secrets.token_hex(4)
        record = TokenRecord(
            token_id, name or f"{role}-{token_id}", role, _digest(secret), time.time()
        )
        with self._lock:
            records = _read(self.path)
            if any(r.name == record.name for r in records):
                raise ValueError(f"a token named {record.name!r} already exists")
            self._save([*records, record])
        return secret, record

    def revoke(self, id_or_name: str) -> TokenRecord:
        """Remove a token by id or name; raises LookupError when there is none."""
        with self._lock:
            records = _read(self.path)
            match = [r for r in records if id_or_name in (r.id, r.name)]
            if not match:
                raise LookupError(f"no token with id or name {id_or_name!r}")
            self._save([r for r in records if r not in match])
        return match[0]

    def _save(self, records: list[TokenRecord]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        old_umask = os.umask(0o077)
        try:
            persist.write_atomic(self.path, {"tokens": [asdict(r) for r in records]})
        finally:
            os.umask(old_umask)
        os.chmod(self.path, 0o600)
        # no last-good copy: it would bring a revoked token back if the file were damaged
        self.path.with_name(self.path.name + ".last-good").unlink(missing_ok=True)
        self._stamp = None


def _read(path: Path) -> list[TokenRecord]:
    """The stored records; a missing or damaged file holds none (fail closed)."""
    try:
        return _parse(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return []


def _parse(data: Any) -> list[TokenRecord]:
    """Valid records only: a damaged entry is skipped (it can no longer authenticate)."""
    if not isinstance(data, dict) or not isinstance(data.get("tokens"), list):
        return []
    out = []
    for item in data["tokens"]:
        try:
            record = TokenRecord(**item)
        except TypeError:
            continue
        if record.role in ROLES and len(record.sha256) == 64:
            out.append(record)
    return out
