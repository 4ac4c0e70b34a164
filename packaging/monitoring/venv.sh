#!/usr/bin/env bash
# Make (or refresh) .venv-observe from requirements-observe.lock: grafanalib and matplotlib for
# the dashboard generator and `tvemicro kpi --html`. Only these tools go in; the repo is used from
# PYTHONPATH (app/kpi and the generator need nothing else), so the main .venv stays untouched.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=.venv-observe
LOCK=packaging/monitoring/requirements-observe.lock
want=$(sha256sum "$LOCK" | cut -d' ' -f1)
if [ -f "$VENV/.installed" ] && [ "$(cat "$VENV/.installed")" = "$want" ]; then exit 0; fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes --no-deps -r "$LOCK"
echo "$want" > "$VENV/.installed"
