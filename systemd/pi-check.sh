#!/usr/bin/env bash
# `make pi-check`: installs and runs Mirrorball in a cached arm64 Debian root under qemu (the Raspberry Pi path, no Pi).
# Usage: sudo PI_RELEASE=bookworm|trixie systemd/pi-check.sh   (root is cached in .cache/pi-root-<release>)
#        PI_OFFLINE=1: the root gets no YuNet model, as a Pi without network would not: install and doctor must say that
#        Haar stands in and how to fix it (fallback-msg PASSes), and the detector and detect-parity steps must FAIL.
# Prints one PASS/FAIL line per step and a JSON summary last; exit 0 only when every step passes. Not part of `make test`.
set -uo pipefail

RELEASE=${PI_RELEASE:-bookworm}
SRC=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PI_CACHE:-$SRC/.cache}
ROOT=$CACHE/pi-root-$RELEASE
WORK=$CACHE/pi-check-$RELEASE          # logs and the face arrays of this run
MIRROR=${PI_MIRROR:-http://deb.debian.org/debian}
DEMO_SECONDS=${PI_DEMO_SECONDS:-20}
BENCH_ITERATIONS=${PI_BENCH_ITERATIONS:-20}
RUN_SECONDS=${PI_RUN_SECONDS:-60}
# The emulated CPU: the Pi 4's Cortex-A72 (PI_CPU=cortex-a76 for a Pi 5's), so that LiteRT picks the kernels a Pi
# would pick (qemu's default "max" CPU has features no Pi has).
QEMU_CPU=${PI_CPU:-cortex-a72}
FACES=${PI_FACES:-64}
FRAMES=${PI_FRAMES:-48}                # 640x480 frames for the detection parity (one face each, two in every third)
OFFLINE=${PI_OFFLINE:-0}
FACES_DIR=${PI_FACES_DIR:-$SRC/../shared/datasets/utkface-crop-part1}
HOST_PYTHON=${PI_HOST_PYTHON:-$SRC/.venv/bin/python}
# What debootstrap always installs; the Raspberry-Pi-OS-provided extras are added when this release has them.
BASE_PKGS=python3,python3-venv,python3-pip,python3-numpy,ca-certificates,make
EXTRA_PKGS=(python3-simplejpeg python3-gpiozero python3-lgpio)

say() { printf 'pi-check: %s\n' "$*" >&2; }
[ "$(id -u)" = 0 ] || { say "run as root (debootstrap, chroot and mounts need it): sudo make pi-check"; exit 2; }
case "$RELEASE" in bookworm|trixie) ;; *) say "PI_RELEASE must be bookworm or trixie, got $RELEASE"; exit 2 ;; esac
case "$OFFLINE" in 0|1) ;; *) say "PI_OFFLINE must be 0 or 1, got $OFFLINE"; exit 2 ;; esac
mkdir -p "$WORK"
: > "$WORK/steps.jsonl"
STATUS=0

# One result line per step, and a JSON record of it for the summary.
result() {  # result NAME PASS|FAIL SECONDS DETAIL [JSON-FIGURES]
  local name=$1 verdict=$2 secs=$3 detail=$4 figures=${5:-null}
  printf '%s %-14s %5ss  %s\n' "$verdict" "$name" "$secs" "$detail"
  [ "$verdict" = PASS ] || STATUS=1
  python3 - "$name" "$verdict" "$secs" "$detail" "$figures" >> "$WORK/steps.jsonl" <<'EOF'
import json, sys
name, verdict, secs, detail, figures = sys.argv[1:]
print(json.dumps({"step": name, "result": verdict, "seconds": int(secs), "detail": detail, "figures": json.loads(figures)}))
EOF
}

