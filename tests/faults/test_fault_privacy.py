"""Privacy of the whole daemon under faults: no image is written anywhere it could write, and nothing derived from a
frame (image bytes, base64, pixel rows, age groups) is sent; only Spotify and weather requests leave it.

The vision-only test (tests/vision/test_vision_privacy.py) proves it for the pipeline; this one runs `Daemon` +
`build_parts` (fault_rig.Appliance) on a photo with a listener in it, through Spotify 503s and a 429, the weather
service down, a camera that raises on read and a config reload, and then looks at every file and every request.
Every detector is also shown, on planted data, to flag what it must (the `test_detector_*` tests).
"""

from __future__ import annotations

import base64
import re
import socket
import sqlite3
import threading
from pathlib import Path
from urllib.parse import unquote_plus, urlsplit

import cv2
import numpy as np
import pytest
from fault_rig import CLIENT_ID, LISTENER_PHOTO, Appliance, wait_for
from privacy_guard import RECORDER, isolate_places, refuse_image_writers, snapshot

from device.config.schema import default_age_groups
from device.devtools.demo import ASSETS
from device.devtools.standins.open_meteo import OpenMeteoStandIn
from device.devtools.standins.spotify import SpotifyStandIn
from device.vision.sources import ImageFolderSource

MAX_FILE = 64 * 1024  # no file but the state database may be bigger than this
MAX_BODY = 4 * 1024  # a request body (JSON for Spotify, a form for the token endpoint)
MAX_TARGET = 2 * 1024  # a request's path and query string
AGE_GROUPS = [g.name for g in default_age_groups()]


# ------------------------------------------------------------ detectors

MAGIC = [  # (name, at the start of a file, anywhere in it)
    ("JPEG", re.compile(rb"\A\xff\xd8\xff"), re.compile(rb"\xff\xd8\xff[\xc0-\xfe]")),
    ("PNG", re.compile(rb"\A\x89PNG"), re.compile(rb"\x89PNG\r\n\x1a\n")),
    ("GIF", re.compile(rb"\AGIF8[79]a"), re.compile(rb"GIF8[79]a")),
    ("BMP", re.compile(rb"\ABM.{4}\x00\x00\x00\x00", re.S), None),
    ("PPM/PGM/PBM", re.compile(rb"\AP[1-6]\s+\d+\s+\d+"), None),
    ("TIFF", re.compile(rb"\A(II\*\x00|MM\x00\*)"), None),
    ("WebP", re.compile(rb"\ARIFF.{4}WEBP", re.S), re.compile(rb"RIFF.{4}WEBP", re.S)),
    ("numpy .npy", re.compile(rb"\A\x93NUMPY"), re.compile(rb"\x93NUMPY")),
    ("zip (.npz)", re.compile(rb"\APK\x03\x04"), None),
    ("JFIF/Exif", None, re.compile(rb"JFIF\x00|Exif\x00\x00")),
    ("base64 JPEG", None, re.compile(rb"/9j/[A-Za-z0-9+/]{16}")),
    ("base64 PNG", None, re.compile(rb"iVBORw0KGgo")),
]


