"""A real Mosquitto broker for the tests, on a free loopback port with a password file; stop() and start() again on
the same port (a broker that goes away and comes back). Skips with the reason where Mosquitto is not installed."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

USER, PASSWORD = "mirrorball", "mq-7c1e9a5b3d2f8e6a4c0b"


def mosquitto_binary() -> str | None:
    return shutil.which("mosquitto") or next((p for p in ("/usr/sbin/mosquitto",) if os.access(p, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificates(folder: Path) -> dict[str, Path]:
    """A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, signed by it (openssl CLI)."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed: no certificates for the TLS broker")
    files = {name: folder / name for name in ("ca.crt", "ca.key", "server.crt", "server.key", "client.crt",
                                              "client.key")}

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
        "-subj", "/CN=mirrorball test CA")
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    for who, subject in (("server", "/CN=127.0.0.1"), ("client", "/CN=mirrorball")):
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{who}.key", "-out", f"{who}.csr", "-subj", subject)
        run("x509", "-req", "-in", f"{who}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", f"{who}.crt", "-days", "2", *(["-extfile", "san.ext"] if who == "server" else []))
    return files


class Broker:
    def __init__(self, folder: Path, *, tls: bool = False, client_certificates: bool = False):
        binary = mosquitto_binary()
        passwd = shutil.which("mosquitto_passwd")
        if not binary or not passwd:
            pytest.skip("Mosquitto is not installed (Debian: apt-get install mosquitto; make test installs it as root)")
        self.binary, self.folder, self.port = binary, folder, free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.password_file = folder / "passwd"
        subprocess.run([passwd, "-b", "-c", str(self.password_file), USER, PASSWORD], check=True, capture_output=True)
        self.conf = folder / "mosquitto.conf"
        lines = [f"listener {self.port} 127.0.0.1", "allow_anonymous false", f"password_file {self.password_file}",
                 "persistence false", f"log_dest file {folder / 'mosquitto.log'}"]
        self.certificates: dict[str, Path] = {}
        if tls:
            self.certificates = make_certificates(folder)
            lines += [f"cafile {self.certificates['ca.crt']}", f"certfile {self.certificates['server.crt']}",
                      f"keyfile {self.certificates['server.key']}"]
            if client_certificates:
                lines.append("require_certificate true")
        if os.geteuid() == 0:  # mosquitto drops to its own user, which cannot read files in our temporary folder
            lines.append("user root")
        self.conf.write_text("\n".join(lines) + "\n")
        self.process: subprocess.Popen | None = None

    def start(self) -> Broker:
        self.process = subprocess.Popen([self.binary, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.process.stderr.read().decode()[-500:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not listen within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(5)
        self.process = None


class Listener:
    """Subscribes as Home Assistant does (to the discovery prefix and Mirrorball's topics) and keeps every message."""

    def __init__(self, broker: Broker, topics=("homeassistant/#", "mirrorball/#"), *, password: str = PASSWORD):
        import paho.mqtt.client as mqtt

        self.messages: list[tuple[float, str, str, bool]] = []  # (monotonic time, topic, payload, retained)
        self.lock = threading.Lock()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"ha-{time.monotonic_ns()}")
        self.client.username_pw_set(USER, password)
        self.client.on_connect = lambda c, *_: [c.subscribe(t, qos=1) for t in topics]
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()

    def _on_message(self, client, userdata, m) -> None:
        with self.lock:
            self.messages.append((time.monotonic(), m.topic, m.payload.decode(), bool(m.retain)))

    def latest(self, topic: str) -> str | None:
        with self.lock:
            found = [p for _, t, p, _ in self.messages if t == topic]
        return found[-1] if found else None

    def all(self, prefix: str = "") -> list[tuple[float, str, str, bool]]:
        with self.lock:
            return [m for m in self.messages if m[1].startswith(prefix)]

    def send(self, topic: str, payload: str, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
