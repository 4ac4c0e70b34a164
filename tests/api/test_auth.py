"""Auth: tokens stored hashed, role boundaries on every route, lockout, no default credentials."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest

from app.api.routes import ROUTES
from app.cli import main as cli_main
from app.storage.tokens import ROLES, TokenStore
from tests.api.conftest import Api, MakeApi, V

ROLE_BELOW = {"operator": "viewer", "engineer": "operator", "admin": "engineer"}


def _concrete(path: str) -> str:
    ids = {
        "zones": "barrel",
        "motors": "screw",
        "outputs": "motor_fan",
        "alarms": "1",
        "faults": "1",
    }
    parts = path.split("/")
    return "/".join(ids.get(parts[i - 1], p) if p == "{id}" else p for i, p in enumerate(parts))


AUTHED = [r for r in ROUTES if r.role is not None]


@pytest.fixture
async def api(make_api: MakeApi) -> Api:
    """Remote start allowed, so that start's 403 can only come from the role."""
    return await make_api(**{"api.allow_remote_start": True})


@pytest.mark.parametrize("route", AUTHED, ids=lambda r: f"{r.method} {r.path}")
async def test_every_authenticated_route_needs_a_token(api: Api, route: object) -> None:
    method, path = route.method, _concrete(route.path)  # type: ignore[attr-defined]
    code, body = await api.call(method, path, role=None)
    assert code == 401
    assert body["error"]["code"] == "unauthorized"
    code, _ = await api.call(method, path, role="not-a-token")
    assert code == 401


@pytest.mark.parametrize(
    "route", [r for r in AUTHED if r.role in ROLE_BELOW], ids=lambda r: f"{r.method} {r.path}"
)
async def test_role_just_below_is_forbidden_and_the_role_itself_passes(
    api: Api, route: object
) -> None:
    method, path, role = route.method, _concrete(route.path), route.role  # type: ignore[attr-defined]
    code, body = await api.call(method, path, role=ROLE_BELOW[role], json={})
    assert code == 403, body
    assert role in body["error"]["message"]
    code, _ = await api.call(method, path, role=role, json={})
    assert code not in (401, 403)


async def test_viewer_reads_status_but_cannot_change_a_setpoint(api: Api) -> None:
    assert (await api.call("GET", f"{V}/status", "viewer"))[0] == 200
    code, _ = await api.call("PUT", f"{V}/zones/barrel", "viewer", json={"setpoint_c": 190})
    assert code == 403
    assert api.zone(await api.status(), "barrel")["setpoint_c"] == 200


async def test_no_default_credentials_on_a_fresh_data_dir(make_api: MakeApi) -> None:
    api = await make_api()
    for record in api.storage.tokens.records():
        api.storage.tokens.revoke(record.id)
    for guess in ("admin", "admin:admin", "tvemicro", "", "null"):
        code, _ = await api.call("GET", f"{V}/status", role=guess)
        assert code == 401


async def test_tokens_are_stored_only_as_hashes_with_owner_only_permissions(api: Api) -> None:
    path = api.storage.tokens.path
    text = path.read_text()
    for secret in api.tokens.values():
        assert secret not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert all(len(r["sha256"]) == 64 for r in json.loads(text)["tokens"])


async def test_a_revoked_token_stops_working_without_a_restart(api: Api) -> None:
    assert (await api.call("GET", f"{V}/status", "operator"))[0] == 200
    api.storage.tokens.revoke("operator-user")
    code, _ = await api.call("GET", f"{V}/status", "operator")
    assert code == 401


async def test_repeated_failures_lock_the_address_out_then_it_recovers(make_api: MakeApi) -> None:
    api = await make_api(**{"api.auth_max_failures": 3, "api.auth_lockout_s": 30})
    for _ in range(3):
        assert (await api.call("GET", f"{V}/status", "wrong"))[0] == 401
    resp = await api.client.get(
        f"{V}/status", headers={"Authorization": f"Bearer {api.tokens['admin']}"}
    )
    assert resp.status == 429
    assert int(resp.headers["Retry-After"]) == 30
    assert (await resp.json())["error"]["code"] == "rate_limited"
    assert (await api.call("GET", "/health", None))[0] == 200
    assert (await api.call("GET", "/metrics", None))[0] == 200
    api.run_for(31)
    assert (await api.call("GET", f"{V}/status", "admin"))[0] == 200


async def test_failed_and_new_logins_are_recorded_as_events(api: Api) -> None:
    await api.call("GET", f"{V}/status", "nope")
    await api.call("GET", f"{V}/status", "operator")
    code, body = await api.call("GET", f"{V}/audit", "engineer")
    assert code == 200
    logins = [e for e in body["events"] if e["kind"] == "login"]
    assert any(e["result"] == "failed" for e in logins)
    assert any(e["result"] == "ok" and e["who"] == "operator-user" for e in logins)


def test_token_cli_prints_the_secret_once_and_lists_without_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "d")
    assert (
        cli_main(["token", "create", "--role", "engineer", "--name", "qa", "--data-dir", data]) == 0
    )
    secret = capsys.readouterr().out.strip()
    assert re.fullmatch(r"tvm_[A-Za-z0-9_-]{43}", secret)
    assert TokenStore(Path(data)).verify(secret) is not None
    assert cli_main(["token", "list", "--data-dir", data]) == 0
    listing = capsys.readouterr().out
    assert "qa" in listing and "engineer" in listing and secret not in listing
    assert cli_main(["token", "revoke", "qa", "--data-dir", data]) == 0
    assert TokenStore(Path(data)).verify(secret) is None
    assert cli_main(["token", "revoke", "qa", "--data-dir", data]) == 2


def test_token_cli_refuses_an_unknown_role(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        cli_main(["token", "create", "--role", "root", "--data-dir", str(tmp_path)])
    assert ROLES[0] == "viewer"
