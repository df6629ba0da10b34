"""Typed Spotify failures, each carrying the one status sentence a person sees in `doctor` and the logs."""

from __future__ import annotations

from device.core.catalog import CatalogError
from device.core.times import clock_text


class SpotifyError(CatalogError):
    """Any Spotify failure. str(error) is the status line; `retry_at` (Unix time) says when trying again makes sense."""

    retry_at: float | None = None

    def __init__(self, status: str, *, http_status: int | None = None, reason: str | None = None):
        super().__init__(status)
        self.status = status
        self.http_status = http_status
        self.reason = reason


class LoginNeeded(SpotifyError):
    """No token, a revoked refresh token or a rejected client: only `mirrorball auth` helps."""

    def __init__(self, why: str = ""):
        text = "Spotify login needed: run mirrorball auth"
        super().__init__(f"{text} ({why})" if why else text, http_status=401)
        self.why = why


class RateLimited(SpotifyError):
    """HTTP 429: no request is sent before retry_at. now: when it was answered (the date is shown when retry_at
    falls on another day); clamp: Wait.describe_clamp() of a Retry-After beyond what Mirrorball waits."""

    def __init__(self, retry_at: float, *, reason: str | None = None, now: float | None = None, clamp: str = ""):
        super().__init__(f"Spotify rate limited until {clock_text(retry_at, now=now)}{clamp}", http_status=429,
                         reason=reason)
        self.retry_at = retry_at


class QuotaExceeded(RateLimited):
    """HTTP 429 with reason QUOTA_EXCEEDED: the app's request quota is used up."""

    def __init__(self, retry_at: float, *, now: float | None = None, clamp: str = ""):
        super().__init__(retry_at, reason="QUOTA_EXCEEDED", now=now, clamp=clamp)
        self.status = (f"Spotify quota exceeded (QUOTA_EXCEEDED: the app used up its request quota); "
                       f"waiting until {clock_text(retry_at, now=now)}{clamp}")
        self.args = (self.status,)


class NotPremium(SpotifyError):
    def __init__(self, message: str = ""):
        super().__init__("Spotify refused playback control: the account owner needs Spotify Premium"
                         + (f" ({message})" if message else ""), http_status=403, reason="PREMIUM_REQUIRED")


class Forbidden(SpotifyError):
    def __init__(self, message: str, reason: str | None = None):
        super().__init__(f"Spotify refused the request (403): {message}", http_status=403, reason=reason)


class SpeakerMissing(SpotifyError):
    """The configured speaker is not in the device list (asleep, switched off or logged out)."""

    def __init__(self, name: str, available: list[str] | None = None, retry_at: float | None = None):
        seen = ", ".join(available) if available else "none"
        text = f"speaker {name!r} not found among Spotify Connect devices (asleep or not logged in; seen: {seen})"
        if retry_at is not None:
            text += f"; next try at {clock_text(retry_at)}"
        super().__init__(text, http_status=404)
        self.name = name
        self.available = available
        self.retry_at = retry_at


class SpeakerAmbiguous(SpotifyError):
    def __init__(self, name: str, matches: list[str]):
        super().__init__(f"speaker name {name!r} matches several devices ({', '.join(matches)}): "
                         f"set spotify.speaker to the full name")


class DeviceRestricted(SpotifyError):
    def __init__(self, name: str):
        super().__init__(f"speaker {name!r} is restricted: it accepts no Web API commands", http_status=403,
                         reason="DEVICE_NOT_CONTROLLABLE")


class DeviceNotFound(SpotifyError):
    """HTTP 404 "Device not found": the speaker vanished between listing and the command."""

    def __init__(self, message: str = "Device not found"):
        super().__init__(f"Spotify says the speaker is gone (404: {message})", http_status=404)


class NoActiveDevice(SpotifyError):
    def __init__(self, message: str = ""):
        super().__init__("no active Spotify device (NO_ACTIVE_DEVICE)" + (f": {message}" if message else ""),
                         http_status=404, reason="NO_ACTIVE_DEVICE")


class ServerError(SpotifyError):
    def __init__(self, http_status: int, message: str = ""):
        super().__init__(f"Spotify server error {http_status}" + (f": {message}" if message else "")
                         + "; will retry", http_status=http_status)


class Timeout(SpotifyError):
    def __init__(self, seconds: float):
        super().__init__(f"Spotify did not answer within {seconds:g} s; will retry")


class NetworkError(SpotifyError):
    def __init__(self, detail: str):
        super().__init__(f"cannot reach Spotify: {detail}")


class BadAnswer(SpotifyError):
    """An answer that is not what the Web API documents (a proxy or captive portal, an API change)."""

    def __init__(self, what: str):
        super().__init__(f"Spotify sent an answer Mirrorball cannot read ({what}); will retry")


class ApiError(SpotifyError):
    """Any other refusal (400, 404 on a resource...)."""

    def __init__(self, http_status: int, message: str, reason: str | None = None):
        super().__init__(f"Spotify error {http_status}: {message}", http_status=http_status, reason=reason)