# ------------------------------------------------------------------ mounts (always undone on exit)
MOUNTED=()
mount_root() {
  local m
  # No /sys: with the host's /sys and /proc both visible, LiteRT's CPU probe reads the x86 host's CPU description
  # (qemu-user does not emulate /proc/cpuinfo for arm64) and the model load dies with SIGSEGV; without /sys it
  # falls back to the emulated CPU's hardware capabilities. Nothing here needs /sys.
  for m in proc dev dev/pts; do mkdir -p "$ROOT/$m"; done
  mountpoint -q "$ROOT/proc" || { mount -t proc proc "$ROOT/proc" && MOUNTED+=("$ROOT/proc"); }
  mountpoint -q "$ROOT/dev" || { mount --bind /dev "$ROOT/dev" && MOUNTED+=("$ROOT/dev"); }
  mountpoint -q "$ROOT/dev/pts" || { mount -t devpts -o newinstance,ptmxmode=0666 devpts "$ROOT/dev/pts" && MOUNTED+=("$ROOT/dev/pts"); }
  # The host's CA bundle, so that apt and pip inside trust the same certificates as the host; and its DNS.
  install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt"
  cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
}
unmount_root() {
  local i
  for ((i=${#MOUNTED[@]}-1; i>=0; i--)); do
    umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}" 2>/dev/null || say "could not unmount ${MOUNTED[i]}"
  done
  MOUNTED=()
}
trap unmount_root EXIT
trap 'exit 130' INT TERM

# A command inside the root (niced: qemu is slow and the machine is shared), with a clean environment (no host pip config, no host paths).
in_root() {
  nice -n 10 chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      QEMU_CPU="$QEMU_CPU" HOME=/root LANG=C.UTF-8 PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1 \
      PIP_DEFAULT_TIMEOUT=180 DEBIAN_FRONTEND=noninteractive "$@"
}

# ------------------------------------------------------------------ 1. host tools: debootstrap, qemu, binfmt
t0=$SECONDS
missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
[ -x /usr/bin/qemu-aarch64-static ] || missing+=(qemu-user-static)
command -v update-binfmts >/dev/null || missing+=(binfmt-support)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} from apt"
  apt-get install -y -q "${missing[@]}" > "$WORK/host-apt.log" 2>&1 || { apt-get update -q >> "$WORK/host-apt.log" 2>&1 && apt-get install -y -q "${missing[@]}" >> "$WORK/host-apt.log" 2>&1; }
fi
[ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
if [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && command -v debootstrap >/dev/null; then
  result host-tools PASS $((SECONDS-t0)) "debootstrap $(dpkg-query -W -f='${Version}' debootstrap), qemu-user-static $(dpkg-query -W -f='${Version}' qemu-user-static), binfmt qemu-aarch64 $(head -1 /proc/sys/fs/binfmt_misc/qemu-aarch64)"
else
  result host-tools FAIL $((SECONDS-t0)) "no debootstrap or no qemu-aarch64 binfmt handler (see $WORK/host-apt.log)"
  exit 1
fi

# ------------------------------------------------------------------ 2. the arm64 root (built once, then reused)
t0=$SECONDS
if [ -f "$ROOT/.pi-check-root" ]; then
  result root PASS $((SECONDS-t0)) "reused $ROOT ($(cat "$ROOT/.pi-check-root"))"
else
  say "building the arm64 $RELEASE root in $ROOT (debootstrap under qemu: many minutes; log: $WORK/debootstrap.log)"
  # debootstrap's part is kept once it succeeded (.pi-check-debootstrap); anything less is started again.
  [ -f "$ROOT/.pi-check-debootstrap" ] || rm -rf "$ROOT"
  if [ -f "$ROOT/.pi-check-debootstrap" ] || { nice -n 10 debootstrap --arch=arm64 --variant=minbase --include="$BASE_PKGS" \
        "$RELEASE" "$ROOT" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 && date -u +%FT%TZ > "$ROOT/.pi-check-debootstrap"; }; then
    mount_root
    in_root apt-get update -q > "$WORK/root-apt.log" 2>&1
    have=()
    for pkg in "${EXTRA_PKGS[@]}"; do
      if in_root apt-cache show "$pkg" >/dev/null 2>&1; then have+=("$pkg"); else say "Debian $RELEASE has no $pkg"; fi
    done
    if [ ${#have[@]} -eq 0 ] || in_root apt-get install -y -q --no-install-recommends "${have[@]}" >> "$WORK/root-apt.log" 2>&1; then
      apt_list=$(in_root dpkg-query -W -f='${Package}=${Version} ' python3 python3-numpy "${have[@]}" 2>/dev/null)
      echo "$RELEASE arm64: ${apt_list% }" > "$ROOT/.pi-check-root"
      result root PASS $((SECONDS-t0)) "built $ROOT: $(cat "$ROOT/.pi-check-root")"
    else
      result root FAIL $((SECONDS-t0)) "apt-get install ${have[*]} failed (see $WORK/root-apt.log)"
      exit 1
    fi
  else
    result root FAIL $((SECONDS-t0)) "debootstrap failed (see $WORK/debootstrap.log)"
    exit 1
  fi
fi
mount_root
arch=$(in_root uname -m)
[ "$arch" = aarch64 ] || { result root FAIL 0 "uname -m inside the root says $arch, not aarch64"; exit 1; }

# ------------------------------------------------------------------ 3. the real `make install` inside the root
t0=$SECONDS
# This checkout's files as git sees them (tracked and untracked-not-ignored; no .venv, no .cache), fresh each run.
rm -rf "$ROOT/src/mirrorball" && mkdir -p "$ROOT/src/mirrorball"
(cd "$SRC" && git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
   | tar --null -T - -cf - ) | tar -xf - -C "$ROOT/src/mirrorball"
model_sha=$(sha256sum "$ROOT/src/mirrorball/models/age_int8.tflite" 2>/dev/null | cut -c1-12)
# The root has no network: give its `make models` the YuNet model the way a networked Pi's would find it, from
# ../shared/models beside the checkout (make models checks its sha256); without it the install falls back to Haar
# and the detector step below FAILs. Fresh each run, and no YuNet left installed by an earlier run: the detector
# judged below is the one this run's install put there.
rm -rf "$ROOT/src/shared" "$ROOT/opt/mirrorball/models/face_detection_yunet_2023mar.onnx"
if [ "$OFFLINE" = 1 ]; then
  say "PI_OFFLINE=1: the root gets no YuNet model, and make models inside cannot download it"
elif [ -f "$SRC/../shared/models/face_detection_yunet_2023mar.onnx" ]; then
  mkdir -p "$ROOT/src/shared/models"
  cp "$SRC/../shared/models/face_detection_yunet_2023mar.onnx" "$ROOT/src/shared/models/"
elif [ -f "$SRC/models/face_detection_yunet_2023mar.onnx" ]; then
  mkdir -p "$ROOT/src/shared/models"
  cp "$SRC/models/face_detection_yunet_2023mar.onnx" "$ROOT/src/shared/models/"
fi
apt_before=$(in_root python3 /src/mirrorball/systemd/apt_constraints.py | grep '==')
if [ -d "$ROOT/run/systemd/system" ]; then say "$ROOT/run/systemd/system exists: install.sh would call systemctl"; fi
# Offline, make models' download goes to a name that never resolves (.invalid), whatever this machine can reach.
make_args=
[ "$OFFLINE" = 1 ] && make_args="YUNET_URL=http://pi-check-offline.invalid/face_detection_yunet_2023mar.onnx"
if in_root bash -c "cd /src/mirrorball && make install $make_args" > "$WORK/install.log" 2>&1; then
  result install PASS $((SECONDS-t0)) "$(grep -E 'installed|could not|FELL BACK|systemd is not running' "$WORK/install.log" | sed 's/^install: //' | paste -sd ';' -)"
else
  result install FAIL $((SECONDS-t0)) "make install failed: $(tail -3 "$WORK/install.log" | paste -sd ' ' -)"
fi
MB=/opt/mirrorball/venv/bin/mirrorball
CONF=/etc/mirrorball/config.yaml

# ------------------------------------------------------------------ 4. apt's Python packages kept their versions
t0=$SECONDS
kept=$(printf '%s\n' "$apt_before" | in_root /opt/mirrorball/venv/bin/python -c '
import importlib.metadata as md, json, sys
import numpy
pins = dict(line.strip().split("==") for line in sys.stdin if "==" in line)
changed = {n: [v, md.version(n)] for n, v in pins.items() if md.version(n) != v}
print(json.dumps({"pinned": len(pins), "changed": changed, "numpy": numpy.__version__, "numpy_from": numpy.__file__}))
' 2>"$WORK/apt-versions.err")
if [ -n "$kept" ] && python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(bool(d["changed"]) or not d["numpy_from"].startswith("/usr/lib/python3/dist-packages"))' "$kept"; then
  result apt-versions PASS $((SECONDS-t0)) "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print("%d apt packages kept their versions in the venv; numpy %s from %s" % (d["pinned"], d["numpy"], d["numpy_from"]))' "$kept")" "$kept"
else
  result apt-versions FAIL $((SECONDS-t0)) "apt packages changed or unreadable: ${kept:-$(tail -1 "$WORK/apt-versions.err")}" "${kept:-null}"
fi

# ------------------------------------------------------------------ 5. check-config
t0=$SECONDS
if out=$(in_root $MB check-config $CONF 2>&1); then
  result check-config PASS $((SECONDS-t0)) "$out"
else
  result check-config FAIL $((SECONDS-t0)) "$(printf '%s' "$out" | tail -2 | paste -sd ' ' -)"
fi

# ------------------------------------------------------------------ 6. bench --json (aarch64 under qemu: slow, fewer iterations)
t0=$SECONDS
if in_root $MB bench --json --iterations "$BENCH_ITERATIONS" > "$WORK/bench.json" 2> "$WORK/bench.err" \
   && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/bench.json" 2>/dev/null; then
  result bench PASS $((SECONDS-t0)) "$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])))[:400])' "$WORK/bench.json")" "$(cat "$WORK/bench.json")"
else
  result bench FAIL $((SECONDS-t0)) "$(tail -2 "$WORK/bench.err" | paste -sd ' ' -)"
fi

# ------------------------------------------------------------------ 6b. the installed detector is the configured one
t0=$SECONDS
want=$(in_root /opt/mirrorball/venv/bin/python -c 'import sys
from device.config.loader import load_config
print(load_config(sys.argv[1]).vision.detector)' $CONF 2>"$WORK/detector.err")
ran=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("detector", ""))' "$WORK/bench.json" 2>/dev/null)
if verdict=$(in_root /opt/mirrorball/venv/bin/python /src/mirrorball/systemd/pi_detect_compare.py detector-check \
               --configured "$want" --ran "$ran" 2>&1); then
  result detector PASS $((SECONDS-t0)) "$verdict"
else
  result detector FAIL $((SECONDS-t0)) "${verdict:-no verdict} ($WORK/install.log; configured: ${want:-$(tail -1 "$WORK/detector.err")})"
fi

# ------------------------------------------------------------------ 7. demo --seconds N --json
t0=$SECONDS
# Passes only when the pipeline saw faces, without errors (a demo that processed no frame proves nothing: under
# a loaded machine qemu may need more than PI_DEMO_SECONDS to start it).
if in_root $MB demo --seconds "$DEMO_SECONDS" --json > "$WORK/demo.json" 2> "$WORK/demo.err" \
   && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/demo.json" 2>/dev/null; then
  summary=$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])))[:400])' "$WORK/demo.json")
  if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["frames"] > 0 and d["faces"] > 0 and not d["errors"]))' "$WORK/demo.json"; then
    result demo PASS $((SECONDS-t0)) "$summary" "$(cat "$WORK/demo.json")"
  else
    result demo FAIL $((SECONDS-t0)) "no faces seen or errors in ${DEMO_SECONDS}s (PI_DEMO_SECONDS=60 on a loaded machine): $summary" "$(cat "$WORK/demo.json")"
  fi
