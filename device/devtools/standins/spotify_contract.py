"""Checks traffic against the Spotify OpenAPI description in ../shared/specs: withdrawn operations, scopes, request
parameters and bodies, response bodies (where a field is marked deprecated, the check wants it absent)."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

SPEC_NAME = "specs/spotify-web-api.openapi.yml"
_METHODS = ("get", "put", "post", "delete", "patch")


def find_spec() -> Path | None:
    """The spec in $MIRRORBALL_SHARED or in ../shared beside the checkout; None when absent."""
    roots = []
    if os.environ.get("MIRRORBALL_SHARED"):
        roots.append(Path(os.environ["MIRRORBALL_SHARED"]))
    repo = Path(__file__).resolve().parents[3]
    roots += [repo.parent / "shared", repo / "shared"]
    for root in roots:
        if (root / SPEC_NAME).is_file():
            return root / SPEC_NAME
    return None


@lru_cache(maxsize=2)
def load_spec(path: str) -> dict:
    import yaml

    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


class SpotifySpec:
    """Operations (method + path template) of the Web API description, with their deprecation flags."""

    def __init__(self, path: str | Path):
        self.doc = load_spec(str(path))
        self.base = "/v1"
        self._ops = []
        for template, item in self.doc["paths"].items():
            pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
            for method in _METHODS:
                if method in item:
                    self._ops.append((pattern, template, method.upper(), item[method]))
        # literal paths before templated ones (/playlists/{id}/items must not shadow a literal path)
        self._ops.sort(key=lambda op: op[1].count("{"))

    def operation(self, method: str, path: str) -> tuple[str, dict] | None:
        """(path template, operation object) for a request such as ("GET", "/v1/me/player"), or None."""
        if path.startswith(self.base + "/"):
            path = path[len(self.base):]
        for pattern, template, m, op in self._ops:
            if m == method and pattern.match(path):
                return template, op
        return None

    def deprecated_operations(self) -> list[tuple[str, str]]:
        """(METHOD, path template) of every operation flagged deprecated."""
        return [(m, t) for _p, t, m, op in self._ops if op.get("deprecated")]

    def scopes(self, method: str, path: str) -> tuple[str, ...]:
        """The OAuth scopes the operation's security lists."""
        found = self.operation(method, path)
        security = (found[1].get("security") if found else None) or []
        return tuple(s for entry in security for s in entry.get("oauth_2_0", []))

    def deprecated_calls(self, request_log: list[str]) -> list[str]:
        """Entries ("METHOD /v1/path") that call an operation flagged deprecated, or one the spec lacks."""
        bad = []
        for entry in request_log:
            method, _, path = entry.partition(" ")
            found = self.operation(method, path.split("?", 1)[0])
            if found is None:
                bad.append(f"{entry} (not in the API description)")
            elif found[1].get("deprecated"):
                bad.append(f"{entry} (deprecated: {found[1].get('operationId')})")
        return bad

    # ------------------------------------------------------------ requests

    def check_request(self, method: str, path: str, query: dict[str, str], body=None) -> list[str]:
        """Problems of one request's query parameters and JSON body against the operation's declaration."""
        import jsonschema

        found = self.operation(method, path)
        if found is None:
            return [f"{method} {path}: not in the API description"]
        problems = []
        declared = [self._deref(p) for p in found[1].get("parameters", [])]
        for param in declared:
            if param.get("in") != "query":
                continue
            name, schema = param["name"], self.to_jsonschema(param.get("schema", {}))
            if name not in query:
                if param.get("required"):
                    problems.append(f"{method} {path}: required parameter {name} is missing")
                continue
            value = _coerce(query[name], schema)
            for error in jsonschema.Draft7Validator(schema).iter_errors(value):
                problems.append(f"{method} {path}: parameter {name}={query[name]!r}: {error.message}")
        known = {p["name"] for p in declared if p.get("in") == "query"}
        problems += [f"{method} {path}: undeclared parameter {k}" for k in query if k not in known]
        content = (self._deref(found[1].get("requestBody") or {}).get("content") or {}).get("application/json")
        if body is not None:
            if not content or "schema" not in content:
                problems.append(f"{method} {path}: a body where the API declares none")
            else:
                schema = self.to_jsonschema(content["schema"])
                problems += [f"{method} {path}: body {'/'.join(map(str, e.absolute_path))}: {e.message}"
                             for e in jsonschema.Draft7Validator(schema).iter_errors(body)]
        return problems

    # ------------------------------------------------------------ response bodies

    def response_schema(self, method: str, path: str, status: int) -> dict | None:
        """The JSON schema (converted from OpenAPI 3.0) of the response body, or None when none is declared."""
        found = self.operation(method, path)
        if found is None:
            return None
        responses = found[1].get("responses", {})
        resp = responses.get(str(status))
        if resp is None and status >= 400:  # undeclared error statuses share the documented error shape
            resp = self.doc["components"]["responses"]["Unauthorized"]
        if resp is None:
            return None
        resp = self._deref(resp)
        content = (resp.get("content") or {}).get("application/json")
        if not content or "schema" not in content:
            return None
        return self.to_jsonschema(content["schema"])

    def _deref(self, node: dict) -> dict:
        while isinstance(node, dict) and "$ref" in node:
            node = self._lookup(node["$ref"])
        return node

    def _lookup(self, ref: str) -> dict:
        assert ref.startswith("#/"), ref
        node = self.doc
        for part in ref[2:].split("/"):
            node = node[part]
        return node

    def to_jsonschema(self, node, _depth: int = 0):
        """Inline $refs and translate OpenAPI 3.0 specifics (nullable, discriminated oneOf) to JSON Schema."""
        if _depth > 40:
            return {}
        if isinstance(node, list):
            return [self.to_jsonschema(n, _depth + 1) for n in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return self.to_jsonschema(self._lookup(node["$ref"]), _depth + 1)
        withdrawn = self._deprecated_properties(node)
        out = {}
        for key, value in node.items():
            if key in ("example", "examples", "description", "title", "discriminator", "deprecated", "format",
                       "nullable") or key.startswith("x-"):
                continue
            if key == "properties":  # a field marked deprecated is no longer returned: it must be absent
                out[key] = {k: (False if isinstance(v, dict) and v.get("deprecated") else
                                self.to_jsonschema(v, _depth + 1)) for k, v in value.items()}
            elif key == "required":
                out[key] = [k for k in value if k not in withdrawn]
            elif key == "oneOf" and "discriminator" in node:
                out["anyOf"] = self.to_jsonschema(value, _depth + 1)
            else:
                out[key] = self.to_jsonschema(value, _depth + 1)
        if node.get("nullable"):
            return {"anyOf": [out, {"type": "null"}]}
        return out

    def _deprecated_properties(self, node: dict, _depth: int = 0) -> set[str]:
        """Names of the properties marked deprecated in an object schema and the allOf parts it is made of."""
        node = self._deref(node)
        if not isinstance(node, dict) or _depth > 10:
            return set()
        names = {k for k, v in (node.get("properties") or {}).items() if isinstance(v, dict) and v.get("deprecated")}
        for part in node.get("allOf") or []:
            names |= self._deprecated_properties(part, _depth + 1)
        return names

    def validate(self, method: str, path: str, status: int, body) -> list[str]:
        """Problems of one response body against its declared schema ([] when it conforms)."""
        import jsonschema

        schema = self.response_schema(method, path, status)
        if schema is None:
            return [] if body is None else [f"{method} {path} {status}: a body where the API declares none"]
        if body is None:
            return [f"{method} {path} {status}: no body where the API declares one"]
        validator = jsonschema.Draft7Validator(schema)
        return [f"{method} {path} {status}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in validator.iter_errors(body)]


def _coerce(text: str, schema: dict):
    """A query string value as the type its schema declares (integers, booleans, comma-separated arrays)."""
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return text
    if kind == "boolean":
        return {"true": True, "false": False}.get(text, text)
    if kind == "array":
        return [_coerce(part, schema.get("items", {})) for part in text.split(",")]
    return text
