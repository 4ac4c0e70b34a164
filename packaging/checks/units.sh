#!/usr/bin/env bash
# Check every systemd unit in packaging/systemd (or the folder given): `systemd-analyze verify` in a scratch root (it
# exits 0 on parse warnings, so any stderr is a finding) and the offline security score of the
# service (must be <= MAX_EXPOSURE). Prints the score; exits non-zero on any finding.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
UNITS=${1:-$HERE/systemd}
MAX_EXPOSURE=${MAX_EXPOSURE:-3.0}
command -v systemd-analyze >/dev/null || { echo "units: systemd-analyze not found (apt-get install systemd)" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/etc/systemd/system" "$root/usr/lib/systemd"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
# stand-ins for the executables a unit names, so verify checks the unit and not this machine
for exe in current/venv/bin/python current/venv/bin/tvemicro previous/venv/bin/tvemicro; do
  mkdir -p "$(dirname "$root/opt/tvemicro/$exe")"
  printf '#!/bin/sh\n' > "$root/opt/tvemicro/$exe"; chmod +x "$root/opt/tvemicro/$exe"
done
units=()
for unit in "$UNITS"/*.service; do
  cp "$unit" "$root/etc/systemd/system/"; units+=("$(basename "$unit")")
done
errors=$(systemd-analyze verify --man=no --root="$root" "${units[@]}" 2>&1 >/dev/null) || true
if [ -n "$errors" ]; then echo "units: systemd-analyze verify:" >&2; echo "$errors" >&2; exit 1; fi
echo "units: verify clean (${units[*]})"

score=$(systemd-analyze security --offline=true --no-pager "$UNITS/tvemicro.service" 2>&1 \
  | sed -n 's/.*Overall exposure level for tvemicro.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || { echo "units: no security score from systemd-analyze" >&2; exit 1; }
echo "units: systemd-analyze security --offline=true tvemicro.service: $score (max $MAX_EXPOSURE)"
awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }' || { echo "units: exposure $score > $MAX_EXPOSURE" >&2; exit 1; }
