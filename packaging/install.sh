#!/usr/bin/env bash
# Install or upgrade one Pi from a release artifact (./dev release), as root: the same path as
# `tvemicro upgrade` and Ansible. Creates the service user and /etc/tvemicro on first use; on a
# blank machine the package wheel inside the artifact runs the upgrade with the system python3.
#   sudo packaging/install.sh artifacts/release/tvemicro-<id>-linux-aarch64-cp311.tar [--force]
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
artifact=$(readlink -f "${1:?usage: install.sh ARTIFACT [--force]}"); shift
id tvemicro >/dev/null 2>&1 || useradd --system --home /var/lib/tvemicro --shell /usr/sbin/nologin \
  --groups "$(getent group gpio spi video input render | cut -d: -f1 | paste -sd,)" tvemicro
install -d -m 0755 /etc/tvemicro
if [ ! -f /etc/tvemicro/config.yaml ]; then
  tar -xOf "$artifact" --wildcards '*/config.example.yaml' > /etc/tvemicro/config.yaml
  echo "install: wrote /etc/tvemicro/config.yaml from the release's example: edit it, then rerun"
  exit 0
fi
if [ -x /opt/tvemicro/current/venv/bin/tvemicro ]; then
  exec /opt/tvemicro/current/venv/bin/tvemicro upgrade "$artifact" "$@"
fi
whl=$(mktemp -d)/tvemicro.whl
tar -xOf "$artifact" --wildcards '*/wheelhouse/tvemicro-*.whl' > "$whl"
cd / && PYTHONPATH=$whl exec python3 -m app.ops.upgrade "$artifact" "$@"
