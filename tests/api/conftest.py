"""API fixtures: a sim machine on a virtual clock with storage, tokens per role, a test client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app.api.app import create_app
from app.services.machine import Machine, build_machine
from app.storage.tokens import ROLES
from app.storage.wiring import Storage, build_storage
from machine_config.config import Config
from tests.support import config_with

V = "/api/v1"


@dataclass
class Api:
    """One machine served over REST in the test's event loop, with a token for every role."""

    machine: Machine
    storage: Storage
    client: TestClient[Any, Any]
    tokens: dict[str, str] = field(default_factory=dict)

    async def call(
        self, method: str, path: str, role: str | None = "admin", **kw: Any
    ) -> tuple[int, Any]:
        """(status, JSON body or text). `role` None sends no Authorization header."""
        headers = dict(kw.pop("headers", {}))
        if role is not None:
            headers["Authorization"] = f"Bearer {self.tokens.get(role, role)}"
        resp = await self.client.request(method, path, headers=headers, **kw)
        if resp.content_type == "application/json":
            return resp.status, await resp.json()
        return resp.status, await resp.text()

    async def status(self) -> dict[str, Any]:
        code, body = await self.call("GET", f"{V}/status", "viewer")
        assert code == 200, body
        result: dict[str, Any] = body
        return result

    def zone(self, snap: dict[str, Any], zid: str) -> dict[str, Any]:
        found: dict[str, Any] = next(z for z in snap["zones"] if z["id"] == zid)
        return found

    def run_for(self, seconds: float) -> None:
        assert self.machine.virtual is not None
        self.machine.virtual.run_for(seconds)


MakeApi = Callable[..., Awaitable[Api]]


@pytest.fixture
def storages() -> Iterator[list[Storage]]:
    made: list[Storage] = []
    yield made
    for storage in made:
        storage.close()


@pytest.fixture
async def make_api(
    aiohttp_client: Any, tmp_path: Path, storages: list[Storage]
) -> AsyncIterator[MakeApi]:
    """make_api(**config_overrides) → Api; sensors are read once (1 s) before it is returned."""
    machines: list[Machine] = []

    async def make(cfg: Config | None = None, **changes: Any) -> Api:
        cfg = cfg or config_with(**changes)
        data_dir = tmp_path / f"data{len(machines)}"
        storage = build_storage(cfg, data_dir)
        storages.append(storage)
        machine = build_machine(cfg, "sim", virtual=True, data_dir=data_dir, sinks=storage.sinks())
        machines.append(machine)
        storage.attach(machine)
        assert machine.virtual is not None
        machine.virtual.run_for(1.0)
        client = await aiohttp_client(create_app(machine, cfg, storage))
        api = Api(machine, storage, client)
        for role in ROLES:
            api.tokens[role], _ = storage.tokens.create(role, f"{role}-user")
        return api

    yield make
    for machine in machines:
        machine.close()


@pytest.fixture
async def api(make_api: MakeApi) -> Api:
    return await make_api()
