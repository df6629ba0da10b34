"""A plain-text progress bar with ETA for Keras training, readable in a log file as well as a terminal."""

from __future__ import annotations

import sys
import time

import keras


def _fmt(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ProgressBar(keras.callbacks.Callback):
    """Per epoch: a bar with ETA for the epoch, redrawn about ten times; after it, the run's ETA."""

    def __init__(self, epochs: int, steps: int, stream=None, width: int = 30) -> None:
        super().__init__()
        self.epochs, self.steps, self.width = epochs, steps, width
        self.stream = stream or sys.stdout
        self.every = max(1, steps // 10)
        self.run_start = time.monotonic()
        self.epoch_start = self.run_start
        self.epoch = 0

    def on_train_begin(self, logs=None):
        self.run_start = time.monotonic()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.epoch_start = time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        done = batch + 1
        if done % self.every and done != self.steps:
            return
        elapsed = time.monotonic() - self.epoch_start
        eta = elapsed / done * (self.steps - done)
        filled = int(self.width * done / self.steps)
        loss = (logs or {}).get("loss", float("nan"))
        self.stream.write(f"\repoch {self.epoch + 1}/{self.epochs} [{'=' * filled}{'.' * (self.width - filled)}] "
                          f"{done}/{self.steps} loss {loss:.3f} eta {_fmt(eta)}")
        self.stream.flush()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        now = time.monotonic()
        per_epoch = (now - self.run_start) / (epoch + 1)
        parts = " ".join(f"{k} {v:.3f}" for k, v in logs.items() if isinstance(v, (int, float)))
        self.stream.write(f"\repoch {epoch + 1}/{self.epochs} done in {_fmt(now - self.epoch_start)}: {parts}; "
                          f"run elapsed {_fmt(now - self.run_start)}, eta {_fmt(per_epoch * (self.epochs - epoch - 1))}\n")
        self.stream.flush()