class FrameFingerprint:
    """Byte runs of the frame the camera delivers (RGB, BGR and grey pixel rows), raw and in base64 at every
    alignment, to find a frame or part of one in a file or a request however it was stored."""

    def __init__(self, frame: np.ndarray, run: int = 48):
        rows = []
        h = frame.shape[0]
        self.ys = list(range(h // 40, h, h // 20))  # 20 rows, each cut at two places
        for variant in (frame, frame[..., ::-1], cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)):
            for y in self.ys:
                row = np.ascontiguousarray(variant[y]).tobytes()
                for x in (len(row) // 3, 2 * len(row) // 3):
                    chunk = row[x:x + run]
                    if len(set(chunk)) >= 16:  # a flat run (black, white) would match any zero-filled page
                        rows.append(chunk)
        assert len(rows) >= 30, "too few distinctive pixel runs in this frame to recognise it"
        self.raw = rows
        self.encoded = []
        for chunk in rows:
            for shift in range(3):  # base64 of a longer run contains one of these, whatever its offset
                text = base64.b64encode(chunk[shift:])[:-4]
                self.encoded += [text, text.replace(b"+", b"-").replace(b"/", b"_")]

    def found_in(self, data: bytes) -> str | None:
        if any(chunk in data for chunk in self.raw):
            return "raw frame pixels"
        if any(text in data for text in self.encoded):
            return "base64 of frame pixels"
        return None


def image_content(data: bytes, fingerprint: FrameFingerprint | None = None) -> str | None:
    """What in these bytes looks like an image or a frame, or None."""
    for name, start, anywhere in MAGIC:
        if start is not None and start.search(data[:64]):
            return f"{name} signature at the start"
        if anywhere is not None and anywhere.search(data):
            return f"{name} signature inside"
    return fingerprint.found_in(data) if fingerprint is not None else None


def is_database(path: Path) -> bool:
    return path.name.startswith("state.db")


def suspicious_files(paths, fingerprint: FrameFingerprint | None = None) -> list[str]:
    """Every file that holds image content, has an image or array file name, or (not the database) is large."""
    found = []
    for path in map(Path, paths):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        what = image_content(data, fingerprint)
        if what is None and path.suffix.lower() in {".jpg", ".jpeg", ".png", ".bmp", ".ppm", ".pgm", ".tif",
                                                    ".tiff", ".webp", ".gif", ".npy", ".npz", ".raw"}:
            what = "an image or array file name"
        if what is None and len(data) > MAX_FILE and not is_database(path):
            what = f"{len(data)} bytes"
        if what is not None:
            found.append(f"{path}: {what}")
    return found


def split_requests(stream: bytes) -> list[tuple[str, str, dict, bytes]]:
    """HTTP/1.1 requests as sent on one connection: (method, target, headers, body)."""
    out = []
    while stream:
        head, sep, rest = stream.partition(b"\r\n\r\n")
        assert sep, f"an incomplete request head: {stream[:80]!r}"
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        assert "chunked" not in headers.get("transfer-encoding", ""), "chunked bodies are not parsed here"
        length = int(headers.get("content-length", "0"))
        out.append((method, target, headers, rest[:length]))
        stream = rest[length:]
    return out


def request_problems(method: str, target: str, body: bytes, fingerprint: FrameFingerprint | None = None,
                     groups=AGE_GROUPS) -> list[str]:
    """What is wrong with one request leaving the device (empty: nothing)."""
    problems = []
    where = f"{method} {target[:80]}"
    if len(body) > MAX_BODY:
        problems.append(f"{where}: a {len(body)}-byte body")
    if len(target) > MAX_TARGET:
        problems.append(f"{where}: a {len(target)}-character target")
    for data in (target.encode("latin-1", "replace"), body):
        what = image_content(data, fingerprint)
        if what:
            problems.append(f"{where}: {what}")
    text = unquote_plus(target) + "\n" + unquote_plus(body.decode("utf-8", "replace"))
    for group in groups:  # "30-39" but not "1930-1939" (a year filter)
        if re.search(rf"(?<![\d.]){re.escape(group)}(?![\d])", text):
            problems.append(f"{where}: the age group {group!r}")
    return problems


# ------------------------------------------------------------ what the process sends

class Wire:
    """Every byte any socket of this process sends to the given ports (the client side of the stand-ins)."""

    def __init__(self, ports: set[int]):
        self.ports = ports
        self.lock = threading.Lock()
        self.streams: dict[int, tuple[int, bytearray]] = {}  # id(socket) -> (port, bytes)

    def install(self, monkeypatch) -> None:
        real_sendall, real_send = socket.socket.sendall, socket.socket.send

        def record(sock, data) -> None:
            try:
                port = sock.getpeername()[1]
            except (OSError, IndexError, TypeError):
                return
            if port in self.ports:
                with self.lock:
                    self.streams.setdefault(id(sock), (port, bytearray()))[1].extend(bytes(data))

        def sendall(sock, data, *args):
            record(sock, data)
            return real_sendall(sock, data, *args)

        def send(sock, data, *args):
            sent = real_send(sock, data, *args)
            record(sock, memoryview(data)[:sent])
            return sent

        monkeypatch.setattr(socket.socket, "sendall", sendall)
        monkeypatch.setattr(socket.socket, "send", send)

    def requests(self) -> list[tuple[int, str, str, dict, bytes]]:
        with self.lock:
            streams = [(port, bytes(data)) for port, data in self.streams.values()]
        return [(port, *request) for port, data in streams for request in split_requests(data)]


# ------------------------------------------------------------ the daemon under faults

@pytest.fixture
def watched(tmp_path, monkeypatch):
    """Empty cwd, $TMPDIR and $HOME; image writers that record and refuse."""
    places = isolate_places(tmp_path, monkeypatch)
    places["refused"] = []
    refuse_image_writers(monkeypatch, places["refused"], "the daemon")
    return places


def _port(url: str) -> int:
    return urlsplit(url).port


@pytest.mark.parametrize("spotify_status, answered", [(503, 3), (429, 1)], ids=["spotify-503", "spotify-429"])
def test_the_daemon_under_faults_writes_no_image_and_sends_no_frame_data(watched, tmp_path, monkeypatch,
                                                                         spotify_status, answered):
    """The weather down at the start, Spotify 503s (or a 429) while playing, the camera raising on read twice and a
    config reload, all in one run (the two Spotify faults each hold the player back for longer than a run)."""
    with OpenMeteoStandIn() as weather, SpotifyStandIn(client_id=CLIENT_ID) as spotify:
        weather.set_weather(weather_code=61, temperature_2m=7.0, apparent_temperature=4.5, is_day=0)
        a = Appliance(tmp_path / "appliance", weather, spotify, extra={"spotify": {"poll_s": 2}})
        source = ImageFolderSource(str(a.frames))
        source.open()
        fingerprint = FrameFingerprint(source.read())  # the frame exactly as the daemon's camera delivers it
        source.close()
        spotify_port, weather_port = _port(spotify.api_url), _port(weather.forecast_url)
        assert _port(spotify.accounts_url) == spotify_port
        wire = Wire({spotify_port, weather_port})
        wire.install(monkeypatch)
        with spotify.lock:  # the log-in Appliance() did before the capture
            logged_before = len(spotify.requests) + len(spotify.accounts_requests)
        roots = [watched["cwd"], watched["tmp"], watched["home"], a.tmp]
        before = snapshot(*roots)

        failing_reads = []
        real_read = ImageFolderSource._read_raw

        def read(self):
            if failing_reads:
                failing_reads.pop()
                raise OSError("frame timeout")
            return real_read(self)

        monkeypatch.setattr(ImageFolderSource, "_read_raw", read)
        seen_listener = []
        with RECORDER.recording():
            try:
                weather.fail(503, "Service unavailable", times=2)  # the weather service down at the start
                a.start()
                seen_listener.append(wait_for(lambda: getattr(a.daemon.hub.latest("audience"), "present", False),
                                              15))
                a.wait_status("playing", 15)
                # Spotify fails the next playback poll: 503 (and its two quick retries) or 429
                spotify.fail("GET", "/v1/me/player", spotify_status,
                             retry_after=1 if spotify_status == 429 else None, times=answered)
                failing_reads.extend([1, 1])  # the camera raises on read, twice
                wait_for(lambda: not failing_reads, 8)
                a.write({"spotify": {"poll_s": 2}, "music": {"pause_after_minutes": 0.1}})  # a config reload
                a.daemon.request_reload()
                wait_for(lambda: sum(e.status == spotify_status for e in spotify.exchanges) == answered, 10)
                wait_for(lambda: "camera ok" in a.status(), 8)
                status = a.status()
            finally:
                a.stop()
        spotify.clear_faults()
        weather.clear_faults()

        # the run was what it claims to be, or the assertions below would prove little
        assert seen_listener[0], "the daemon never saw the listener in the photo"
        assert not failing_reads, "the camera fault was never hit"
        assert sum(e.status == spotify_status for e in spotify.exchanges) == answered, "the Spotify fault was not hit"
        assert a.logs.lines(contains="config reloaded: applying changes"), "the reload did not happen"
        assert any(r.status == 503 for r in weather.requests()), "the weather outage was never hit"
        assert "camera ok" in status, status
        assert a.logs.unhandled() == [], a.logs.unhandled()[:1]
        assert watched["refused"] == [], f"image writers called: {watched['refused']}"

        # (a) files: nothing image-like anywhere the process could write
        after = snapshot(*roots)
        changed = sorted(p for p, v in after.items() if before.get(p) != v)
        assert any(is_database(Path(p)) for p in changed), "the state database was not written: wrong roots?"
        assert suspicious_files(changed, fingerprint) == []
        for root in (watched["cwd"], watched["tmp"], watched["home"]):
            assert not any(p.startswith(str(root)) for p in changed), f"files left in {root}: {changed}"
        daemon_writes = sorted({path for thread, path in RECORDER.writes if thread != "MainThread"})
        outside = [p for p in daemon_writes if not Path(p).resolve().is_relative_to(a.state_dir.resolve())]
        assert outside == [], f"the daemon opened files for writing outside its state directory: {outside}"

        # (b) the wire: only the two stand-ins were reached, and only with small, frame-free requests
        peers = {address for thread, address in RECORDER.connects}
        assert peers <= {("127.0.0.1", spotify_port), ("127.0.0.1", weather_port)}, peers
        sent = wire.requests()
        with spotify.lock:
            logged = len(spotify.requests) + len(spotify.accounts_requests) - logged_before
        to_spotify = [r for r in sent if r[0] == spotify_port]
        to_weather = [r for r in sent if r[0] == weather_port]
        assert len(to_spotify) == logged, "the wire capture missed Spotify requests"
        assert len(to_weather) == len(weather.requests()), "the wire capture missed weather requests"
        assert len(to_spotify) >= 10 and to_weather, (len(to_spotify), len(to_weather))
        assert any(m == "PUT" and urlsplit(t).path == "/v1/me/player/play" and b for _, m, t, _, b in to_spotify), \
            "no play request with a body was looked at"
        problems = [p for _, method, target, _, body in sent for p in request_problems(method, target, body,
                                                                                     fingerprint)]
        assert problems == [], problems[:5]
        for _, _method, target, _headers, _body in to_spotify:
            path = urlsplit(target).path
            assert path.startswith("/v1/") or path == "/api/token", target
        for _, method, target, _headers, body in to_weather:
            parts = urlsplit(target)
            assert method == "GET" and not body and parts.path in ("/v1/forecast", "/v1/search"), target
            params = dict(p.partition("=")[::2] for p in parts.query.split("&"))
            assert set(params) <= {"latitude", "longitude", "current", "timeformat", "timezone"}, params
            assert (params["latitude"], params["longitude"]) == ("52.5200", "13.4100"), params


# ------------------------------------------------------------ the detectors can fail

@pytest.fixture(scope="module")
def frame() -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(ASSETS / LISTENER_PHOTO)), cv2.COLOR_BGR2RGB)


