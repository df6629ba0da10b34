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
DATA ?= ../shared/datasets/utkface-crop-part1
PIP  = python -m pip install --quiet --disable-pip-version-check

.PHONY: demo test test-device test-training venv install uninstall bench simulate soak train evaluate \
        check-config pi-check clean help

help:
	@echo "make demo        run the real pipeline on photos and loopback Spotify/weather stand-ins"
	@echo "make test        run the test suite (creates $(VENV) and $(TRAIN_VENV) when missing)"
	@echo "make bench       vision benchmark (mirrorball bench)"
	@echo "make simulate    simulated households: skip rates of random, rules and rules + learning"
	@echo "make soak        24 simulated hours of the daemon at 500x (about 3 minutes)"
	@echo "make train       train the age model from $(DATA) (about 35 min on 2 cores); make evaluate scores it"
	@echo "sudo make install / uninstall   the systemd service on Raspberry Pi OS (64-bit)"
	@echo "sudo make pi-check [PI_RELEASE=trixie]   install and run in an arm64 Debian root under qemu (slow; not in make test)"

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

demo: $(STAMP)
	$(BIN)/mirrorball demo $(DEMO_ARGS)

# Everything but the training chain runs in the device's venv; the training chain (TensorFlow) in its own.
test: test-device test-training

test-device: $(STAMP)
	$(BIN)/python -m pytest --ignore=tests/training $(PYTEST_ARGS)

test-training: $(TRAIN_STAMP)
	$(TRAIN_BIN)/python -m pytest tests/training $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/mirrorball bench

simulate: $(STAMP)
	$(BIN)/python -m device.simulate --households 50 --days 30 --seed 1

soak: $(STAMP)
	$(BIN)/python -m device.soak --hours 24 --speedup 500 --json

train: $(TRAIN_STAMP)
	nice -n 10 $(TRAIN_BIN)/python -m training.train --data $(DATA) $(TRAIN_ARGS)

evaluate: $(STAMP)
	$(BIN)/python -m training.evaluate --model models/age_int8.tflite --data $(DATA) --split test

check-config: $(STAMP)
	$(BIN)/mirrorball check-config config/mirrorball.example.yaml

install:
	./systemd/install.sh

uninstall:
	./systemd/uninstall.sh

# The Raspberry Pi path without a Pi: a cached arm64 Debian root (.cache/pi-root-$(PI_RELEASE)) under qemu-user-static.
PI_RELEASE ?= bookworm
pi-check: $(STAMP)
	PI_RELEASE=$(PI_RELEASE) PI_HOST_PYTHON=$(BIN)/python ./systemd/pi-check.sh

clean:
	rm -rf $(VENV) $(TRAIN_VENV) .pytest_cache .hypothesis build *.egg-info
