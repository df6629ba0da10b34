# Mirrorball: `make demo` runs the whole pipeline on loopback stand-ins; `make test` runs the test suite.
# Every install step lives here and in pyproject.toml: a fresh Debian machine with python3 and python3-venv suffices.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
# Training needs TensorFlow, which the device never does: it gets a venv of its own.
TRAIN_VENV  ?= .venv-train
TRAIN_BIN    = $(TRAIN_VENV)/bin
TRAIN_STAMP  = $(TRAIN_VENV)/.installed
# The faces, one collection a folder (training/sources.py), the 200x200 UTKFace copy first (a name in an earlier folder
# of the same collection wins): each folder becomes one --data.
DATA ?= ../shared/datasets/utkface-crop-part1 ../shared/datasets/utkface-64 ../shared/datasets/all-age-faces \
        ../shared/datasets/fg-net
DATA_ARGS = $(addprefix --data ,$(DATA))
# The device install's pins (make lock): uploads to PyPI before LOCK_DATE, so that the same date gives the same file.
LOCK       = systemd/device-constraints.txt
LOCK_DATE ?= $(shell date -u +%Y-%m-%dT00:00:00Z)
# The households file `make simulate` plays (docs/music-simulation.md: the protocol; a second one is households_routines.py)
HOUSEHOLDS ?= device/devtools/households.py
# OpenCV's YuNet face detector (MIT): never committed; make models copies it from ../shared or downloads it, sha256 checked.
SHARED ?= ../shared
YUNET   = models/face_detection_yunet_2023mar.onnx
YUNET_SHA256 = 8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4
YUNET_URL = https://github.com/opencv/opencv_zoo/raw/main/models/face_detection_yunet/face_detection_yunet_2023mar.onnx
# pip-audit is a development tool, in a venv of its own: never installed on the device.
AUDIT_VENV ?= .venv-audit
PIP  = python -m pip install --quiet --disable-pip-version-check

.PHONY: models demo test test-device test-training fuzz venv install uninstall bench simulate soak train evaluate \
        detect-check train-gpu check-config pi-check lock audit clean help prism prism-if-npm test-prism lint \
        mosquitto-if-apt faceapi faceapi-if-npm

help:
	@echo "make demo        run the real pipeline on photos and loopback Spotify/weather stand-ins"
	@echo "make test        run the test suite (creates $(VENV) and $(TRAIN_VENV) when missing); property tests derandomized"
	@echo "                 make test-device / make test-training run its two halves (the device's venv / the training venv)"
	@echo "make lint        ruff (rules and exceptions in pyproject.toml [tool.ruff]); LINT_ARGS=--fix fixes what it safely can"
	@echo "make fuzz        the property tests with fresh randomness and 10x the examples, round after round, for"
	@echo "                 FUZZ_MINUTES=$(FUZZ_MINUTES) min (plus the end of the last round: one round took 4 min 33 s on 2 shared cores)"
	@echo "make models      install the YuNet face detector ($(YUNET)) from $(SHARED)/models or OpenCV's model zoo"
	@echo "make bench       vision benchmark (mirrorball bench)"
	@echo "make evaluate    the age model and face-api.js (make faceapi) side by side per collection's test split, calibration"
	@echo "make simulate    simulated households (docs/music-simulation.md): weekly skip rates of the learners, skeptic baselines and the references that know the households' taste, and where each one's plays stand in that taste (about 8 minutes; HOUSEHOLDS=device/devtools/households_routines.py: the second households file)"
	@echo "make soak        24 simulated hours of the daemon at 500x (about 3 minutes)"
	@echo "make detect-check  faces found and phantom boxes of the configured detector (YuNet; DETECT_ARGS=--detector haar)"
	@echo "make train       train the age model on the CPU from scratch on every collection in DATA (not re-timed with all four);"
	@echo "                 training/cpu_finetune.sh fine-tunes a width-0.75 model instead (about 80 min on 2 cores)"
	@echo "make train-gpu   teachers, then a distilled student (one GPU, Keras on JAX); the shipped model (width 2.0):"
	@echo "                 training/gpu_issue22.sh on a lent GPU, 12 minutes (about 8 hours on 2 CPU cores; docs/benchmarks.md)"
	@echo "sudo make install / uninstall   the systemd service on Raspberry Pi OS (64-bit)"
	@echo "make faceapi     install face-api.js (npm) into $(FACEAPI_DIR): the age model's baseline and teacher (make evaluate)"
	@echo "                 make test installs it, Prism and Mosquitto where it can (faceapi-if-npm, prism-if-npm, mosquitto-if-apt)"
	@echo "make prism       install Prism (npm @stoplight/prism-cli $(PRISM_VERSION)) into .cache/prism: make test then"
	@echo "                 checks the daemon's Spotify requests against the spec with it; make test-prism runs just that"
	@echo "make lock        re-pin the device install's dependencies ($(LOCK)); make audit checks them with pip-audit"
	@echo "sudo make pi-check [PI_RELEASE=trixie]   install and run in an arm64 Debian root under qemu (slow; not in make test);"
	@echo "                 YuNet and ages compared with x86 on the same frames; PI_OFFLINE=1: no YuNet, must say Haar and FAIL"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/$(PIP) --upgrade pip
	$(BIN)/$(PIP) -e '.[dev]'
	@touch $@