def test_detector_flags_every_planted_image_file(tmp_path, frame):
    fingerprint = FrameFingerprint(frame)
    bgr = frame[..., ::-1].copy()
    planted = {}
    for ext in (".jpg", ".png", ".bmp", ".ppm", ".pgm", ".tiff", ".webp"):
        ok, data = cv2.imencode(ext, bgr if ext != ".pgm" else cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
        assert ok
        planted[f"img{ext}"] = data.tobytes()
    npy = tmp_path / "a.npy"
    np.save(npy, frame)
    np.savez(tmp_path / "b.npz", frame=frame)
    jpeg = planted["img.jpg"]
    planted.update({
        "a.npy.bin": npy.read_bytes(),
        "frame.bin": frame.tobytes(),  # a raw dump, no header
        "row.bin": b"x" * 10 + frame[fingerprint.ys[8]].tobytes() + b"x" * 10,  # one row of it
        "grey.bin": cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)[fingerprint.ys[13]].tobytes(),
        "b64.txt": b'{"frame": "' + base64.b64encode(jpeg) + b'"}',
        "b64pixels.txt": b"p=" + base64.b64encode(b"z" + frame[fingerprint.ys[10]].tobytes()),
        "renamed.dat": jpeg,
        "small.jpg": b"hello",  # an image file name, whatever it holds
        "big.log": b"a" * (MAX_FILE + 1),
    })
    for name, data in planted.items():
        (tmp_path / name).write_bytes(data)
    db = tmp_path / "state.db"  # a database may be large, but not hold a frame
    with sqlite3.connect(db) as conn:
        conn.execute("create table t (b blob)")
        conn.execute("insert into t values (?)", (frame[::4, ::4].tobytes() + frame[200:260].tobytes(),))
    clean = tmp_path / "state.db-clean"
    with sqlite3.connect(clean) as conn:
        conn.execute("create table t (x text)")
        conn.executemany("insert into t values (?)", [(f"event {i} 30-39",) for i in range(5000)])
    (tmp_path / "config.yaml").write_text("music:\n  idle: pause\n")
    files = sorted(str(p) for p in tmp_path.iterdir())
    flagged = {Path(line.split(": ")[0]).name for line in suspicious_files(files, fingerprint)}
    assert flagged == set(planted) | {"a.npy", "b.npz", "state.db"}, flagged ^ (set(planted) | {"a.npy", "b.npz",
                                                                                                 "state.db"})
    assert clean.stat().st_size > MAX_FILE, "the clean database tests the size exemption"