else
  result demo FAIL $((SECONDS-t0)) "exit or JSON failed: $(tail -2 "$WORK/demo.err" | paste -sd ' ' -)"
fi

# ------------------------------------------------------------------ 8. age estimates: aarch64 vs x86 on the same arrays
# x86 runs the reference kernels, the ones `python -m training.evaluate` scores the model with; aarch64 runs the
# default kernels (XNNPACK), what the Pi runs. x86's own XNNPACK rounds int8 differently from both: its difference
# from aarch64 is reported beside the verdict ("x86_default_vs_aarch64"), not judged.
t0=$SECONDS
COMPARE=$ROOT/src/mirrorball/systemd/pi_age_compare.py   # the copy installed in the root: same code on both sides
MODEL=$ROOT/src/mirrorball/models/age_int8.tflite   # the very file installed in the root, for both sides
if [ -x "$HOST_PYTHON" ] \
   && "$HOST_PYTHON" "$COMPARE" crops --faces-dir "$FACES_DIR" --n "$FACES" --model "$MODEL" --out "$ROOT/tmp/pi-faces.npy" > "$WORK/crops.log" 2>&1 \
   && "$HOST_PYTHON" "$COMPARE" estimate --kernels reference --model "$MODEL" --crops "$ROOT/tmp/pi-faces.npy" --out "$WORK/ages-x86_64.npy" >> "$WORK/crops.log" 2>&1 \
   && "$HOST_PYTHON" "$COMPARE" estimate --kernels default --model "$MODEL" --crops "$ROOT/tmp/pi-faces.npy" --out "$WORK/ages-x86_64-default.npy" >> "$WORK/crops.log" 2>&1 \
   && in_root /opt/mirrorball/venv/bin/python /src/mirrorball/systemd/pi_age_compare.py estimate \
        --model /opt/mirrorball/models/age_int8.tflite --crops /tmp/pi-faces.npy --out /tmp/pi-ages-aarch64.npy >> "$WORK/crops.log" 2>&1 \
   && cmp -s "$MODEL" "$ROOT/opt/mirrorball/models/age_int8.tflite" \
   && figures=$("$HOST_PYTHON" "$COMPARE" compare "$WORK/ages-x86_64.npy" "$ROOT/tmp/pi-ages-aarch64.npy" 2>> "$WORK/crops.log") \
   && fast=$("$HOST_PYTHON" "$COMPARE" compare "$WORK/ages-x86_64-default.npy" "$ROOT/tmp/pi-ages-aarch64.npy" 2>> "$WORK/crops.log"); then
  figures=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["x86_kernels"]="reference"; d["aarch64_kernels"]="default"; d["x86_default_vs_aarch64"]=json.loads(sys.argv[2]); print(json.dumps(d))' "$figures" "$fast")
  detail=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); f=d["x86_default_vs_aarch64"]; print("%d faces, model %s, x86 reference vs aarch64 default kernels: mean |diff| %.3f y (<= 0.3), max %.3f y (<= 1.5); x86 XNNPACK vs aarch64 (not judged): mean %.3f, max %.3f" % (d["faces"], sys.argv[2], d["mean_abs_diff"], d["max_abs_diff"], f["mean_abs_diff"], f["max_abs_diff"]))' "$figures" "$model_sha")
  if python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(not (d["faces"] >= 50 and d["mean_abs_diff"] <= 0.3 and d["max_abs_diff"] <= 1.5))' "$figures"; then
    result age-parity PASS $((SECONDS-t0)) "$detail" "$figures"
  else
    result age-parity FAIL $((SECONDS-t0)) "$detail" "$figures"
  fi
