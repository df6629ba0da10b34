"""What every part of the Spotify stand-in answers with: Spotify's error shape, paging objects, faults, the rate limit."""

from __future__ import annotations

import math
import re
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlencode

Answer = tuple  # (status, body) or (status, headers, body)


def err(status: int, message: str, reason: str | None = None) -> tuple[int, dict]:
    """Spotify's error object: {"error": {"status", "message"[, "reason"]}}."""
    error: dict = {"status": status, "message": message}
    if reason:
        error["reason"] = reason
    return status, {"error": error}


def default_message(status: int) -> str:
    return {400: "Bad request", 401: "The access token expired", 403: "Forbidden", 404: "Not found",
            429: "API rate limit exceeded", 500: "Server error", 502: "Bad gateway",
            503: "Service unavailable"}.get(status, "Error")


def paging_params(q: dict, *, default: int, maximum: int, minimum: int = 1,
                  max_offset: int | None = None) -> tuple[int, int] | tuple[int, dict]:
    """(limit, offset) from a query, or an error answer (400) when either is out of the documented range."""
    try:
        limit = int(q.get("limit", default))
        offset = int(q.get("offset", 0))
    except ValueError:
        return err(400, "Invalid limit or offset")
    if not minimum <= limit <= maximum:
        return err(400, "Invalid limit")
    if offset < 0 or (max_offset is not None and offset > max_offset):
        return err(400, "Invalid offset")
    return limit, offset


def page(base_url: str, items: list, q: dict, limit: int, offset: int) -> dict:
    """A paging object of `items` (all matches) for [offset, offset + limit), with next/previous links."""
    extra = {k: v for k, v in q.items() if k not in ("limit", "offset")}

    def link(off: int) -> str:
        return f"{base_url}?{urlencode({**extra, 'offset': off, 'limit': limit})}"

    return {"href": link(offset), "items": items[offset:offset + limit], "limit": limit,
            "next": link(offset + limit) if offset + limit < len(items) else None, "offset": offset,
            "previous": link(max(0, offset - limit)) if offset > 0 else None, "total": len(items)}


@dataclass
class Fault:
    """Answer matching requests with an error (or just slow them down): used `times` times (None: forever)."""

    method: str
    path: str  # a regular expression matched against the whole path, e.g. r"/v1/me/player/play"
    status: int | None = None  # None: no error (latency or drop_device only)
    message: str = ""
    reason: str | None = None
    retry_after: float | None = None
    latency: float = 0.0
    drop_device: str | None = None  # this device falls asleep (vanishes from the list) on the matching request
    times: int | None = 1
    oauth: bool = False  # an OAuth-style error body ({"error": "...", "error_description": "..."})

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and re.fullmatch(self.path, path) is not None


@dataclass
class Exchange:
    method: str
    path: str
    query: dict
    status: int
    body: object  # parsed JSON or None
    sent: object = None  # the request's JSON body, if any


@dataclass(frozen=True)
class RateLimit:
    """Spotify's limit: at most `requests` Web API calls per app in any rolling `window_s` seconds. The budget is
    not published; 100 per 30 s is well above what a client that polls every few seconds and makes a dozen catalog
    requests per decision uses, and well below a client that pages through search results."""

    requests: int = 100
    window_s: float = 30.0


class RateLimiter:
    """A rolling window over admitted requests; a refused request does not count (it never reached the API)."""

    def __init__(self, limit: RateLimit | None):
        self.limit = limit
        self._times: deque[float] = deque()
        self.refused = 0

    def admit(self, now: float) -> int | None:
        """None when the request may pass, else the Retry-After in whole seconds (at least 1)."""
        if self.limit is None:
            return None
        while self._times and self._times[0] <= now - self.limit.window_s:
            self._times.popleft()
        if len(self._times) >= self.limit.requests:
            self.refused += 1
            return max(1, math.ceil(self._times[0] + self.limit.window_s - now))
        self._times.append(now)
        return None
