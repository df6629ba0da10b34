# Mirrorball: `make demo` runs the whole pipeline on loopback stand-ins; `make test` runs the test suite.
# Every install step lives here and in pyproject.toml: a fresh Debian machine with python3 and python3-venv suffices.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: demo test venv install uninstall bench simulate check-config pi-check clean help

help:
	@echo "make demo        run the real pipeline on photos and loopback Spotify/weather stand-ins"
	@echo "make test        run the test suite (creates $(VENV) when missing)"
	@echo "make bench       vision benchmark (mirrorball bench)"
	@echo "make simulate    simulated households: skip rates of random, rules and rules + learning"
	@echo "sudo make install / uninstall   the systemd service on Raspberry Pi OS (64-bit)"
	@echo "sudo make pi-check [PI_RELEASE=trixie]   install and run in an arm64 Debian root under qemu (slow; not in make test)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/mirrorball demo $(DEMO_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/mirrorball bench

simulate: $(STAMP)
	$(BIN)/python -m device.simulate --households 50 --days 30 --seed 1

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
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
