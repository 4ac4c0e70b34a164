#!/usr/bin/env bash
# ./dev release [--host]: a self-contained release artifact in artifacts/release/:
#   tvemicro-<id>/ manifest.json (id, version, platform, sha256 of every file), wheelhouse/ (every
#   wheel requirements-pi.lock names, hashed, plus the tvemicro wheel), requirements.lock, systemd/,
#   udev/, provisioning/ (config.txt block and cmdline.txt from config.yaml), config.example.yaml,
#   docs/runbook.md.
# Default target: linux-aarch64 / CPython 3.11 (Raspberry Pi OS bookworm, 64-bit). --host builds
# for this machine instead (the drills install it here). RELEASE_ID overrides the id.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
target=aarch64
[ "${1:-}" = "--host" ] && target=host
version=$("$PY" -c 'import app; print(app.__version__)')
sha=$(git rev-parse --short HEAD 2>/dev/null || echo nogit)
dirty=$(git status --porcelain 2>/dev/null | grep -q . && echo .dirty || true)
id=${RELEASE_ID:-$version+g$sha$dirty}
if [ "$target" = host ]; then
  platform=$("$PY" -c 'from app.ops.release import host_platform; print(host_platform())')
  pick=()
else
  platform=linux-aarch64-cp311
  pick=(--python-version 3.11 --implementation cp --abi cp311 --platform manylinux2014_aarch64)
  for glibc in $(seq 17 36); do pick+=(--platform "manylinux_2_${glibc}_aarch64"); done  # bookworm: 2.36
fi
out=artifacts/release
stage=$out/tvemicro-$id
rm -rf "$stage" && mkdir -p "$stage/wheelhouse" "$stage/provisioning" "$stage/docs"
echo "release: $id for $platform"
"$PY" -m pip download -q --disable-pip-version-check --require-hashes --no-deps --only-binary=:all: \
  "${pick[@]}" -r requirements-pi.lock -d "$stage/wheelhouse"
"$PY" -m pip wheel -q --disable-pip-version-check --no-deps --no-build-isolation -w "$stage/wheelhouse" . >/dev/null
rm -rf build
cp requirements-pi.lock "$stage/requirements.lock"
cp -r packaging/systemd packaging/udev "$stage/"
cp config.yaml "$stage/config.example.yaml"
[ -f docs/runbook.md ] && cp docs/runbook.md "$stage/docs/"
"$PY" - "$stage/provisioning" <<'PY'
import sys
from pathlib import Path
from app.ops.provision import config_block, edit_cmdline
from machine_config.config import load_config
out = Path(sys.argv[1])
out.joinpath("config.txt.block").write_text("\n".join(config_block(load_config("config.yaml"))) + "\n")
out.joinpath("cmdline.txt.words").write_text(edit_cmdline(""))
PY
"$PY" -m app.ops.release "$stage" "$id" "$version" "$platform"
tar -C "$out" -cf "$out/tvemicro-$id-$platform.tar" "tvemicro-$id"
rm -rf "$stage"
size=$(du -h "$out/tvemicro-$id-$platform.tar" | cut -f1)
echo "release: $out/tvemicro-$id-$platform.tar ($size, $(tar -tf "$out/tvemicro-$id-$platform.tar" | grep -c '\.whl$') wheels)"
echo "$out/tvemicro-$id-$platform.tar" > "$out/latest-$target"