else
  result age-parity FAIL $((SECONDS-t0)) "could not run the comparison: $(tail -2 "$WORK/crops.log" | paste -sd ' ' -)"
fi

# ------------------------------------------------------------------ 8b. detections and ages: aarch64 vs x86 on the same frames
# The same 640x480 frames (faces pasted into scenes) through the installed detector, crop and age model on each
# machine: aarch64 as the daemon builds it (never Haar in YuNet's place), x86 with the very files installed in the root.
t0=$SECONDS
DETECT=$ROOT/src/mirrorball/systemd/pi_detect_compare.py
if [ -x "$HOST_PYTHON" ] \
   && "$HOST_PYTHON" "$DETECT" frames --faces-dir "$FACES_DIR" --n "$FRAMES" --out "$ROOT/tmp/pi-frames.npy" > "$WORK/frames.log" 2>&1 \
   && in_root /opt/mirrorball/venv/bin/python /src/mirrorball/systemd/pi_detect_compare.py run --frames /tmp/pi-frames.npy \
        --config $CONF --out /tmp/pi-detect-aarch64.json >> "$WORK/frames.log" 2>&1 \
   && "$HOST_PYTHON" "$DETECT" run --frames "$ROOT/tmp/pi-frames.npy" --config "$ROOT$CONF" --kernels reference \
        --yunet "$ROOT/opt/mirrorball/models/face_detection_yunet_2023mar.onnx" --model "$MODEL" \
        --out "$WORK/detect-x86_64.json" >> "$WORK/frames.log" 2>&1 \
   && figures=$("$HOST_PYTHON" "$DETECT" compare "$WORK/detect-x86_64.json" "$ROOT/tmp/pi-detect-aarch64.json" \
                 --truth "$ROOT/tmp/pi-frames.json" --configured "${want:-yunet}" 2>> "$WORK/frames.log"); then
  detail=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print("%d frames, %s on both: x86 %d faces, aarch64 %d (%s of %d pasted found); %d matched, %d/%d unmatched, frames with other counts %s; min IoU %s (>= 0.9), box max %s px, landmarks max %s px, score max diff %s; ages (x86 reference vs aarch64 default kernels) mean |diff| %s y (<= 0.3), max %s y (<= 1.5); detection p50 x86 %s ms, aarch64 %s ms" % (d["frames"], "/".join(sorted(set(d["detectors"]))), d["faces"][0], d["faces"][1], "/".join(map(str, d["found_pasted"])), d["pasted"], d["matched"], d["unmatched"][0], d["unmatched"][1], d["frames_count_differs"] or "none", d["min_iou"], d["box_max_px"], d["landmark_max_px"], d["score_max_diff"], d["age_mean_abs_diff"], d["age_max_abs_diff"], d["detect_ms_p50"][0], d["detect_ms_p50"][1]))' "$figures")
  if python3 -c 'import json,sys; sys.exit(not json.loads(sys.argv[1])["pass"])' "$figures"; then
    result detect-parity PASS $((SECONDS-t0)) "$detail" "$figures"
  else
    result detect-parity FAIL $((SECONDS-t0)) "$detail" "$figures"
  fi
