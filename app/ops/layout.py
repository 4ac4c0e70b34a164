"""Where an installed product lives (under a root, `/` on a Pi, a scratch dir in the drills)."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Layout:
    """/opt/tvemicro/releases/<id> (a venv each), `current` and `previous` symlinks, /etc/tvemicro,
    /var/lib/tvemicro (the StateDirectory), the boot partition and systemd's folders."""

    root: Path

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Layout:
        root = getattr(args, "root", None) or os.environ.get("TVEMICRO_ROOT") or "/"
        return cls(Path(root))

    @property
    def opt(self) -> Path:
        return self.root / "opt" / "tvemicro"

    @property
    def releases(self) -> Path:
        return self.opt / "releases"

    @property
    def current(self) -> Path:
        return self.opt / "current"

    @property
    def previous(self) -> Path:
        return self.opt / "previous"

    @property
    def probation(self) -> Path:
        """Present (holding the release id) while a release has not passed its smoke."""
        return self.opt / "probation"

    @property
    def etc(self) -> Path:
        return self.root / "etc" / "tvemicro"

    @property
    def config(self) -> Path:
        return self.etc / "config.yaml"

    @property
    def smoke_token(self) -> Path:
        return self.etc / "smoke.token"

    @property
    def data(self) -> Path:
        return self.root / "var" / "lib" / "tvemicro"

    @property
    def snapshots(self) -> Path:
        return self.root / "var" / "backups" / "tvemicro"

    @property
    def boot(self) -> Path:
        return self.root / "boot" / "firmware"

    @property
    def systemd(self) -> Path:
        return self.root / "etc" / "systemd"

    @property
    def udev_rules(self) -> Path:
        return self.root / "etc" / "udev" / "rules.d"

    def release_dir(self, release_id: str) -> Path:
        return self.releases / release_id

    def current_id(self) -> str | None:
        return _link_name(self.current)

    def previous_id(self) -> str | None:
        return _link_name(self.previous)

    def tvemicro(self, release_id: str) -> Path:
        return self.release_dir(release_id) / "venv" / "bin" / "tvemicro"


def _link_name(link: Path) -> str | None:
    return Path(os.readlink(link)).name if link.is_symlink() else None


def point(link: Path, target: Path | None) -> None:
    """Atomically point `link` at `target` (relative, so the tree can be moved), or remove it."""
    if target is None:
        if link.is_symlink():
            link.unlink()
        return
    tmp = link.with_name(link.name + ".new")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(os.path.relpath(target, link.parent))
    tmp.replace(link)