$(TRAIN_STAMP): pyproject.toml
	@test -x $(TRAIN_BIN)/python || $(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_BIN)/$(PIP) --upgrade pip
	$(TRAIN_BIN)/$(PIP) -e '.[train,dev]'
	@touch $@

venv: $(STAMP)

# Missing or wrong, the detector is replaced by Haar at run time (one warning): demo, test and install go on without it.
models:
	@set -e; tmp=$(YUNET).part; rm -f $$tmp; \
	if [ -f $(SHARED)/models/$(notdir $(YUNET)) ]; then cp $(SHARED)/models/$(notdir $(YUNET)) $$tmp; \
	else $(PYTHON) -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' $(YUNET_URL) $$tmp \
	  2>/dev/null || { rm -f $$tmp; echo "make models: could not download $(YUNET) from $(YUNET_URL)" >&2; exit 1; }; fi; \
	echo "$(YUNET_SHA256)  $$tmp" | sha256sum -c --status - || \
	  { rm -f $$tmp; echo "make models: $(YUNET) as fetched does not have the sha256 $(YUNET_SHA256); not installed" >&2; exit 1; }; \
	mv $$tmp $(YUNET); echo "make models: installed $(YUNET) (sha256 checked)"

MODELS_IF_MISSING = @test -f $(YUNET) || $(MAKE) --no-print-directory models || true

demo: $(STAMP)
	$(MODELS_IF_MISSING)
	$(BIN)/mirrorball demo $(DEMO_ARGS)

# Everything but the training chain runs in the device's venv; the training chain (TensorFlow) in its own.
test: lint test-device test-training

test-device: $(STAMP) prism-if-npm faceapi-if-npm mosquitto-if-apt
	$(MODELS_IF_MISSING)
	$(BIN)/python -m pytest --ignore=tests/training $(PYTEST_ARGS)

# Random exploration, never part of make test: Hypothesis' `fuzz` profile (tests/property_settings.py), new seeds each
# round; the first failure stops it and prints the seed and a @reproduce_failure blob (kept in .hypothesis/ too).
FUZZ_MINUTES ?= 20
fuzz: $(STAMP)
	@end=$$(( $$(date +%s) + $(FUZZ_MINUTES) * 60 )); round=0; start=$$(date +%s); \
	while [ $$(date +%s) -lt $$end ]; do \
	  round=$$((round + 1)); echo "fuzz: round $$round, $$(( $$(date +%s) - start )) s in"; \
	  $(BIN)/python -m pytest -m hypothesis --hypothesis-profile=fuzz --hypothesis-show-statistics -x -q \
	    -p no:cacheprovider --ignore=tests/training $(PYTEST_ARGS) || { echo "fuzz: round $$round FAILED"; exit 1; }; \
	done; echo "fuzz: $$round rounds in $$(( ($$(date +%s) - start) / 60 )) min, no failure"

# ruff, from the dev extra, so the same version the venv pins: rules and their exceptions are in pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff check $(LINT_ARGS) .

test-training: $(TRAIN_STAMP)
	$(MODELS_IF_MISSING)
	$(TRAIN_BIN)/python -m pytest tests/training $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/mirrorball bench

simulate: $(STAMP)
	$(BIN)/python -m device.devtools.simulate --households $(HOUSEHOLDS) --households-count 50 --days 30 --seed 1 --bench --parts \
		--strategies random,rules,shuffle_top,library_rules,source_learner,learn,best_top,best_library

soak: $(STAMP)
	$(BIN)/python -m device.devtools.soak --hours 24 --speedup 500 --json

train: $(TRAIN_STAMP)
	nice -n 10 $(TRAIN_BIN)/python -m training.train $(DATA_ARGS) $(TRAIN_ARGS)

# The shipped model's recipe (training/gpu_recipe.sh): GPU_PYTHON is a Python with Keras and JAX on the GPU.
GPU_PYTHON ?= python3
GPU_WORK   ?= .cache/gpu
train-gpu: $(TRAIN_STAMP)
	$(TRAIN_BIN)/python -m training.pack $(GPU_WORK)/crops-trainval.npz $(DATA_ARGS) $(TRAIN_ARGS)
	training/gpu_recipe.sh $(GPU_PYTHON) $(GPU_WORK)
	$(TRAIN_BIN)/python -m training.train --finish-only $(DATA_ARGS) --work $(GPU_WORK)/student $(TRAIN_ARGS)

# Mirrorball's model and face-api.js's age net side by side on every collection's test split, and the calibration.
evaluate: $(STAMP) faceapi
	$(MODELS_IF_MISSING)
	$(BIN)/python -m training.evaluate --model models/age_int8.tflite $(DATA_ARGS) --split test --cache-dir .cache \
	  --teacher faceapi --calibrate $(EVAL_ARGS)

