"""History lost at kill -9: runs `tvemicro run --sim` N times, kills it at a random moment and
prints median/max of what the historian had not committed, on the process's own clock.
Budget (DESIGN §12): ≤ 0.5 s. `gap` = last /health time − newest stored sample (includes up to
one sample period of nothing-to-store); `lost` = how long the oldest unstored sample had waited."""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from machine_config.config import load_config
from tests.api.killrun import describe, kill_once


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("-n", type=int, default=10, help="number of kills (default 10)")
    p.add_argument("--config", default="config.yaml")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("-v", action="store_true", help="print every run")
    args = p.parse_args()
    config = Path(args.config).resolve()
    period_s = load_config(config).storage.history_period_s
    rng = random.Random(args.seed)
    gaps, losts = [], []
    for k in range(args.n):
        with tempfile.TemporaryDirectory(prefix="kill-loss-") as tmp:
            result = kill_once(Path(tmp), config, min_samples=3, extra_s=rng.uniform(0.0, 3.0))
        if result.integrity != "ok":
            print(f"run {k}: integrity_check says {result.integrity}")
            return 1
        gaps.append(result.gap_s)
        losts.append(result.lost_s(period_s))
        if args.v:
            print(f"run {k}: {describe(result)}")
    print(f"kills: {args.n}, sample period {period_s:g} s")
    print(f"gap  (last /health − newest sample): median {statistics.median(gaps):.3f} s, "
          f"max {max(gaps):.3f} s")  # fmt: skip
    print(f"lost (oldest unstored sample's wait): median {statistics.median(losts):.3f} s, "
          f"max {max(losts):.3f} s (budget 0.5 s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
