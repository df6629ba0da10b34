"""The stand-in's accounts service: PKCE authorize and token endpoints, tokens and the scopes they carry."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import urlencode

# Every scope an app may ask for (the spec's list); issue_token() grants them all unless told otherwise.
ALL_SCOPES = ("app-remote-control", "playlist-read-private", "playlist-read-collaborative", "playlist-modify-public",
              "playlist-modify-private", "user-library-read", "user-library-modify", "user-read-private",
              "user-read-email", "user-follow-read", "user-follow-modify", "user-top-read",
              "user-read-playback-position", "user-read-playback-state", "user-read-recently-played",
              "user-read-currently-playing", "user-modify-playback-state", "ugc-image-upload", "streaming")


class Accounts:
    """accounts.spotify.com: authorization codes, access and refresh tokens (with their scopes)."""

    def __init__(self, client_id: str, client_secret: str | None, token_lifetime_s: int):
        self.client_id, self.client_secret = client_id, client_secret
        self.token_lifetime_s = token_lifetime_s
        self.deny_login = False
        self.codes: dict[str, dict] = {}
        self.access: dict[str, dict] = {}  # token -> {"expired": bool, "scope": str}
        self.refresh: dict[str, dict] = {}  # token -> {"revoked": bool, "scope": str}

    def grant(self, scope: str) -> dict:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
        self.access[access] = {"expired": False, "scope": scope}
        self.refresh[refresh] = {"revoked": False, "scope": scope}
        return {"access_token": access, "token_type": "Bearer", "scope": scope,
                "expires_in": self.token_lifetime_s, "refresh_token": refresh}

    def revoke(self) -> None:
        for r in self.refresh.values():
            r["revoked"] = True
        self.expire()

    def expire(self) -> None:
        for a in self.access.values():
            a["expired"] = True

    def bearer(self, auth: str | None) -> tuple[set[str] | None, str | None]:
        """(scopes of the token, None), or (None, why it is refused) for the 401 answer."""
        token = self.access.get(auth[7:] if auth and auth.startswith("Bearer ") else "")
        if token is None:
            return None, "Invalid access token"
        if token["expired"]:
            return None, "The access token expired"
        return set(token["scope"].split()), None

    # ------------------------------------------------------------ HTTP

    def authorize(self, q: dict) -> tuple[int, dict, object]:
        redirect = q.get("redirect_uri", "")
        if q.get("client_id") != self.client_id:
            return 400, {}, {"error": "invalid_client", "error_description": "Invalid client"}
        if not re.match(r"http://(127\.0\.0\.1|\[::1\]):\d+/", redirect):  # 2025: loopback IP literals only
            return 400, {}, {"error": "invalid_request", "error_description": "Invalid redirect URI"}
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return 400, {}, {"error": "invalid_request", "error_description": "code_challenge required (S256)"}
        params = {"state": q["state"]} if "state" in q else {}
        if self.deny_login:
            params["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(24)
            self.codes[code] = {"challenge": q["code_challenge"], "redirect_uri": redirect,
                                "scope": q.get("scope", "")}
            params = {"code": code, **params}
        return 302, {"Location": f"{redirect}?{urlencode(params)}"}, None

    def token(self, form: dict, auth_header: str | None) -> tuple[int, dict, object]:
        def refuse(error: str, description: str) -> tuple[int, dict, object]:
            return 400, {}, {"error": error, "error_description": description}

        client_id = form.get("client_id")
        if auth_header and auth_header.startswith("Basic "):
            cid, _, secret = base64.b64decode(auth_header[6:]).decode().partition(":")
            client_id = cid
            if self.client_secret is not None and secret != self.client_secret:
                return refuse("invalid_client", "Invalid client secret")
        if client_id != self.client_id:
            return refuse("invalid_client", "Invalid client")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            info = self.codes.pop(form.get("code", ""), None)
            if info is None:
                return refuse("invalid_grant", "Invalid authorization code")
            if form.get("redirect_uri") != info["redirect_uri"]:
                return refuse("invalid_grant", "Invalid redirect URI")
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
            if digest != info["challenge"]:
                return refuse("invalid_grant", "code_verifier was incorrect")
            return 200, {}, self.grant(info["scope"])
        if grant == "refresh_token":
            info = self.refresh.get(form.get("refresh_token", ""))
            if info is None or info["revoked"]:
                return refuse("invalid_grant", "Refresh token revoked")
            access = secrets.token_urlsafe(24)
            self.access[access] = {"expired": False, "scope": info["scope"]}
            return 200, {}, {"access_token": access, "token_type": "Bearer", "scope": info["scope"],
                             "expires_in": self.token_lifetime_s}
        return refuse("unsupported_grant_type", f"grant_type {grant!r} is not supported")
