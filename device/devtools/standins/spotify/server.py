"""The stand-in's HTTP plumbing: a loopback server, scripted faults, and the request and exchange logs."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from device.devtools.standins.spotify.wire import Exchange, Fault, default_message, err

# handle(method, path, query, raw body, headers) -> (status, headers, body); the server adds faults and logs
Handler = Callable[[str, str, dict, bytes, dict], tuple[int, dict, object]]


class Server:
    """Serves `handle` on 127.0.0.1 (a free port). Web API requests (/v1/...) and accounts requests are logged
    apart, in the order received; `faults` answer matching requests instead of `handle`."""

    def __init__(self, handle: Handler, lock: threading.RLock, on_drop_device: Callable[[str], None]):
        self.handle, self.lock, self.on_drop_device = handle, lock, on_drop_device
        self.faults: list[Fault] = []
        self.requests: list[str] = []
        self.accounts_requests: list[str] = []
        self.exchanges: list[Exchange] = []
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        owner = self

        class _Bound(_RequestHandler):
            server_owner = owner

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Bound)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="spotify-standin", daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the stand-in first"
        return self._server.server_address[1]

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            fault = next((f for f in self.faults if f.matches(method, path)), None)
            if fault is not None and fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
            return fault

    def answer(self, method: str, target: str, raw: bytes, headers: dict) -> tuple[int, dict, object]:
        parts = urlsplit(target)
        path = parts.path
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with self.lock:
            (self.requests if path.startswith("/v1/") else self.accounts_requests).append(f"{method} {path}")
        fault = self.take_fault(method, path)
        if fault is not None and fault.latency:
            time.sleep(fault.latency)
        if fault is not None and fault.drop_device:
            self.on_drop_device(fault.drop_device)
        if fault is not None and fault.status is not None:
            out_headers = {} if fault.retry_after is None else {"Retry-After": str(int(fault.retry_after))}
            if fault.oauth:
                body = {"error": fault.reason or "server_error", "error_description": fault.message}
            else:
                body = err(fault.status, fault.message or default_message(fault.status), fault.reason)[1]
            status = fault.status
        else:
            with self.lock:
                status, out_headers, body = self.handle(method, path, query, raw, headers)
        try:
            sent = json.loads(raw) if raw and path.startswith("/v1/") else None
        except ValueError:
            sent = raw.decode(errors="replace")
        with self.lock:
            self.exchanges.append(Exchange(method, path, query, status, body, sent))
        return status, out_headers, body


class _RequestHandler(BaseHTTPRequestHandler):
    server_owner: Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: without this each answer waited ~40 ms

    def log_message(self, format, *args):  # quiet: the stand-in keeps its own request log
        pass

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        status, headers, body = self.server_owner.answer(method, self.path, raw, dict(self.headers.items()))
        data = json.dumps(body).encode() if body is not None else b""
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            if data:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test): fine
            self.close_connection = True

    def do_GET(self):
        self._dispatch("GET")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")
