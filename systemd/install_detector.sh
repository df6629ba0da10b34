#!/usr/bin/env bash
# install.sh's detector step: puts the YuNet model (make models) into the install's models/, or says loudly that the
# service will run Haar instead and how to fix it. Usage: install_detector.sh SRC_MODELS_DIR PREFIX_MODELS_DIR
set -euo pipefail

FILE=face_detection_yunet_2023mar.onnx
SHA256=8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4
SRC_MODELS=${1:?usage: install_detector.sh SRC_MODELS_DIR PREFIX_MODELS_DIR}
DEST=${2:?usage: install_detector.sh SRC_MODELS_DIR PREFIX_MODELS_DIR}

sha_ok() { [ -f "$1" ] && echo "$SHA256  $1" | sha256sum -c --status -; }

if sha_ok "$SRC_MODELS/$FILE"; then
  install -d -m 0755 "$DEST"
  install -m 0644 "$SRC_MODELS/$FILE" "$DEST/"
  echo "install: installed the YuNet face detector $DEST/$FILE (sha256 checked)"
elif sha_ok "$DEST/$FILE"; then
  echo "install: kept the YuNet face detector installed before, $DEST/$FILE (sha256 checked): make models found none" \
       "to install this time"
else
  if [ -f "$SRC_MODELS/$FILE" ]; then why="$SRC_MODELS/$FILE is not OpenCV's (its sha256 differs)"
  else why="$SRC_MODELS/$FILE is missing (make models could neither copy it from ../shared/models nor download it)"; fi
  echo "install: FELL BACK TO HAAR: $why, so the service runs the slower, less accurate Haar detector." \
       "Fix: on a networked machine run 'make models' (or copy the file, sha256 ${SHA256:0:8}..., into" \
       "$SRC_MODELS/), then 'sudo make install' again; 'mirrorball doctor' says which detector runs" >&2
fi