else
  result detect-parity FAIL $((SECONDS-t0)) "could not run the comparison: $(tail -2 "$WORK/frames.log" | paste -sd ' ' -)"
fi

# ------------------------------------------------------------------ 9. picamera2 missing: doctor and run say one sentence, no traceback
t0=$SECONDS
in_root runuser -u mirrorball -- $MB doctor > "$WORK/doctor.log" 2>&1
doctor_rc=$?
in_root runuser -u mirrorball -- timeout -s TERM "$RUN_SECONDS" $MB run > "$WORK/run.log" 2>&1
run_rc=$?
doctor_cam=$(grep -i -m1 'picamera2' "$WORK/doctor.log")
run_cam=$(grep -i -m1 'picamera2' "$WORK/run.log")
tracebacks=$(cat "$WORK/doctor.log" "$WORK/run.log" | grep -c 'Traceback')
# The other parts start and report what they miss themselves (the example config names no place and no Spotify app).
started=$(grep -o -E 'mirrorball running with|(weather|player|button) started|Spotify not configured|weather unknown|button unavailable|stopping$' \
          "$WORK/run.log" | sort -u | paste -sd ',' -)
if [ -n "$doctor_cam" ] && [ -n "$run_cam" ] && printf '%s\n%s' "$doctor_cam" "$run_cam" | grep -q 'apt install' \
   && [ "$tracebacks" = 0 ] && [ "$run_rc" = 0 -o "$run_rc" = 124 ] \
   && printf '%s' "$started" | grep -q 'mirrorball running with' && printf '%s' "$started" | grep -q 'stopping' \
   && printf '%s' "$started" | grep -q -E 'weather (started|unknown)' && printf '%s' "$started" | grep -q -E 'conductor started|Spotify not configured'; then
  result picamera2-msg PASS $((SECONDS-t0)) "doctor: $(echo "$doctor_cam" | sed 's/^ *//') | run (${RUN_SECONDS}s, also $started): $(echo "$run_cam" | sed 's/^ *//')"