def test_detector_flags_frame_data_and_age_groups_in_requests(frame):
    fingerprint = FrameFingerprint(frame)
    ok, jpeg = cv2.imencode(".jpg", frame)
    play = b'{"uris": ["spotify:track:4uLU6hMCjMI75M1A2tKUQC"]}'
    fine = [("PUT", "/v1/me/player/play?device_id=abc", play),
            ("GET", "/v1/search?q=genre%3Ajazz+year%3A1930-1939&type=track&limit=20", b""),
            ("GET", "/v1/forecast?latitude=52.5200&longitude=13.4100&current=temperature_2m", b"")]
    for method, target, body in fine:
        assert request_problems(method, target, body, fingerprint) == [], target
    bad = [("POST", "/v1/me/tracks", b'{"img": "' + base64.b64encode(jpeg.tobytes()[:600]) + b'"}'),
           ("POST", "/v1/upload", jpeg.tobytes()[:3000]),
           ("PUT", "/v1/me/player/play",
            b'{"x": "' + base64.urlsafe_b64encode(b"ab" + frame[fingerprint.ys[4]].tobytes()) + b'"}'),
           ("GET", "/v1/search?q=" + base64.b64encode(frame[fingerprint.ys[10]].tobytes()).decode(), b""),
           ("GET", "/v1/search?q=for+30-39&type=track", b""),
           ("GET", "/v1/search?q=60%2B", b""),
           ("PUT", "/v1/me/player/play", b'{"context": "0-12"}'),
           ("PUT", "/v1/me/player/play", b"{" + b" " * MAX_BODY + b"}"),
           ("GET", "/v1/me?" + "a" * MAX_TARGET, b"")]
    for method, target, body in bad:
        assert request_problems(method, target, body, fingerprint), target[:60]


