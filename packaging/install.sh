#!/usr/bin/env bash
# Provision or upgrade a Raspberry Pi: each release is built in /opt/tvemicro/releases/<time> and
# /opt/tvemicro/current points at the running one, so `install.sh --rollback` is one symlink swap.
# Config lives in /etc/tvemicro (kept across upgrades), data in /var/lib/tvemicro.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
ROOT=/opt/tvemicro
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }

switch_to() {  # point `current` at a release and restart the service
  ln -sfn "$1" "$ROOT/current.new" && mv -T "$ROOT/current.new" "$ROOT/current"
  install -m 0644 "$ROOT/current/packaging/systemd/tvemicro.service" /etc/systemd/system/
  systemctl daemon-reload
  systemctl restart tvemicro
}

if [ "${1:-}" = "--rollback" ]; then
  now=$(readlink -f "$ROOT/current")
  prev=$(ls -1d "$ROOT"/releases/* | grep -vx "$now" | tail -n 1)
  [ -n "$prev" ] || { echo "no previous release to roll back to" >&2; exit 1; }
  switch_to "$prev"
  echo "rolled back to $prev"; exit 0
fi

id tvemicro >/dev/null 2>&1 || useradd --system --home /var/lib/tvemicro --shell /usr/sbin/nologin tvemicro
install -d -o tvemicro -g tvemicro -m 0750 /var/lib/tvemicro
install -d -m 0755 /etc/tvemicro "$ROOT/releases"
[ -f /etc/tvemicro/config.yaml ] || install -m 0644 "$SRC/config.yaml" /etc/tvemicro/config.yaml

release="$ROOT/releases/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$release"
tar -C "$SRC" --exclude=.venv --exclude=.git --exclude=data --exclude=artifacts -cf - . | tar -C "$release" -xf -
(cd "$release" && ./dev setup && .venv/bin/pip install -q -e '.[pi]')
"$release/.venv/bin/tvemicro" config check /etc/tvemicro/config.yaml
switch_to "$release"
systemctl enable tvemicro
ls -1d "$ROOT"/releases/* | head -n -3 | xargs -r rm -rf   # keep the last three releases
echo "installed $release; follow with: journalctl -u tvemicro -f"
