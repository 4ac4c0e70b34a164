"""`tvemicro upgrade ARTIFACT`: offline install, config check, snapshot, switch, restart, smoke."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.ops.backup import build_backup, schema_of
from app.ops.layout import Layout
from app.ops.release import ReleaseError, verify
from app.ops.restore import RestoreError, restore
from app.ops.switch import SERVICE, Say, SwitchError, must, prune, switch_to, systemctl
from app.storage.db import DB_FILE

BUSY_STATES = ("heating", "ready", "starting", "running", "stopping")


class UpgradeError(RuntimeError):
    """A step failed; the message names it and what was done about it."""


@dataclass
class Plan:
    layout: Layout
    release_id: str
    old_id: str | None
    snapshot: Path | None = None
    schema: str | None = None


def run(cmd: list[str], what: str, timeout_s: float = 900.0) -> str:
    """Run a release's tool; without PYTHONPATH (the bootstrap's wheel must not shadow it)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout_s, check=False, env=env
    )
    if done.returncode != 0:
        tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-12:]
        raise UpgradeError(f"{what} failed:\n  " + "\n  ".join(tail))
    return done.stdout


def unpack(layout: Layout, artifact: Path, say: Say) -> tuple[str, dict[str, Any]]:
    """Extract and verify the artifact into releases/<id>/release; the id and manifest."""
    layout.releases.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=layout.releases, prefix=".unpack-") as tmp:
        try:
            with tarfile.open(artifact) as tar:
                tar.extractall(tmp, filter="data")
        except (OSError, tarfile.TarError) as err:
            raise UpgradeError(f"cannot read {artifact}: {err}") from None
        tops = list(Path(tmp).iterdir())
        if len(tops) != 1:
            raise UpgradeError(f"{artifact}: expected one top folder, found {len(tops)}")
        try:
            manifest = verify(tops[0])
        except ReleaseError as err:
            raise UpgradeError(f"{artifact}: {err}") from None
        rid = str(manifest["id"])
        if rid == layout.current_id():
            raise UpgradeError(f"{rid} is already the current release")
        target = layout.release_dir(rid)
        shutil.rmtree(target, ignore_errors=True)  # a failed earlier attempt
        target.mkdir(parents=True)
        tops[0].replace(target / "release")
    say(f"checked {artifact.name}: release {rid}, {len(manifest['files'])} files match")
    return rid, manifest


def install(layout: Layout, rid: str, say: Say) -> None:
    """A venv from the release's own wheelhouse only (--no-index, hashes required)."""
    rel = layout.release_dir(rid)
    wheels = rel / "release" / "wheelhouse"
    python = rel / "venv" / "bin" / "python"
    run(["python3", "-m", "venv", str(rel / "venv")], "venv")  # the system's CPython 3.11
    pip = [str(python), "-m", "pip", "install", "-q", "--no-index", "--find-links", str(wheels)]
    pip += ["--disable-pip-version-check", "--only-binary=:all:"]
    lock = str(rel / "release" / "requirements.lock")  # complete: every wheel, hashed
    run([*pip, "--no-deps", "--require-hashes", "-r", lock], "pip install")
    package = sorted(wheels.glob("tvemicro-*.whl"))
    run([*pip, "--no-deps", *map(str, package)], "pip install tvemicro")
    run([str(python), "-m", "compileall", "-q", str(rel / "venv" / "lib")], "compileall")
    say(f"installed {rid} offline into {rel / 'venv'}")


def check_config(layout: Layout, rid: str, say: Say) -> None:
    out = run([str(layout.tvemicro(rid)), "config", "check", str(layout.config)], "config check")
    say(f"config check with {rid}: {out.strip()}")


URL_SCRIPT = """
import sys
from machine_config.config import load_config
api = load_config(sys.argv[1]).api
host = "127.0.0.1" if api.host in ("0.0.0.0", "::", "") else api.host
print(f"http://{host}:{api.port}")
"""


def api_url(layout: Layout, rid: str) -> str:
    """The REST address from config.yaml, read by the new release (this module stays stdlib-only,
    so a blank machine can run it straight from the package wheel: packaging/install.sh)."""
    python = str(layout.release_dir(rid) / "venv" / "bin" / "python")
    return run([python, "-c", URL_SCRIPT, str(layout.config)], "reading api.host/port").strip()


