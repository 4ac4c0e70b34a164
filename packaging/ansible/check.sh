#!/usr/bin/env bash
# Machine checks of the Ansible role (called by packaging/checks/check-ops.sh): ansible-core and
# ansible-lint in .venv-ansible from the hashed lock, `ansible-playbook --syntax-check`,
# `ansible-lint` (production profile), and a converge of site.yml into a scratch root on this box
# (ansible_connection=local, no users, no services, the drills' systemctl stand-in) run twice: the
# second run must report changed=0; a third run with a newer release must take the upgrade path.
# The converge installs host releases built like the drills' (or $TVEMICRO_ARTIFACT[_B]).
# Lock refresh: uv pip compile --generate-hashes --python-version 3.11 requirements-ansible.in -o requirements-ansible.lock
set -euo pipefail
ANS=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$ANS/../.." && pwd)
VENV=$REPO/.venv-ansible
LOCK=$ANS/requirements-ansible.lock
want=$(sha256sum "$LOCK" | cut -d' ' -f1)
if [ ! -f "$VENV/.installed" ] || [ "$(cat "$VENV/.installed")" != "$want" ]; then
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes --no-deps -r "$LOCK"
  echo "$want" > "$VENV/.installed"
fi
export PATH=$VENV/bin:$PATH ANSIBLE_CONFIG=$ANS/ansible.cfg ANSIBLE_NOCOLOR=1
cd "$ANS"

echo "== ansible-playbook --syntax-check"
ansible-playbook -i inventory.example.yml --syntax-check site.yml

echo "== ansible-lint (production profile)"
ansible-lint --offline --profile production site.yml roles/

echo "== converge into a scratch root, twice"
source "$REPO/packaging/drill/common.sh"   # build_release, the systemctl stand-in
ART=${TVEMICRO_ARTIFACT:-$(build_release 0.0.0-converge)}
SCRATCH=$(mktemp -d /tmp/tvemicro-converge.XXXXXX)
trap 'rm -rf "$SCRATCH" "$SCRATCH".run?.log' EXIT
mkdir -p "$SCRATCH/boot/firmware"
printf 'console=serial0,115200 console=tty1 root=PARTUUID=0-02 rootwait\n' > "$SCRATCH/boot/firmware/cmdline.txt"
export TVEMICRO_ROOT=$SCRATCH TVEMICRO_TEST_PIN=$(( RANDOM % 9000 + 1000 ))$(( RANDOM % 10 ))
converge() {  # [ARTIFACT]
  ansible-playbook -i tests/inventory.yml site.yml \
    -e "tvemicro_root=$SCRATCH" -e "tvemicro_artifact=${1:-$ART}" \
    -e "{\"tvemicro_environment\": {\"PATH\": \"$REPO/packaging/drill:$PATH\", \"TVEMICRO_ROOT\": \"$SCRATCH\"}}"
}
converge > "$SCRATCH.run1.log" 2>&1 || { cat "$SCRATCH.run1.log"; echo "converge run 1 failed" >&2; exit 1; }
grep -A2 "PLAY RECAP" "$SCRATCH.run1.log"
converge > "$SCRATCH.run2.log" 2>&1 || { cat "$SCRATCH.run2.log"; echo "converge run 2 failed" >&2; exit 1; }
recap=$(grep -A2 "PLAY RECAP" "$SCRATCH.run2.log"); echo "$recap"
echo "$recap" | grep -Eq 'converge +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0' \
  || { cat "$SCRATCH.run2.log"; echo "second converge changed something (must be changed=0)" >&2; exit 1; }
for f in opt/tvemicro/current/venv/bin/tvemicro etc/tvemicro/config.yaml etc/tvemicro/smoke.token \
  etc/tvemicro/tokens/prometheus.token etc/systemd/system/tvemicro.service boot/firmware/config.txt; do
  [ -e "$SCRATCH/$f" ] || { echo "converge left no $f" >&2; exit 1; }
done
[ "$(stat -c %a "$SCRATCH/etc/tvemicro/tokens/prometheus.token")" = 600 ] || { echo "token not 0600" >&2; exit 1; }
"$SCRATCH/opt/tvemicro/current/venv/bin/tvemicro" user list --data-dir "$SCRATCH/var/lib/tvemicro" | grep -q '^admin' \
  || { echo "no admin user after converge" >&2; exit 1; }
echo "== converge with a newer release: the upgrade path (tvemicro upgrade --no-restart)"
ART_B=${TVEMICRO_ARTIFACT_B:-$(build_release 0.0.1-converge)}
converge "$ART_B" > "$SCRATCH.run3.log" 2>&1 || { cat "$SCRATCH.run3.log"; echo "converge with B failed" >&2; exit 1; }
[ "$(basename "$(readlink "$SCRATCH/opt/tvemicro/current")")" = "$(basename "$ART_B" | sed -E 's/^tvemicro-(.+)-linux-.*/\1/')" ] \
  && [ "$(basename "$(readlink "$SCRATCH/opt/tvemicro/previous")")" = "$(basename "$ART" | sed -E 's/^tvemicro-(.+)-linux-.*/\1/')" ] \
  || { cat "$SCRATCH.run3.log"; echo "current/previous are not B/A after the upgrade converge" >&2; exit 1; }
echo "current -> $(readlink "$SCRATCH/opt/tvemicro/current"), previous -> $(readlink "$SCRATCH/opt/tvemicro/previous")"
rm -f "$SCRATCH".run?.log
echo "ansible checks: OK"