def test_wire_capture_and_recorder_see_a_planted_leak(tmp_path, monkeypatch):
    """The capture the daemon test relies on: a request sent from another thread is split and flagged, and the
    recorder sees that thread's connect and file write."""
    import requests

    with OpenMeteoStandIn() as weather:
        wire = Wire({_port(weather.forecast_url)})
        wire.install(monkeypatch)
        jpeg = (ASSETS / LISTENER_PHOTO).read_bytes()[:2000]
        with RECORDER.recording():
            def leak():
                (tmp_path / "leak.dat").write_bytes(jpeg)
                with requests.Session() as session:
                    session.get(weather.forecast_url, params={"latitude": 1, "longitude": 2}, timeout=5)
                    session.post(weather.forecast_url, data=jpeg, timeout=5)
            thread = threading.Thread(target=leak, name="leaker")
            thread.start()
            thread.join(10)
    sent = wire.requests()
    assert [(m, urlsplit(t).path) for _, m, t, _, _ in sent] == [("GET", "/v1/forecast"), ("POST", "/v1/forecast")]
    assert request_problems(*sent[0][1:3], sent[0][4]) == []
    assert request_problems(*sent[1][1:3], sent[1][4]), "the JPEG body is flagged"
    assert ("leaker", str(tmp_path / "leak.dat")) in RECORDER.writes
    assert ("leaker", ("127.0.0.1", _port(weather.forecast_url))) in RECORDER.connects
    assert suspicious_files([tmp_path / "leak.dat"]) != []
