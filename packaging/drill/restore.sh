#!/usr/bin/env bash
# ./dev drill restore: run the sim long enough to write history, back it up live, restore into an
# empty root, start there, and check integrity_check, row counts, and the smoke with a restored
# token. Prints each step and the times.
set -euo pipefail
source "$(dirname "$0")/common.sh"
t0=$(now)
step "build a host release and install it into scratch root 1"
A=$(build_release 0.1.0-R)
new_root; ROOT1=$ROOT
bootstrap "$A" --no-restart >/dev/null; rm -f "$ROOT/opt/tvemicro/probation"
token_for_smoke
TOKEN=$(cat "$ROOT/etc/tvemicro/smoke.token")
systemctl restart tvemicro.service
step "run the sim for 8 s so it writes history, then back up while it runs"
sleep 8
t=$(now)
"$ROOT/opt/tvemicro/current/venv/bin/tvemicro" backup --out "$ROOT1/backup.tar.gz"
backup_s=$(since "$t")
systemctl stop tvemicro.service
rows() { "$PY" - "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("PRAGMA integrity_check").fetchone()[0], *(c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("series", "samples", "events")))
PY
}
manifest_rows=$(tar -xOzf "$ROOT1/backup.tar.gz" manifest.json | "$PY" -c 'import json,sys; r=json.load(sys.stdin)["rows"]; print(r["series"], r["samples"], r["events"])')
echo "backup rows (series samples events): $manifest_rows"

step "restore into an empty root 2 (the spare Pi), refusing first while a process owns the data dir"
new_root; ROOT2=$ROOT
bootstrap "$A" --no-restart >/dev/null; rm -f "$ROOT/opt/tvemicro/probation"
systemctl restart tvemicro.service
if "$ROOT/opt/tvemicro/current/venv/bin/tvemicro" restore "$ROOT1/backup.tar.gz"; then fail "restore ran under a live process"; fi
systemctl stop tvemicro.service
t=$(now)
"$ROOT/opt/tvemicro/current/venv/bin/tvemicro" restore "$ROOT1/backup.tar.gz" --config-out "$ROOT/etc/tvemicro/config.yaml"
restore_s=$(since "$t")
read -r ok series samples events < <(rows "$ROOT/var/lib/tvemicro/history.sqlite3")
[ "$ok" = ok ] || fail "integrity_check: $ok"
[ "$series $samples $events" = "$manifest_rows" ] || fail "rows $series $samples $events != backup $manifest_rows"
echo "OK: integrity_check ok, rows match ($series $samples $events)"

step "start on the restored data and pass the smoke with the restored token"
PORT=$(sed -n 's/^  port: \([0-9]*\).*/\1/p' "$ROOT/etc/tvemicro/config.yaml")
systemctl restart tvemicro.service
"$ROOT/opt/tvemicro/current/venv/bin/tvemicro" smoke --url "http://127.0.0.1:$PORT" --token "$TOKEN" || fail "smoke with the restored token"
systemctl stop tvemicro.service
TVEMICRO_ROOT=$ROOT1 systemctl stop tvemicro.service
printf '\nDRILL RESTORE PASSED in %s s: backup (live) %s s, restore %s s, backup size %s\n' \
  "$(since "$t0")" "$backup_s" "$restore_s" "$(du -h "$ROOT1/backup.tar.gz" | cut -f1)"
rm -rf "$ROOT1" "$ROOT2"
