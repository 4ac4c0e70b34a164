"""`tvemicro snapshot` against a live process: every part is there and no secret is in it."""

from __future__ import annotations

import json
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.snapshot_cmd import scrub
from app.ui.users import add_user
from tests.api.live import LiveServer, tvemicro


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("snapshot")
    add_user(workdir / "data", "olga", "operator", "90817")
    server = LiveServer(workdir)
    yield server
    server.stop()


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        out = {}
        for m in tar.getmembers():
            f = tar.extractfile(m)
            assert f is not None
            out[m.name.split("/", 1)[1]] = f.read()
        return out


def test_the_archive_holds_every_part_and_no_secret(live: LiveServer, tmp_path: Path) -> None:
    viewer = tvemicro("token", "create", "--role", "viewer", "--data-dir", str(live.data_dir))
    other_token = viewer.stdout.strip()
    live.wait_for_log("state")  # the process is up and logging
    out = tmp_path / "pm.tar.gz"
    done = tvemicro("snapshot", "--out", str(out), "--url", live.url, "--token", live.token,
                    "--config", str(live.config), "--data-dir", str(live.data_dir),
                    "--minutes", "5")  # fmt: skip
    assert done.returncode == 0, done.stderr
    parts = _members(out)
    assert {"health.json", "metrics.txt", "status.json", "config.effective.json", "settings.json",
            "alarms.json", "history.json", "audit.json", "config.yaml.json", "pi_health.json",
            "journal.txt", "version.json"} <= set(parts)  # fmt: skip
    for name in ("health.json", "status.json", "alarms.json", "audit.json", "history.json"):
        assert json.loads(parts[name])["http_status"] == 200, name
    assert b"tvemicro_build_info{" in parts["metrics.txt"]
    assert json.loads(parts["history.json"])["body"]["series"]

    tokens = json.loads((live.data_dir / "tokens.json").read_text())["tokens"]
    users = json.loads((live.data_dir / "users.json").read_text())["users"]
    secrets = [live.token, other_token]
    secrets += [t["sha256"] for t in tokens] + [u["pin_hash"] for u in users]
    secrets += [u["salt"] for u in users]
    assert len(secrets) == 6 and all(len(s) >= 32 for s in secrets)
    for name, blob in parts.items():
        for secret in secrets:
            assert secret.encode() not in blob, f"a secret is in {name}"


def test_scrub_drops_secret_values_at_any_depth_and_keeps_pins() -> None:
    data = {"api": {"metrics_token": "x", "list": [{"pin_hash": "y", "salt": "z"}]},
            "zones": {"barrel": {"heater_pin": 17, "sensor": {"cs_pin": 8}}},
            "Authorization": "Bearer q"}  # fmt: skip
    hidden = {"pin_hash": "<redacted>", "salt": "<redacted>"}
    assert scrub(data) == {
        "api": {"metrics_token": "<redacted>", "list": [hidden]},
        "zones": {"barrel": {"heater_pin": 17, "sensor": {"cs_pin": 8}}},
        "Authorization": "<redacted>",
    }  # fmt: skip


def test_an_unreachable_process_is_a_failure_not_an_empty_success(tmp_path: Path) -> None:
    out = tmp_path / "pm.tar.gz"
    done = tvemicro("snapshot", "--out", str(out), "--url", "http://127.0.0.1:9", "--config",
                    str(tmp_path / "none.yaml"))  # fmt: skip
    assert done.returncode == 1 and "answered nothing" in done.stdout
    assert "unreachable" in _members(out)["health.json"].decode()
