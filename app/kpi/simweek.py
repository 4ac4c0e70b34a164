"""A simulated week for the KPI report: the sim machine runs two shifts a weekday in virtual time,
with panel logins, REST and panel commands, warnings and a trip, into a real historian."""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.services.machine import Machine, build_machine
from app.storage.wiring import Storage, build_storage
from control import commands as c
from control.errors import HmiError
from machine_config.config import load_config

START = 1_767_571_200.0  # Monday 2026-01-05 00:00 UTC
H = 3600.0
CHUNK_S = 30.0
ROSTER = {
    "ana": "operator",
    "ben": "operator",
    "cem": "operator",
    "dora": "engineer",
    "emil": "operator",
}  # emil never uses the panel this week
CREW = {"early": ["ana", "ben"], "late": ["cem", "ana"]}


class Shift:
    """One shift: the process starts, an operator logs in, runs the line, logs out, it stops."""

    def __init__(self, cfg: Any, data_dir: Path, wall0: float, who: str, rng: random.Random):
        self.storage: Storage = build_storage(cfg, data_dir)
        self.machine: Machine = build_machine(
            cfg, "sim", virtual=True, data_dir=data_dir, sinks=self.storage.sinks(), wall0=wall0
        )
        self.storage.attach(self.machine)
        self.who, self.rng = who, rng
        self.actor = c.Actor(who, ROSTER[who], "touch")
        self.login_at = wall0

    def run_for(self, seconds: float) -> None:
        """Machine time in chunks, letting the historian writer catch up after each: virtual time
        runs ~1000x faster than a writer can commit, which would only measure queue overflow."""
        end = self.machine.clock.now() + seconds
        while self.machine.clock.now() < end:
            self.virtual.run_for(min(CHUNK_S, end - self.machine.clock.now()))
            self._catch_up()

    def run_until(self, done: Any, timeout_s: float) -> None:
        end = self.machine.clock.now() + timeout_s
        while self.machine.clock.now() < end and not done():
            self.virtual.run_until(done, min(CHUNK_S, end - self.machine.clock.now()))
            self._catch_up()

    def _catch_up(self) -> None:
        assert self.storage.historian is not None
        self.storage.historian.flush()

    @property
    def virtual(self) -> Any:
        assert self.machine.virtual is not None
        return self.machine.virtual

    def record(self, data: dict[str, Any]) -> None:
        assert self.storage.historian is not None
        self.storage.historian.record("login", self.machine.clock.wall(), data)

    def command(self, cmd: c.Command) -> None:
        with contextlib.suppress(HmiError):  # a refusal is audited: what the report counts
            self.virtual.call(cmd)

    def run(self, trip: bool) -> None:
        self.run_for(self.rng.uniform(60, 900))
        self.login_at = self.machine.clock.wall()
        self.record({"result": "ok", "who": self.who, "role": ROSTER[self.who], "source": "touch"})
        self.command(c.Preheat(actor=self.actor))
        self.run_until(lambda: self.machine.core.snapshot.state == "ready", 3 * H)
        self.command(c.Start(actor=self.actor))
        self.command(c.SetSetpoint("barrel", 999.0, actor=self.actor))  # refused: above max
        self.run_for(self.rng.uniform(20, 40) * 60)
        remote = c.Actor("line-smoke", "operator", "rest")
        self.command(c.SetSetpoint("barrel", 200.0, actor=remote))
        self.warning(disk_full=trip)
        if trip:
            self.trip()
        self.run_for(self.rng.uniform(10, 30) * 60)
        self.command(c.Stop(actor=self.actor))
        self.run_until(lambda: self.machine.core.snapshot.state == "idle", H)
        self.logout()

    def warning(self, disk_full: bool) -> None:
        """A warning to acknowledge: a monitor thermocouple that opens for a while, or (once)
        a full disk, which drops history for as long as it lasts."""
        sim = self.machine.sim
        assert sim is not None
        self._catch_up()
        if disk_full:
            fid = sim.faults.inject("disk_full", "machine")
        else:
            fid = sim.faults.inject("tc_open", "feed_throat")
        self.run_for(self.rng.uniform(20, 120))
        sim.faults.clear(fid)
        self.run_for(self.rng.uniform(30, 400))
        self.command(c.AckAll(actor=self.actor))

    def trip(self) -> None:
        sim = self.machine.sim
        assert sim is not None
        fid = sim.faults.inject("tc_open", "nozzle")
        self.run_for(self.rng.uniform(60, 600))
        sim.faults.clear(fid)
        self.run_for(5)
        self.command(c.Reset(ack=True, actor=self.actor))
        self.command(c.Preheat(actor=self.actor))
        self.run_until(lambda: self.machine.core.snapshot.state == "ready", 3 * H)
        self.command(c.Start(actor=self.actor))

    def logout(self) -> None:
        held = round(self.machine.clock.wall() - self.login_at, 1)
        self.record(
            {
                "result": "logout",
                "who": self.who,
                "role": ROSTER[self.who],
                "source": "touch",
                "reason": "manual",
                "session_s": held,
            }
        )

    def close(self) -> None:
        self.machine.close()
        self.storage.close()


def simulate_week(config: Path, data_dir: Path, seed: int = 13) -> dict[str, Any]:
    """Five weekdays × two shifts; a trip on Wednesday's late shift. Returns the period."""
    cfg = load_config(str(config))
    rng = random.Random(seed)
    data_dir.mkdir(parents=True, exist_ok=True)
    users = [{"name": n, "role": r} for n, r in ROSTER.items()]  # names only: no PIN hashes
    (data_dir / "roster.json").write_text(json.dumps({"users": users}))
    started = time.monotonic()
    for day in range(5):
        for name, start_h in (("early", 6), ("late", 14)):
            who = CREW[name][day % 2]
            shift = Shift(cfg, data_dir, START + day * 24 * H + start_h * H, who, rng)
            try:
                shift.run(trip=(day == 2 and name == "late"))
            finally:
                shift.close()
    return {"since": START, "until": START + 7 * 24 * H, "wall_s": time.monotonic() - started}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--config", default="config.yaml")
    p.add_argument("--data-dir", required=True, help="a new, empty directory")
    p.add_argument("--seed", type=int, default=13)
    args = p.parse_args(argv)
    period = simulate_week(Path(args.config), Path(args.data_dir), args.seed)
    print(json.dumps(period))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
