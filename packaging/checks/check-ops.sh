#!/usr/bin/env bash
# ./dev check-ops: every deployment check, failing on any finding: systemd units (verify with
# empty stderr, security score <= 3.0), both drills, packaging/monitoring/check.sh when present,
# and the Ansible checks (packaging/ansible/check.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v systemd-analyze >/dev/null; then  # the units check needs it (Debian: systemd)
  echo "check-ops: installing systemd (for systemd-analyze)" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
  "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends systemd >/dev/null
fi
echo "== units"; bash packaging/checks/units.sh
echo "== drill rollback"; bash packaging/drill/rollback.sh
echo "== drill restore"; bash packaging/drill/restore.sh
if [ -f packaging/monitoring/check.sh ]; then echo "== monitoring"; bash packaging/monitoring/check.sh; fi
echo "== ansible"; bash packaging/ansible/check.sh
echo "check-ops: all passed"
