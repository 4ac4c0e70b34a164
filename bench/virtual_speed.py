"""Virtual-time speed-up: a whole production cycle of core + simulator, headless (budget ≥ 500×)."""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.simulate import simulate
from machine_config.config import load_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="config.yaml")
    parser.add_argument("--minutes", type=float, default=10.0, help="minutes of steady running")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cfg = load_config(args.config)
    speedups = []
    for _ in range(args.runs):
        report = simulate(cfg, "production", args.minutes)
        speedups.append(report.speedup)
        print(
            f"run: {report.machine_s:.0f} machine-s in {report.wall_s:.2f} wall-s "
            f"= {report.speedup:.0f}x  (final state {report.final_state})"
        )
    print(
        f"virtual speed-up: median {statistics.median(speedups):.0f}x, "
        f"min {min(speedups):.0f}x over {args.runs} runs (budget >= 500x)"
    )


if __name__ == "__main__":
    main()
