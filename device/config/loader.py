"""Reads the YAML config into the typed schema, reporting every problem with file:line:column and key path."""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

import yaml

from device.config.schema import REMOVED_SETTINGS, Config

_MISSING = object()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config file."""

    file: str
    line: int  # 1-based; 0 when unknown
    column: int  # 1-based; 0 when unknown
    path: str  # key path, e.g. weather.latitude or music.rules[2].when.groups[0]
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ConfigError(Exception):
    """The config file is unusable; `problems` lists every reason, one per line in str()."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_config(path: str | Path) -> Config:
    """Read and validate the config file at `path`. Raises ConfigError listing every problem."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([Problem(name, 0, 0, "", "file not found")]) from None
    except PermissionError:
        raise ConfigError([Problem(name, 0, 0, "", "permission denied (is it readable by the mirrorball user?)")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(name, 0, 0, "", f"cannot read: {exc}")]) from None
    return parse_config(text, name)


def parse_config(text: str, filename: str = "<config>") -> Config:
    """Validate YAML text against the schema. Raises ConfigError listing every problem."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.context and exc.problem:
            message += f" ({exc.context})"
        raise ConfigError([Problem(filename, mark.line + 1 if mark else 0, mark.column + 1 if mark else 0, "", message)]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(filename, 0, 0, "", f"YAML error: {exc}")]) from None
    validator = _Validator(filename)
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"):
        config = Config()
    else:
        config = validator.build(Config, node, "")
    from device.config.checks import cross_checks

    reported = [p.path for p in validator.problems]
    for key_path, message in cross_checks(config):
        # A key that already failed holds its default now; a cross-check on it would only add noise.
        if any(key_path.startswith(r) or r.startswith(key_path) for r in reported):
            continue
        validator.add(validator.node_at(node, key_path) if node is not None else None, key_path, message)
    if validator.problems:
        raise ConfigError(sorted(validator.problems, key=lambda p: (p.line, p.column)))
    return config


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return str(value)


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if tp is bool:
        return "true or false"
    if tp is int:
        return "a whole number"
    if tp is float:
        return "a number"
    if tp is str:
        return "a string"
    if origin is Literal:
        return "one of " + ", ".join(str(a) for a in get_args(tp))
    if origin in (list, tuple):
        return "a list"
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    if origin in (typing.Union, types.UnionType):
        parts = [a for a in get_args(tp) if a is not type(None)]
        return " or ".join(_type_name(a) for a in parts)
    return getattr(tp, "__name__", str(tp))


