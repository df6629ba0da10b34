#!/usr/bin/env bash
# `make uninstall`: removes the service and the program; keeps /etc/mirrorball (config) and /var/lib/mirrorball (state).
set -euo pipefail
PREFIX=${PREFIX:-/opt/mirrorball}
UNIT_DIR=${UNIT_DIR:-/etc/systemd/system}
[ "$(id -u)" = 0 ] || { echo "uninstall: run as root: sudo make uninstall" >&2; exit 1; }
if [ -d /run/systemd/system ]; then
  systemctl disable --now mirrorball.service 2>/dev/null || true
fi
rm -f "$UNIT_DIR/mirrorball.service"
[ -d /run/systemd/system ] && systemctl daemon-reload
rm -rf "$PREFIX"
echo "uninstall: removed $PREFIX and the unit; kept /etc/mirrorball, /var/lib/mirrorball and the mirrorball user"