else
  result picamera2-msg FAIL $((SECONDS-t0)) "doctor rc $doctor_rc: '${doctor_cam}' | run rc $run_rc: '${run_cam}' | started: ${started:-none} | tracebacks $tracebacks (see $WORK/doctor.log, $WORK/run.log)"
fi

# ------------------------------------------------------------------ 10. what install and doctor say about the detector
# Online: no fallback said anywhere and doctor's detector row PASSes with YuNet. PI_OFFLINE=1: install says it fell
# back to Haar and how to fix it (make models), and so does doctor.
t0=$SECONDS
install_fb=$(grep -m1 'FELL BACK TO HAAR' "$WORK/install.log")
doctor_det=$(grep -m1 -E '^ *(PASS|WARN|FAIL) +detector' "$WORK/doctor.log" | sed 's/^ *//')
doctor_fix=$(grep -A1 -E '^ *(PASS|WARN|FAIL) +detector' "$WORK/doctor.log" | paste -sd ' ' - | sed 's/  */ /g')
if [ "$OFFLINE" = 1 ]; then
  if [ -n "$install_fb" ] && printf '%s' "$install_fb" | grep -q 'make models' \
     && printf '%s' "$doctor_fix" | grep -q 'fell back to Haar' && printf '%s' "$doctor_fix" | grep -q 'make models'; then
    result fallback-msg PASS $((SECONDS-t0)) "install: $(echo "$install_fb" | sed "s/^install: //" | cut -c1-160)... | doctor: $(echo "$doctor_fix" | cut -c1-300)"
  else
    result fallback-msg FAIL $((SECONDS-t0)) "offline, yet install said '${install_fb:-nothing}' and doctor '${doctor_fix:-nothing}'"
  fi
elif [ -z "$install_fb" ] && printf '%s' "$doctor_det" | grep -q -E '^PASS +detector +yunet'; then
  result fallback-msg PASS $((SECONDS-t0)) "no fallback: install said none; doctor: $doctor_det"
else
  result fallback-msg FAIL $((SECONDS-t0)) "install: '${install_fb:-no fallback}' | doctor: '${doctor_det:-no detector row}'"
fi

unmount_root
# ------------------------------------------------------------------ summary
python3 - "$RELEASE" "$STATUS" "$WORK/steps.jsonl" "$model_sha" "$QEMU_CPU" <<'EOF'
import json, sys
release, status, path, model, cpu = sys.argv[1:]
steps = [json.loads(line) for line in open(path)]
print(json.dumps({"pi_check": release, "arch": "arm64 under qemu-user-static (QEMU_CPU=" + cpu + ")", "model_sha256_12": model,
                  "result": "PASS" if status == "0" else "FAIL",
                  "steps": {s["step"]: s["result"] for s in steps}, "details": steps}))
EOF
exit $STATUS
