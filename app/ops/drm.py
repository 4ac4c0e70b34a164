"""ExecStartPre helper: pick the DRM card with a connected display for SDL's KMSDRM driver."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

CONNECTOR = re.compile(r"^card(\d+)-(.+)$")


def connected_cards(sysfs: Path) -> list[tuple[int, str]]:
    """(card index, connector) for every connector whose status reads `connected`, in order."""
    found: list[tuple[int, str]] = []
    for status in (sysfs / "class" / "drm").glob("card*-*/status"):
        match = CONNECTOR.match(status.parent.name)
        if match is None:
            continue
        try:
            text = status.read_text(encoding="ascii").strip()
        except OSError:
            continue
        if text == "connected":
            found.append((int(match.group(1)), match.group(2)))
    return sorted(found)


def pick_card(sysfs: Path) -> tuple[int, str] | None:
    """The lowest-numbered card with a connected connector (a DSI panel or an HDMI display)."""
    cards = connected_cards(sysfs)
    return cards[0] if cards else None


def env_lines(choice: tuple[int, str] | None) -> str:
    """The EnvironmentFile for tvemicro.service (empty without a display: the core runs
    headless, which is still a working machine with its REST server)."""
    if choice is None:
        return ""
    index, connector = choice
    return (
        f"SDL_KMSDRM_DEVICE_INDEX={index}\n"
        f"TVEMICRO_DRM_CARD=/dev/dri/card{index}\n"
        f"TVEMICRO_DRM_CONNECTOR={connector}\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.ops.drm", description=__doc__)
    parser.add_argument("--sysfs", default="/sys", help="sysfs root (tests use a fake tree)")
    parser.add_argument("--env-file", required=True, help="where to write the variables")
    args = parser.parse_args(argv)
    choice = pick_card(Path(args.sysfs))
    out = Path(args.env_file)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(env_lines(choice), encoding="ascii")
    tmp.replace(out)
    if choice is None:
        print("drm: no connected display found; the kiosk will run headless", file=sys.stderr)
    else:
        print(f"drm: card{choice[0]} ({choice[1]}) is connected", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
