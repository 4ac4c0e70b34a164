"""Release artifacts: the manifest (id, version, platform, SHA-256 of every file) and its check."""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"


class ReleaseError(RuntimeError):
    """The artifact is incomplete, altered, or for another machine."""


def host_platform() -> str:
    return f"linux-{platform.machine()}-cp{sys.version_info.major}{sys.version_info.minor}"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checksums(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def write_manifest(folder: Path, release_id: str, version: str, target: str) -> dict[str, Any]:
    manifest: dict[str, Any] = {"id": release_id, "version": version, "platform": target}
    manifest["files"] = checksums(folder)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def verify(folder: Path) -> dict[str, Any]:
    """The manifest, once every file matches it and nothing is missing or extra."""
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as err:
        raise ReleaseError(f"{folder}: no readable {MANIFEST} ({err})") from None
    found = checksums(folder)
    expected: dict[str, str] = manifest.get("files", {})
    if set(found) != set(expected):
        raise ReleaseError(f"files differ from the manifest: {sorted(set(found) ^ set(expected))}")
    bad = [name for name, digest in expected.items() if found[name] != digest]
    if bad:
        raise ReleaseError(f"checksum mismatch: {', '.join(bad)}")
    if manifest.get("platform") != host_platform():
        raise ReleaseError(f"artifact is for {manifest.get('platform')}, this is {host_platform()}")
    return manifest


def main(argv: list[str] | None = None) -> int:
    """`python -m app.ops.release FOLDER ID VERSION PLATFORM`: write the manifest."""
    folder, release_id, version, target = argv if argv is not None else sys.argv[1:]
    manifest = write_manifest(Path(folder), release_id, version, target)
    print(f"release: manifest for {release_id} ({target}), {len(manifest['files'])} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
