#!/usr/bin/env bash
# ./dev drill rollback: the whole upgrade story in a scratch root on this box, each step printed.
# Release A is installed and runs (`tvemicro run --sim --headless` on loopback, started by a
# systemctl stand-in that waits for READY=1); B with a failing smoke must end on A with the data
# intact and a non-zero exit; a good B must end on B; the boot guard must be idempotent.
set -euo pipefail
source "$(dirname "$0")/common.sh"
t0=$(now)
step "build three host releases: A, B-bad (its /health reports no version), B-good"
A=$(build_release 0.1.0-A); echo "A:      $A ($(du -h "$A" | cut -f1))"
BAD=$(build_release 0.1.1-Bbad 's/"version": __version__,/"version": "",/' app/services/health.py); echo "B-bad:  $BAD"
GOOD=$(build_release 0.1.1-Bgood); echo "B-good: $GOOD"
new_root
echo "scratch root: $ROOT (REST on 127.0.0.1:$PORT)"

step "install A on a blank machine (no restart yet), create the smoke token, start it"
bootstrap "$A" --no-restart
token_for_smoke
rm "$ROOT/opt/tvemicro/probation"   # first install: the smoke below is its probation
systemctl restart tvemicro.service
"$ROOT/opt/tvemicro/current/venv/bin/tvemicro" smoke --url "http://127.0.0.1:$PORT" --token "$(cat "$ROOT/etc/tvemicro/smoke.token")" >/dev/null || fail "A's smoke"
sleep 3   # let A write some history
before=$(fingerprint)
echo "A runs; data fingerprint $before"

step "upgrade to B-bad: must fail its smoke, switch back to A, exit non-zero"
t=$(now)
if "$ROOT/opt/tvemicro/current/venv/bin/tvemicro" upgrade "$BAD"; then fail "B-bad upgrade exited 0"; fi
rollback_s=$(since "$t")
[ "$(basename "$(readlink "$ROOT/opt/tvemicro/current")")" = 0.1.0-A ] || fail "current is not A after the failed upgrade"
[ ! -e "$ROOT/opt/tvemicro/probation" ] || fail "probation left behind"
systemctl is-active tvemicro.service || fail "A is not running after the switch back"
[ "$(fingerprint)" = "$before" ] || fail "data changed by the failed upgrade"
echo "OK: on A, running, data intact ($rollback_s s from start of the failed upgrade to A serving again)"

step "upgrade to B-good: must end on B-good"
t=$(now)
"$ROOT/opt/tvemicro/current/venv/bin/tvemicro" upgrade "$GOOD" || fail "B-good upgrade"
upgrade_s=$(since "$t")
[ "$(basename "$(readlink "$ROOT/opt/tvemicro/current")")" = 0.1.1-Bgood ] || fail "current is not B-good"
[ "$(basename "$(readlink "$ROOT/opt/tvemicro/previous")")" = 0.1.0-A ] || fail "previous is not A"
[ "$(fingerprint)" = "$before" ] || fail "data changed by the upgrade"
echo "OK: on B-good, previous A ($upgrade_s s)"

step "boot guard: outside probation it does nothing; in probation it rolls back exactly once"
"$ROOT/opt/tvemicro/previous/venv/bin/tvemicro" rollback --if-probation
[ "$(basename "$(readlink "$ROOT/opt/tvemicro/current")")" = 0.1.1-Bgood ] || fail "guard acted outside probation"
echo 0.1.1-Bgood > "$ROOT/opt/tvemicro/probation"   # as if B-good had crashed before its smoke
"$ROOT/opt/tvemicro/previous/venv/bin/tvemicro" rollback --if-probation
"$ROOT/opt/tvemicro/previous/venv/bin/tvemicro" rollback --if-probation   # OnFailure fired twice
[ "$(basename "$(readlink "$ROOT/opt/tvemicro/current")")" = 0.1.0-A ] || fail "guard did not roll back exactly once"

step "manual rollback goes to previous (B-good again)"
"$ROOT/opt/tvemicro/current/venv/bin/tvemicro" rollback
[ "$(basename "$(readlink "$ROOT/opt/tvemicro/current")")" = 0.1.1-Bgood ] || fail "manual rollback"

systemctl stop tvemicro.service
printf '\nDRILL ROLLBACK PASSED in %s s: release %s, upgrade %s s, failed upgrade back on A %s s\n' \
  "$(since "$t0")" "$(du -h "$A" | cut -f1)" "$upgrade_s" "$rollback_s"
rm -rf "$ROOT"
