#!/usr/bin/env bash
# `make install`: installs Mirrorball as a systemd service on 64-bit Raspberry Pi OS (Bookworm or Trixie).
# Idempotent: run it again to upgrade. Never overwrites /etc/mirrorball/config.yaml.
set -euo pipefail

PREFIX=${PREFIX:-/opt/mirrorball}
CONF_DIR=${CONF_DIR:-/etc/mirrorball}
STATE_DIR=${STATE_DIR:-/var/lib/mirrorball}
UNIT_DIR=${UNIT_DIR:-/etc/systemd/system}
SERVICE_USER=${SERVICE_USER:-mirrorball}
SYSTEM_PYTHON=${SYSTEM_PYTHON:-/usr/bin/python3}
SRC=$(cd "$(dirname "$0")/.." && pwd)

say() { printf 'install: %s\n' "$*"; }
die() { printf 'install: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root: sudo make install"
[ -x "$SYSTEM_PYTHON" ] || die "$SYSTEM_PYTHON not found: sudo apt install python3 python3-venv"
"$SYSTEM_PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "Python 3.11 or newer is needed"
case "$(uname -m)" in
  aarch64|x86_64) ;;
  *) die "$(uname -m) is not supported: LiteRT has no 32-bit wheels; install 64-bit Raspberry Pi OS" ;;
esac
[ -f "$SRC/models/age_int8.tflite" ] || die "$SRC/models/age_int8.tflite is missing: the age model ships with the source"

# 1. The service user, in the groups that own the camera and the GPIO chips.
for group in video gpio; do
  getent group "$group" >/dev/null || { groupadd --system "$group"; say "created group $group"; }
done
if ! id "$SERVICE_USER" >/dev/null 2>&1; then
  useradd --system --user-group --home-dir /var/lib/mirrorball --no-create-home \
          --shell /usr/sbin/nologin --groups video,gpio "$SERVICE_USER"
  say "created user $SERVICE_USER"
else
  usermod -a -G video,gpio "$SERVICE_USER"
fi

# The state directory exists before the first start, so that `sudo -u mirrorball mirrorball auth` can log in
# (systemd's StateDirectory= would create it too, at the first start).
install -d -m 0700 -o "$SERVICE_USER" -g "$SERVICE_USER" "$STATE_DIR"

# 2. A venv that sees apt's packages (picamera2, libcamera, numpy, simplejpeg), with those pinned:
#    pip upgrading numpy to 2.x would break apt's picamera2. Every other package at the lock's version
#    (systemd/device-constraints.txt, make lock); for a package apt provides, apt's pin replaces the lock's.
install -d -m 0755 "$PREFIX"
"$SYSTEM_PYTHON" -m venv --system-site-packages "$PREFIX/venv"
summary=$("$SYSTEM_PYTHON" "$SRC/systemd/apt_constraints.py" --lock "$SRC/systemd/device-constraints.txt" \
          2>&1 > "$PREFIX/constraints.txt") || die "could not write $PREFIX/constraints.txt: $summary"
say "$summary (see $PREFIX/constraints.txt)"
# The [pi] extra is lgpio (the button's pin backend), normally apt's python3-lgpio. Without it and without a wheel for
# this Python (Debian's own arm64 Trixie), pip would have to compile it and fails: install without it and say so.
if ! "$PREFIX/venv/bin/pip" install --quiet --disable-pip-version-check --upgrade \
       --constraint "$PREFIX/constraints.txt" "$SRC[pi]"; then
  say "could not install lgpio (the button's GPIO backend): sudo apt install python3-lgpio, then make install again"
  "$PREFIX/venv/bin/pip" install --quiet --disable-pip-version-check --upgrade \
      --constraint "$PREFIX/constraints.txt" "$SRC"
fi
say "installed $("$PREFIX/venv/bin/mirrorball" --version)"

# 3. The model, the docs, the example config (only when there is no config yet) and the unit.
install -d -m 0755 "$PREFIX/models"
install -m 0644 "$SRC/models/age_int8.tflite" "$SRC/models/age_int8.json" "$PREFIX/models/"
# The YuNet face detector (make models; not in the source): without it the service uses the Haar detector, and
# this says so, and how to fix it.
"$SRC/systemd/install_detector.sh" "$SRC/models" "$PREFIX/models"
install -m 0644 "$SRC/README.md" "$SRC/config/mirrorball.example.yaml" "$PREFIX/"
install -d -m 0750 -g "$SERVICE_USER" "$CONF_DIR"
if [ -e "$CONF_DIR/config.yaml" ]; then
  say "kept your $CONF_DIR/config.yaml (the new example is $PREFIX/mirrorball.example.yaml)"
else
  install -m 0640 -g "$SERVICE_USER" "$SRC/config/mirrorball.example.yaml" "$CONF_DIR/config.yaml"
  say "wrote $CONF_DIR/config.yaml from the example: edit it, then: sudo systemctl restart mirrorball"
fi
install -d -m 0755 "$UNIT_DIR"
install -m 0644 "$SRC/systemd/mirrorball.service" "$UNIT_DIR/mirrorball.service"

"$PREFIX/venv/bin/mirrorball" check-config "$CONF_DIR/config.yaml" || say "the config has problems: fix them before starting"

# 4. Enable and (re)start the service where systemd runs.
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable mirrorball.service
  systemctl restart mirrorball.service
  say "service enabled and started: systemctl status mirrorball; journalctl -u mirrorball -f"
else
  say "systemd is not running here: skipped systemctl (the unit is installed at $UNIT_DIR/mirrorball.service)"
fi
