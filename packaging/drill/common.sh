# Shared by the drills: a scratch root, the systemctl stand-in first on PATH, host releases.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PY=${PY:-$REPO/.venv/bin/python}
step() { printf '\n== %s\n' "$*"; }
fail() { printf '\nDRILL FAILED: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

new_root() {
  ROOT=$(mktemp -d /tmp/tvemicro-drill.XXXXXX)
  export TVEMICRO_ROOT=$ROOT PATH=$HERE:$PATH
  mkdir -p "$ROOT/etc/tvemicro" "$ROOT/var/lib/tvemicro" "$ROOT/boot/firmware"
  PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  sed "s/^  port: 8080\b/  port: $PORT/" "$REPO/config.yaml" > "$ROOT/etc/tvemicro/config.yaml"
  grep -q "port: $PORT" "$ROOT/etc/tvemicro/config.yaml" || fail "could not set api.port"
  printf 'console=serial0,115200 console=tty1 root=PARTUUID=0-02 rootwait\n' > "$ROOT/boot/firmware/cmdline.txt"
  trap 'systemctl stop tvemicro.service >/dev/null 2>&1 || true' EXIT
}

# build_release ID [SED-EXPR FILE]: a host release from a copy of the tree, optionally patched
build_release() {
  local id=$1 tree
  tree=$(mktemp -d /tmp/tvemicro-src.XXXXXX)
  (cd "$REPO" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$tree")
  [ $# -ge 3 ] && sed -i "$2" "$tree/$3"
  (cd "$tree" && git init -q && RELEASE_ID=$id PY=$PY packaging/release/build.sh --host >/dev/null 2>&1) \
    || fail "building release $id"
  cat "$tree/artifacts/release/latest-host" | sed "s|^|$tree/|"
}

# first install on a blank machine: the package wheel alone runs the same upgrade (install.sh)
bootstrap() {
  local whl
  whl=$(mktemp -d)/tvemicro.whl
  tar -xOf "$1" --wildcards '*/wheelhouse/tvemicro-*.whl' > "$whl"
  (cd "$ROOT" && PYTHONPATH=$whl python3 -m app.ops.upgrade "$1" "${@:2}")
}

token_for_smoke() {
  "$ROOT/opt/tvemicro/current/venv/bin/tvemicro" token create --role operator --name smoke \
    --data-dir "$ROOT/var/lib/tvemicro" --config "$ROOT/etc/tvemicro/config.yaml" > "$ROOT/etc/tvemicro/smoke.token"
  chmod 600 "$ROOT/etc/tvemicro/smoke.token"
}

fingerprint() {  # settings, users and tokens: what an operator would miss after an upgrade
  (cd "$ROOT/var/lib/tvemicro" && sha256sum tokens.json settings.json 2>/dev/null | sha256sum | cut -c1-16)
}
