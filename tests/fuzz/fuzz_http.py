"""Fuzzing helpers: JSON strategies and a requests adapter that answers every request with a given body."""

from __future__ import annotations

import json

import requests
from hypothesis import strategies as st
from requests.adapters import BaseAdapter

numbers = st.one_of(st.integers(-10**6, 10**6), st.integers(), st.floats(allow_nan=True, allow_infinity=True))
leaves = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=12))


def json_values(keys=()) -> st.SearchStrategy:
    """Any JSON value, with objects leaning on the given key names so that the parser's paths are reached."""
    names = st.sampled_from(list(keys)) | st.text(max_size=6) if keys else st.text(max_size=6)
    return st.recursive(leaves, lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(names, children, max_size=6)), max_leaves=30)


def objects(fields: dict, keys=()) -> st.SearchStrategy:
    """Objects with each of these fields present or not, each field from its strategy or any JSON value."""
    anything = json_values(keys)
    return st.fixed_dictionaries({}, optional={k: v | anything for k, v in fields.items()})


class Answer:
    """What the adapter answers: status, body (a JSON value, or raw bytes) and headers."""

    def __init__(self, status: int = 200, body=None, headers: dict | None = None, raw: bytes | None = None):
        self.status, self.body, self.headers, self.raw = status, body, headers or {}, raw

    def content(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return json.dumps(self.body).encode()  # NaN and Infinity as Python writes them, as some servers do


class FuzzAdapter(BaseAdapter):
    """A transport that never touches the network: every request gets `answer` (set it per example), or what
    `route(request)` returns when a route is set (an Answer, or None for `answer`)."""

    def __init__(self):
        super().__init__()
        self.answer = Answer()
        self.route = None
        self.sent = 0

    def send(self, request, **kwargs):
        self.sent += 1
        answer = (self.route(request) if self.route else None) or self.answer
        response = requests.Response()
        response.status_code = answer.status
        response._content = answer.content() if answer.status != 204 else b""
        response.headers["Content-Type"] = "application/json"
        response.headers.update(answer.headers)
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self):
        pass


def fuzz_session() -> tuple[requests.Session, FuzzAdapter]:
    session = requests.Session()
    adapter = FuzzAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session, adapter
