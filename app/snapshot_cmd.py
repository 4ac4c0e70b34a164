"""`tvemicro snapshot --out FILE`: one postmortem archive from a live process, with no secrets."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from app import __version__
from app.pihealth import read_health

SECRET_KEY = re.compile(
    r"token|secret|passw|pin_hash|^pin$|hash|salt|credential|authoriz|sha256|private|cookie", re.I
)
REDACTED = "<redacted>"
DATA_FILES = ("settings.json", "alarms.json")  # never tokens.json or users.json


def scrub(value: Any) -> Any:
    """Drop every value under a key that names a secret (tokens, hashes, PINs, salts), at any
    depth. Keys are kept, so the reader sees that something was there."""
    if isinstance(value, dict):
        return {k: REDACTED if SECRET_KEY.search(str(k)) else scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


class Client:
    """GETs against the live process's REST server with a bearer token (never written out)."""

    def __init__(self, url: str, token: str | None, timeout_s: float) -> None:
        self.url, self.token, self.timeout_s = url.rstrip("/"), token, timeout_s

    def get(self, path: str) -> tuple[int, bytes]:
        req = urllib.request.Request(self.url + path)
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()
        except (OSError, urllib.error.URLError) as err:
            return 0, f"unreachable: {err}".encode()


def rest_parts(client: Client, minutes: float) -> dict[str, Any]:
    since = f"-{max(1, round(minutes))}m"
    paths = {
        "health.json": "/health",
        "metrics.txt": "/metrics",
        "status.json": "/api/v1/status",
        "config.effective.json": "/api/v1/config",
        "settings.json": "/api/v1/settings",
        "alarms.json": "/api/v1/alarms?state=all&limit=500",
        "history.json": f"/api/v1/history?since={since}&step_s=1",
        "audit.json": f"/api/v1/audit?since={since}&limit=10000",
    }
    parts: dict[str, Any] = {}
    for name, path in paths.items():
        code, body = client.get(path)
        if name.endswith(".json"):
            try:
                parts[name] = {"http_status": code, "body": scrub(json.loads(body))}
            except ValueError:
                parts[name] = {"http_status": code, "body": body.decode(errors="replace")}
        else:
            parts[name] = body.decode(errors="replace") if code == 200 else f"HTTP {code}\n"
    return parts


def local_parts(
    config: Path | None, data_dir: Path | None, unit: str, minutes: float
) -> dict[str, Any]:
    parts: dict[str, Any] = {}
    if config is not None and config.exists():
        try:
            parts["config.yaml.json"] = scrub(yaml.safe_load(config.read_text()))
        except yaml.YAMLError as err:
            parts["config.yaml.json"] = {"unreadable": str(err)}
    for name in DATA_FILES:
        path = data_dir / name if data_dir is not None else None
        if path is not None and path.exists():
            try:
                parts[f"data/{name}"] = scrub(json.loads(path.read_text()))
            except ValueError as err:
                parts[f"data/{name}"] = {"unreadable": str(err)}
    parts["pi_health.json"] = read_health().as_dict()
    parts["journal.txt"] = journal(unit, minutes)
    parts["version.json"] = {
        "version": __version__,
        "release": release_id(),
        "taken_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return parts


def journal(unit: str, minutes: float) -> str:
    exe = shutil.which("journalctl")
    if exe is None:
        return "journalctl not found on this machine\n"
    cmd = [
        exe,
        "-u",
        unit,
        "--since",
        f"-{max(1, round(minutes))}min",
        "--no-pager",
        "-o",
        "short-iso",
    ]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"journalctl failed: {err}\n"
    return done.stdout + (
        f"\n[journalctl exit {done.returncode}] {done.stderr}" if done.returncode else ""
    )


def release_id() -> str | None:
    """The release directory the code runs from (/opt/tvemicro/releases/<id>), if installed so."""
    here = Path(__file__).resolve().parents[1]
    return here.name if here.parent.name == "releases" else os.environ.get("TVEMICRO_RELEASE")


def write_archive(out: Path, parts: dict[str, Any], secrets: list[str]) -> list[str]:
    """A tar.gz of the parts; refuses to write if any known secret string would be in it."""
    blobs = {
        name: (v if isinstance(v, str) else json.dumps(v, indent=1, default=str)).encode()
        for name, v in parts.items()
    }
    for name, blob in blobs.items():
        for secret in secrets:
            if secret and secret.encode() in blob:
                blobs[name] = blob.replace(secret.encode(), REDACTED.encode())
    tmp = out.with_name(out.name + ".tmp")
    with tarfile.open(tmp, "w:gz") as tar:
        for name, blob in sorted(blobs.items()):
            info = tarfile.TarInfo(f"tvemicro-snapshot/{name}")
            info.size, info.mtime, info.mode = len(blob), int(time.time()), 0o600
            tar.addfile(info, io.BytesIO(blob))
    os.replace(tmp, out)
    return sorted(blobs)


def add_subcommands(sub: Any) -> None:
    p = sub.add_parser(
        "snapshot",
        help="postmortem archive from a live process (no secrets)",
        description=__doc__ + " Config (tokens and hashes stripped), settings, "
        "alarms, the last N minutes of history and events, the audit trail, "
        "/health, a /metrics scrape, version and release, the unit's journal "
        "(where journalctl exists) and the Pi's throttling state.",
    )
    p.add_argument("--out", required=True, help="archive to write (.tar.gz)")
    p.add_argument("--url", default="http://127.0.0.1:8080", help="the process's REST server")
    p.add_argument(
        "--token",
        default=os.environ.get("TVEMICRO_TOKEN"),
        help="engineer token, for the audit trail ($TVEMICRO_TOKEN)",
    )
    p.add_argument("--minutes", type=float, default=30.0, help="history and events to include")
    p.add_argument("--config", default="config.yaml", help="config file (secrets stripped)")
    p.add_argument("--data-dir", help="data directory for settings.json and alarms.json")
    p.add_argument("--unit", default="tvemicro", help="systemd unit for the journal")
    p.set_defaults(func=snapshot_command)


def snapshot_command(args: argparse.Namespace) -> int:
    client = Client(args.url, args.token, timeout_s=15.0)
    parts = rest_parts(client, args.minutes)
    data_dir = Path(args.data_dir) if args.data_dir else None
    parts.update(local_parts(Path(args.config), data_dir, args.unit, args.minutes))
    try:
        names = write_archive(Path(args.out), parts, [args.token or ""])
    except OSError as err:
        print(f"tvemicro snapshot: cannot write {args.out}: {err}", file=sys.stderr)
        return 2
    health = parts["health.json"]["http_status"]
    print(f"wrote {args.out}: {len(names)} parts; /health answered {health or 'nothing'}")
    return 0 if health else 1