class _Validator:
    def __init__(self, filename: str):
        self.filename = filename
        self.problems: list[Problem] = []
        self._hints: dict[type, dict[str, Any]] = {}

    def add(self, node: yaml.Node | None, path: str, message: str) -> None:
        line, col = (node.start_mark.line + 1, node.start_mark.column + 1) if node is not None else (0, 0)
        self.problems.append(Problem(self.filename, line, col, path, message))

    def hints(self, cls: type) -> dict[str, Any]:
        if cls not in self._hints:
            self._hints[cls] = get_type_hints(cls)
        return self._hints[cls]

    # -------------------------------------------------------------- structure

    def build(self, cls: type, node: yaml.Node, path: str) -> Any:
        if not isinstance(node, yaml.MappingNode):
            if _is_null(node):
                return cls()
            self.add(node, path or "(top level)", f"must be a mapping of keys, got {_describe(self.scalar(node))}")
            return cls()
        fields = {f.name: f for f in dataclasses.fields(cls)}
        hints = self.hints(cls)
        values: dict[str, Any] = {}
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self.scalar(key_node)
            key_path = f"{path}.{key}" if path else str(key)
            if not isinstance(key, str):
                self.add(key_node, key_path, "keys must be names")
                continue
            if key in seen:
                self.add(key_node, key_path, f"given twice (first on line {seen[key].start_mark.line + 1})")
                continue
            seen[key] = key_node
            if key in REMOVED_SETTINGS.get(cls.__name__, {}):
                self.add(key_node, key_path, f"setting {key!r} {REMOVED_SETTINGS[cls.__name__][key]}")
                continue
            if key not in fields:
                close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(fields)}"
                self.add(key_node, key_path, f"unknown key{hint}")
                continue
            f = fields[key]
            value = self.value(hints[key], value_node, key_path, f.metadata)
            if value is not _MISSING:
                values[key] = value
        try:
            return cls(**values)
        except TypeError as exc:  # pragma: no cover - schema bug, not a user error
            self.add(node, path, f"internal schema error: {exc}")
            return cls()

    def value(self, tp: Any, node: yaml.Node, path: str, meta: typing.Mapping[str, Any]) -> Any:
        origin = get_origin(tp)
        if origin in (typing.Union, types.UnionType):
            options = get_args(tp)
            if _is_null(node):
                if type(None) in options:
                    return None
                self.add(node, path, f"must be {_type_name(tp)}, got nothing (null)")
                return _MISSING
            options = [o for o in options if o is not type(None)]
            if len(options) == 1:
                return self.value(options[0], node, path, meta)
            for option in options:  # e.g. int | str: take the first that fits without error
                probe = _Validator(self.filename)
                result = probe.value(option, node, path, meta)
                if not probe.problems:
                    return result
            self.add(node, path, f"must be {_type_name(tp)}, got {_describe(self.scalar(node))}")
            return _MISSING
        if dataclasses.is_dataclass(tp):
            return self.build(tp, node, path)
        if origin is list:
            (item_tp,) = get_args(tp)
            if not isinstance(node, yaml.SequenceNode):
                if _is_null(node):
                    return []
                self.add(node, path, f"must be a list, got {_describe(self.scalar(node))}")
                return _MISSING
            items = []
            for i, item_node in enumerate(node.value):
                item = self.value(item_tp, item_node, f"{path}[{i}]", meta)
                if item is not _MISSING:
                    items.append(item)
            return items
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            kind = "a mapping" if isinstance(node, yaml.MappingNode) else "a list"
            self.add(node, path, f"must be {_type_name(tp)}, got {kind}")
            return _MISSING
        raw = self.scalar(node)
        return self.scalar_value(tp, raw, node, path, meta)

    def scalar_value(self, tp: Any, raw: Any, node: yaml.Node, path: str, meta: typing.Mapping[str, Any]) -> Any:
        origin = get_origin(tp)
        if origin is Literal:
            choices = get_args(tp)
            if raw in choices and type(raw) is type(next(c for c in choices if c == raw)):
                return raw
            close = difflib.get_close_matches(str(raw), [str(c) for c in choices], n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            self.add(node, path, f"must be one of {', '.join(str(c) for c in choices)}, got {_describe(raw)}{hint}")
            return _MISSING
        if tp is bool:
            if isinstance(raw, bool):
                return raw
            self.add(node, path, f"must be true or false, got {_describe(raw)}")
            return _MISSING
        if tp is int:
            if isinstance(raw, int) and not isinstance(raw, bool):
                return self.in_range(raw, node, path, meta)
            if isinstance(raw, float) and raw.is_integer():
                return self.in_range(int(raw), node, path, meta)
            self.add(node, path, f"must be a whole number, got {_describe(raw)}")
            return _MISSING
        if tp is float:
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                if isinstance(raw, float) and not math.isfinite(raw):
                    self.add(node, path, f"must be a finite number, got {raw}")
                    return _MISSING
                return self.in_range(float(raw), node, path, meta)
            self.add(node, path, f"must be a number, got {_describe(raw)}")
            return _MISSING
        if tp is str:
            if isinstance(raw, str):
                check = meta.get("check")
                message = check(raw) if check else None
                if message:
                    self.add(node, path, message)
                    return _MISSING
                return raw
            self.add(node, path, f"must be a string, got {_describe(raw)} (put it in quotes)")
            return _MISSING
        self.add(node, path, f"unsupported type {tp!r}")  # pragma: no cover - schema bug
        return _MISSING

    def in_range(self, value: float, node: yaml.Node, path: str, meta: typing.Mapping[str, Any]) -> Any:
        lo, hi = meta.get("min"), meta.get("max")
        if lo is not None and hi is not None and not lo <= value <= hi:
            self.add(node, path, f"must be between {_num(lo)} and {_num(hi)}, got {_num(value)}")
            return _MISSING
        if lo is not None and value < lo:
            self.add(node, path, f"must be at least {_num(lo)}, got {_num(value)}")
            return _MISSING
        if hi is not None and value > hi:
            self.add(node, path, f"must be at most {_num(hi)}, got {_num(value)}")
            return _MISSING
        return value

    @staticmethod
    def scalar(node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            loader = yaml.SafeLoader("")
            try:
                return loader.construct_object(node, deep=True)
            except yaml.constructor.ConstructorError:
                return node.value
            finally:
                loader.dispose()
        if isinstance(node, yaml.SequenceNode):
            return []
        return {}

    def node_at(self, root: yaml.Node, key_path: str) -> yaml.Node | None:
        """The YAML node for a key path like music.rules[2].when (or its nearest existing parent)."""
        node = root
        for part in _split_path(key_path):
            if isinstance(part, int) and isinstance(node, yaml.SequenceNode) and part < len(node.value):
                node = node.value[part]
            elif isinstance(part, str) and isinstance(node, yaml.MappingNode):
                match = [v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part]
                if not match:
                    return node
                node = match[0]
            else:
                return node
        return node


def _split_path(key_path: str) -> list[str | int]:
    parts: list[str | int] = []
    for chunk in key_path.split("."):
        name, _, rest = chunk.partition("[")
        if name:
            parts.append(name)
        while rest:
            index, _, rest = rest.partition("]")
            parts.append(int(index))
            rest = rest[1:] if rest.startswith("[") else rest
    return parts


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
