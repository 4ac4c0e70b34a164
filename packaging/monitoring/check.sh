#!/usr/bin/env bash
# Machine checks of everything in packaging/monitoring: promtool check/test rules, the example
# prometheus.yml, the Alertmanager config, and the Grafana dashboard (regenerated from code and
# every panel's expression checked by promtool). Installs promtool/amtool (Debian `prometheus`,
# `prometheus-alertmanager`) with apt-get when missing, like ./dev does for its packages.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$HERE"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

tools() {
  local missing=()
  command -v promtool >/dev/null || missing+=(prometheus)
  command -v amtool >/dev/null || missing+=(prometheus-alertmanager)
  [ ${#missing[@]} -eq 0 ] && return
  command -v apt-get >/dev/null || { echo "check.sh: need ${missing[*]} and there is no apt-get" >&2; exit 1; }
  echo "check.sh: installing ${missing[*]}" >&2
  as_root apt-get update -qq
  # --no-install-recommends and policy-rc.d: only the tools, no services started on this box
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

tools
echo "== promtool check rules"
promtool check rules rules/tvemicro.rules.yml
echo "== promtool test rules"
promtool test rules rules/tvemicro.rules.test.yml
echo "== promtool check config prometheus.yml"
promtool check config prometheus.yml
echo "== amtool check-config alertmanager.yml"
amtool check-config alertmanager.yml
if [ -f dashboard/generate.py ]; then
  echo "== dashboard: generated JSON is up to date, every panel expression parses"
  "$HERE/venv.sh"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  PYTHONPATH="$ROOT" "$ROOT/.venv-observe/bin/python" dashboard/generate.py --out "$tmp/tvemicro.json" --rules "$tmp/panels.rules.yml"
  if ! diff -q dashboard/tvemicro.json "$tmp/tvemicro.json" >/dev/null; then
    echo "dashboard/tvemicro.json is stale: run packaging/monitoring/dashboard/generate.py" >&2
    exit 1
  fi
  promtool check rules "$tmp/panels.rules.yml"
fi
echo "monitoring checks: OK"
