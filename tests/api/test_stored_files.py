"""tokens.json and users.json: validated like API input, locked across processes, and a failed
write is refused with nothing changed."""

from __future__ import annotations

import errno
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from app.cli import main as cli_main
from app.storage.records import users_file_problems
from app.storage.tokens import TOKENS_FILE, TokenStore
from app.ui.users import JsonUserStore
from control.errors import StorageUnavailable
from tests.api.conftest import Api, MakeApi, V


def _no_space(_fd: int) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_concurrent_creators_with_separate_stores_lose_no_token(tmp_path: Path) -> None:
    """Each thread has its own store, like the CLI and the server: only the flock orders them."""
    per_thread, threads = 8, 6
    start = threading.Barrier(threads)

    def make(k: int) -> None:
        store = TokenStore(tmp_path)
        start.wait()
        for n in range(per_thread):
            store.create("viewer", f"t{k}-{n}")

    workers = [threading.Thread(target=make, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    names = {r.name for r in TokenStore(tmp_path).records()}
    assert len(names) == per_thread * threads


def test_a_failed_token_write_is_refused_and_changes_nothing_then_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = TokenStore(tmp_path)
    secret, _ = store.create("admin", "first")
    before = (tmp_path / TOKENS_FILE).read_bytes()
    with monkeypatch.context() as m:
        m.setattr(os, "fsync", _no_space)
        with pytest.raises(StorageUnavailable, match="No space left"):
            store.create("viewer", "second")
        code = cli_main(["token", "create", "--role", "viewer", "--data-dir", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "could not save tokens.json" in err and "nothing was changed" in err
    assert (tmp_path / TOKENS_FILE).read_bytes() == before
    assert not list(tmp_path.glob("*.tmp"))
    assert [r.name for r in store.records()] == ["first"] and store.verify(secret)
    store.create("viewer", "second")  # the disk has room again
    assert [r.name for r in TokenStore(tmp_path).records()] == ["first", "second"]


def test_a_failed_users_write_is_refused_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = JsonUserStore(tmp_path)
    store.add("ann", "admin", "1234")
    with monkeypatch.context() as m:
        m.setattr(os, "fsync", _no_space)
        with pytest.raises(StorageUnavailable, match=r"users\.json"):
            store.add("bob", "operator", "5678")
        with pytest.raises(StorageUnavailable):
            store.set_pin("ann", "9999")
    assert store.names() == [("ann", "admin")]
    assert store.verify("ann", "1234") == "admin"
    assert not list(tmp_path.glob("*.tmp"))
    store.add("bob", "operator", "5678")
    assert store.names() == [("ann", "admin"), ("bob", "operator")]


async def test_a_truncated_token_file_fails_health_naming_it(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    path = api.storage.tokens.path
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert (await api.call("GET", f"{V}/status", "viewer"))[0] == 401  # fail closed, as before
    code, health = await api.call("GET", "/health", None)
    assert code == 503 and health["status"] == "failing"
    storage = health["checks"]["storage"]
    assert storage["status"] == "failing" and "tokens.json is unreadable" in storage["message"]
    warned = [r for r in caplog.records if r.getMessage() == "stored_file_invalid"]
    assert warned and warned[0].levelname == "WARNING"
    api.run_for(0.2)
    assert any(a.code == "tokens_file_invalid" for a in api.machine.core.snapshot.alarms)


def _records(path: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(path.read_text())["tokens"]
    return records


async def test_bad_token_entries_are_not_loaded_and_named(api: Api) -> None:
    path = api.storage.tokens.path
    records = _records(path)
    viewer = next(r for r in records if r["role"] == "viewer")
    admin = next(r for r in records if r["role"] == "admin")
    viewer["role"] = "root"  # unknown role
    admin["sha256"] = "z" * 64  # not hex
    path.write_text(json.dumps({"tokens": records}))
    assert (await api.call("GET", f"{V}/status", "viewer"))[0] == 401
    assert (await api.call("GET", f"{V}/status", "admin"))[0] == 401
    assert (await api.call("GET", f"{V}/status", "operator"))[0] == 200  # the sound ones load
    code, health = await api.call("GET", "/health", None)
    storage = health["checks"]["storage"]
    assert code == 200 and storage["status"] == "degraded"
    files = " | ".join(storage["files"])
    assert "tokens.json: tokens[" in files and ".role:" in files and ".sha256:" in files
    api.run_for(0.2)
    alarm = next(a for a in api.machine.core.snapshot.alarms if a.code == "tokens_file_invalid")
    assert alarm.severity == "warning" and ".sha256" in alarm.message


async def test_bad_user_entries_are_not_loaded_and_raise_a_warning_at_start(
    make_api: MakeApi, tmp_path: Path
) -> None:
    data = tmp_path / "data0"
    store = JsonUserStore(data)
    store.add("ann", "admin", "1234")
    store.add("bob", "operator", "5678")
    raw = json.loads((data / "users.json").read_text())
    raw["users"][1]["role"] = "superuser"
    raw["users"].append({**raw["users"][0], "name": "eve", "pin_hash": "not-a-hash"})
    (data / "users.json").write_text(json.dumps(raw))
    assert store.names() == [("ann", "admin")] and store.verify("bob", "5678") is None
    problems = users_file_problems(data / "users.json")
    assert [p.split(":")[1].strip() for p in problems] == ["users[1].role", "users[2].pin_hash"]
    api = await make_api()
    api.run_for(0.2)
    assert any(a.code == "users_file_invalid" for a in api.machine.core.snapshot.alarms)
    code, health = await api.call("GET", "/health", None)
    assert code == 200 and health["checks"]["storage"]["status"] == "degraded"
