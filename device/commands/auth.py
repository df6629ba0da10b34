"""`mirrorball auth`: log the device in to Spotify over SSH (PKCE; paste back the redirected URL)."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlsplit

HELP = "log in to Spotify (headless: open the printed URL anywhere, paste back the address it leads to)"


def add_arguments(parser) -> None:
    parser.add_argument("--listen", action="store_true",
                        help="instead of pasting, wait for the browser's redirect on the redirect URI's port "
                             "(use with `ssh -L PORT:127.0.0.1:PORT` from the machine with the browser)")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="--listen: give up after this many seconds (default 300)")


def _load(path: str):
    from device.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as exc:
        print(f"error: the config is not usable:\n{exc}", file=sys.stderr)
        return None


def _wait_for_redirect(redirect_uri: str, timeout: float) -> str | None:
    """Serve the redirect URI's port on 127.0.0.1 until the browser lands there; the full URL it asked for."""
    parts = urlsplit(redirect_uri)
    got: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if urlsplit(self.path).path != parts.path:
                self.send_error(404)
                return
            got.append(f"{parts.scheme}://{parts.netloc}{self.path}")
            body = b"Mirrorball: login received. You can close this tab and go back to the terminal.\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    server = HTTPServer(("127.0.0.1", parts.port), Handler)
    server.timeout = 1.0
    deadline = threading.Event()
    timer = threading.Timer(timeout, deadline.set)
    timer.start()
    try:
        while not got and not deadline.is_set():
            server.handle_request()
    finally:
        timer.cancel()
        server.server_close()
    return got[0] if got else None


def main(args) -> int:
    from device.spotify.auth import SCOPES, LoginError, LoginFlow, TokenCache, client_secret, token_path
    from device.spotify.client import SpotifyClient
    from device.spotify.errors import SpotifyError
    from device.spotify.speaker import select_speaker

    config = _load(args.config)
    if config is None:
        return 2
    cfg = config.spotify
    cache = TokenCache(token_path(config.daemon.state_dir))
    try:
        flow = LoginFlow(cfg, cache, secret=client_secret(cfg))
    except LoginError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    port = urlsplit(cfg.redirect_uri).port
    print("Log Mirrorball in to Spotify")
    print(f"1. In your Spotify app's settings (developer.spotify.com/dashboard) the redirect URI "
          f"{cfg.redirect_uri} must be listed.")
    print("2. Open this address in a browser on your phone or laptop and log in:\n")
    print(f"   {flow.authorize_url()}\n")
    print(f"   Scopes asked for: {', '.join(SCOPES)}")
    if args.listen:
        print(f"3. Waiting for the browser on 127.0.0.1:{port}. From the machine with the browser, keep\n"
              f"   `ssh -L {port}:127.0.0.1:{port} <this device>` open so that the redirect reaches this device.")
        try:
            pasted = _wait_for_redirect(cfg.redirect_uri, args.timeout)
        except OSError as exc:
            print(f"error: cannot listen on 127.0.0.1:{port}: {exc}", file=sys.stderr)
            return 1
        if pasted is None:
            print("error: no redirect arrived in time; run mirrorball auth again", file=sys.stderr)
            return 1
    else:
        print(f"3. The browser then lands on {cfg.redirect_uri}?code=... and shows an error page (nothing\n"
              f"   listens there): that is expected. Copy the whole address from the address bar and paste it here.")
        print("Redirected URL: ", end="", flush=True)
        pasted = sys.stdin.readline()
        if not pasted.strip():
            print("\nerror: nothing pasted", file=sys.stderr)
            return 1
    try:
        token = flow.finish(pasted)
    except LoginError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except PermissionError as exc:
        print(f"error: cannot write the token cache {cache.path}: {exc.strerror}. Run as the service user, "
              f"e.g. sudo -u mirrorball mirrorball auth", file=sys.stderr)
        return 1
    print(f"Logged in. Token saved to {cache.path} (mode 0600); it refreshes itself.")
    missing = set(SCOPES) - set(token.get("scope", "").split())
    if missing:
        print(f"warning: Spotify did not grant {', '.join(sorted(missing))}", file=sys.stderr)
    client = SpotifyClient.from_config(config)
    try:
        devices = client.devices()
    except SpotifyError as exc:
        print(f"warning: logged in, but listing speakers failed: {exc}", file=sys.stderr)
        return 0
    names = [d.get("name", "?") for d in devices]
    print(f"Spotify Connect devices now: {', '.join(names) or 'none (wake a speaker up to see it)'}")
    if cfg.speaker:
        try:
            found = select_speaker(devices, cfg.speaker)
            print(f"Configured speaker {cfg.speaker!r} -> {found.get('name')!r}")
        except SpotifyError as exc:
            print(f"warning: {exc}", file=sys.stderr)
    else:
        print("hint: set spotify.speaker in the config to one of the names above")
    return 0