def machine_state(url: str) -> str | None:
    """The running machine's state from GET /health, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url + "/health", timeout=3) as resp:
            return str(json.loads(resp.read()).get("state"))
    except (OSError, ValueError):
        return None


def refuse_if_busy(url: str, force: bool, say: Say) -> None:
    state = machine_state(url)
    if state in BUSY_STATES and not force:
        raise UpgradeError(f"machine is {state}: stop it first, or use --force")
    say(f"machine state: {state or 'not running'}" + (" (--force)" if force else ""))


def snapshot(plan: Plan, say: Say) -> None:
    layout = plan.layout
    if not (layout.data / DB_FILE).exists() and not layout.data.is_dir():
        say("no data dir yet: no snapshot")
        return
    plan.snapshot = layout.snapshots / f"pre-{plan.release_id}.tar.gz"
    manifest = build_backup(layout.data, plan.snapshot, layout.config, plan.old_id, layout.boot)
    if (layout.data / DB_FILE).exists():
        plan.schema = schema_of(layout.data / DB_FILE)
    say(f"data snapshot {plan.snapshot} ({manifest['rows'] or 'no database'})")


def restart_and_smoke(plan: Plan, say: Say) -> None:
    layout = plan.layout
    start = time.monotonic()
    say("restarting the service (waits for READY=1)")
    must("restart", SERVICE)
    say(f"READY=1 after {time.monotonic() - start:.1f} s; running the smoke")
    token = _smoke_token(layout)
    cmd = [
        str(layout.tvemicro(plan.release_id)),
        "smoke",
        "--url",
        api_url(layout, plan.release_id),
    ]
    out = run([*cmd, "--token", token], "smoke", timeout_s=300)
    say("smoke passed:\n" + out.rstrip())


def _smoke_token(layout: Layout) -> str:
    try:
        return layout.smoke_token.read_text().strip()
    except OSError:
        raise UpgradeError(
            f"no smoke token at {layout.smoke_token}: tvemicro token create --role operator "
            f"--name smoke --data-dir {layout.data} > {layout.smoke_token}"
        ) from None


def switch_back(plan: Plan, say: Say) -> str:
    """After a failed restart or smoke: the old release back, the data snapshot too if the
    schema changed; what was done, for the error message."""
    layout = plan.layout
    if plan.old_id is None:
        systemctl("stop", SERVICE)
        return "no previous release: service stopped"
    systemctl("stop", SERVICE)
    done = [f"switched back to {plan.old_id}"]
    db = layout.data / DB_FILE
    if plan.snapshot is not None and plan.schema is not None and schema_of(db) != plan.schema:
        try:
            restore(plan.snapshot, layout.data)
        except RestoreError as err:
            done.append(f"DATA SNAPSHOT NOT RESTORED: {err}")
        else:
            done.append(f"schema changed: data restored from {plan.snapshot}")
    switch_to(layout, plan.old_id, layout.previous_id())
    layout.probation.unlink(missing_ok=True)
    say("; ".join(done) + "; restarting it")
    must("restart", SERVICE)
    return "; ".join(done)


def upgrade(layout: Layout, artifact: Path, force: bool, restart: bool, say: Say) -> str:
    """Every step in order; on a failure after the switch, switch back and raise."""
    say("[1/7] check the artifact")
    rid, _ = unpack(layout, artifact, say)
    plan = Plan(layout, rid, layout.current_id())
    say("[2/7] install offline")
    install(layout, rid, say)
    say("[3/7] check the config against the new release")
    check_config(layout, rid, say)
    say("[4/7] machine state")
    if restart:
        refuse_if_busy(api_url(layout, rid), force, say)
    say("[5/7] snapshot the data dir")
    snapshot(plan, say)
    say(f"[6/7] switch current -> {rid} (previous: {plan.old_id}), probation on")
    switch_to(layout, rid, plan.old_id)
    layout.probation.write_text(rid + "\n")
    if not restart:
        return rid
    say("[7/7] restart and smoke")
    try:
        restart_and_smoke(plan, say)
    except (UpgradeError, SwitchError) as err:
        raise UpgradeError(f"{err}\nrolled back: {switch_back(plan, say)}") from None
    layout.probation.unlink()
    say(f"probation passed; pruned: {', '.join(prune(layout)) or 'nothing'}")
    return rid


def upgrade_command(args: argparse.Namespace) -> int:
    layout = Layout.from_args(args)
    start = time.monotonic()

    def say(text: str) -> None:
        print(f"upgrade: {text}", flush=True)

    try:
        rid = upgrade(layout, Path(args.artifact), args.force, not args.no_restart, say)
    except (UpgradeError, SwitchError) as err:
        say(f"FAILED after {time.monotonic() - start:.1f} s: {err}")
        return 1
    say(f"now on {rid} ({time.monotonic() - start:.1f} s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python3 -m app.ops.upgrade ARTIFACT [--root R] [--force] [--no-restart]`: the same
    upgrade, for a machine with no tvemicro yet (packaging/install.sh runs it from the wheel)."""
    parser = argparse.ArgumentParser(prog="python3 -m app.ops.upgrade")
    parser.add_argument("artifact")
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--no-restart", action="store_true")
    parser.add_argument("--root")
    return upgrade_command(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