# face-api.js's age net (MIT; weights inside the npm package) in Node, a baseline and teacher: never on the device.
FACEAPI_DIR ?= .cache/faceapi
faceapi:
	@command -v npm >/dev/null || { echo "faceapi: npm is not installed (Debian: apt install nodejs npm)" >&2; exit 2; }
	@test -f $(FACEAPI_DIR)/node_modules/@vladmandic/face-api/model/age_gender_model.bin || \
	  npm install --no-audit --no-fund --prefix $(FACEAPI_DIR) @vladmandic/face-api@1.7.15 @tensorflow/tfjs@4.22.0 \
	  @tensorflow/tfjs-backend-wasm@4.22.0

detect-check: $(STAMP)
	$(BIN)/python -m training.detect_check --data $(firstword $(DATA)) --looks 5 $(DETECT_ARGS)

check-config: $(STAMP)
	$(BIN)/mirrorball check-config config/mirrorball.example.yaml

# Prism mocks ../shared's Spotify spec and rejects requests that break it (tests/spotify/test_spotify_prism.py, which
# skips with a reason while Prism is absent). A developer tool: never installed on the device.
PRISM_VERSION ?= 5.16.0
PRISM_DIR     ?= .cache/prism
prism:
	@command -v npm >/dev/null || { echo "prism: npm is not installed (Debian: apt install npm)" >&2; exit 2; }
	@test -x $(PRISM_DIR)/node_modules/.bin/prism || npm install --no-audit --no-fund --prefix $(PRISM_DIR) \
	  @stoplight/prism-cli@$(PRISM_VERSION)
	@$(PRISM_DIR)/node_modules/.bin/prism --version

# make test installs Prism where npm is present, so that its tests run; without npm (or its registry) they skip.
# face-api.js (the age model's baseline and teacher) for the test that runs it: installed like Prism where npm is.
faceapi-if-npm:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory faceapi || echo "faceapi: not installed; its test skips"; \
	else echo "faceapi: npm is absent; the face-api.js test skips"; fi

prism-if-npm:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory prism || echo "prism: not installed; its tests skip"; \
	else echo "prism: npm is absent; the Prism tests skip"; fi

# The Home Assistant tests start a real Mosquitto (tests/homeassistant/broker.py). make test installs Debian's
# package where it is missing and apt can (as root); elsewhere those tests skip and say so. Never on the device.
mosquitto-if-apt:
	@if command -v mosquitto >/dev/null || test -x /usr/sbin/mosquitto; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q mosquitto >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q mosquitto >/dev/null 2>&1; }; } \
	    && echo "mosquitto: installed (apt)" || echo "mosquitto: apt-get install failed; the MQTT tests skip"; \
	else echo "mosquitto: absent (apt-get install mosquitto as root); the MQTT tests skip"; fi

test-prism: $(STAMP) prism
	$(BIN)/python -m pytest tests/spotify/test_spotify_prism.py $(PYTEST_ARGS)

install:
	$(MODELS_IF_MISSING)
	./systemd/install.sh

# pip's resolver in a throwaway venv with a known pip (26.3: --uploaded-prior-to), one resolution per device platform.
lock:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	PIP_CONFIG_FILE=/dev/null $$tmp/venv/bin/$(PIP) --isolated pip==26.3 packaging==26.3; \
	"$$tmp/venv/bin/python" systemd/device_lock.py lock --uploaded-prior-to $(LOCK_DATE) > "$$tmp/lock.txt"; \
	mv "$$tmp/lock.txt" $(LOCK); \
	echo "lock: wrote $(LOCK): $$(grep -vc '^#' $(LOCK)) pins of $$(grep -v '^#' $(LOCK) | cut -d= -f1 | sort -u | wc -l) packages"

# Known vulnerabilities in the lock's versions (PyPI's vulnerability data; needs PyPI). Fails with one sentence when
# some are found, when pip-audit cannot be installed, or when a version could not be checked (no answer, or no data).
audit:
	@test -x $(AUDIT_VENV)/bin/pip-audit || { $(PYTHON) -m venv $(AUDIT_VENV) && $(AUDIT_VENV)/bin/$(PIP) pip-audit; } \
	  >/dev/null 2>&1 || { rm -rf $(AUDIT_VENV); echo "audit: could not install pip-audit into $(AUDIT_VENV): is PyPI reachable?" >&2; exit 2; }
	@$(AUDIT_VENV)/bin/python systemd/device_lock.py audit --pip-audit $(AUDIT_VENV)/bin/pip-audit --lock $(LOCK)

uninstall:
	./systemd/uninstall.sh

# The Raspberry Pi path without a Pi: a cached arm64 Debian root (.cache/pi-root-$(PI_RELEASE)) under qemu-user-static.
PI_RELEASE ?= bookworm
pi-check: $(STAMP)
	PI_RELEASE=$(PI_RELEASE) PI_HOST_PYTHON=$(BIN)/python ./systemd/pi-check.sh

clean:
	rm -rf $(VENV) $(TRAIN_VENV) $(AUDIT_VENV) .pytest_cache .hypothesis build *.egg-info
