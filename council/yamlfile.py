"""YAML files that people edit: loaded with the line of every key, so errors can say where to look."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml

from council.errors import InputError

KeyPath = tuple[str | int, ...]


def format_key_path(path: KeyPath) -> str:
    """('stages', 2, 'window', 'start') → 'stages[2].window.start'."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


@dataclass(frozen=True)
class YamlDocument:
    """Plain data (dicts, lists, scalars) and the 1-based line of every key path in it."""

    path: Path
    data: Any
    lines: Mapping[KeyPath, int]

    def line_of(self, key_path: KeyPath) -> int | None:
        """The line of `key_path`, or of its nearest ancestor that has one."""
        for end in range(len(key_path), -1, -1):
            line = self.lines.get(key_path[:end])
            if line is not None:
                return line
        return None

    def error(self, key_path: KeyPath, message: str) -> InputError:
        return InputError(f"{format_key_path(key_path)}: {message}", file=str(self.path), line=self.line_of(key_path))


def load_yaml(path: Path) -> YamlDocument:
    """Read a YAML file; a missing file or a syntax error is an InputError with the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text ({error.reason})", file=str(path)) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else None
        raise InputError(f"YAML syntax error: {error.problem}", file=str(path), line=line) from None
    lines: dict[KeyPath, int] = {}
    if node is not None:
        _collect_lines(node, (), lines)
    return YamlDocument(path=path, data=data, lines=lines)


def _collect_lines(node: yaml.Node, key_path: KeyPath, lines: dict[KeyPath, int]) -> None:
    lines.setdefault(key_path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*key_path, str(key_node.value))
            lines[child] = key_node.start_mark.line + 1
            _collect_lines(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(item, (*key_path, index), lines)


_Loaded = TypeVar("_Loaded")


def reloading(loader: Callable[[Path], _Loaded]) -> Callable[[Path], _Loaded]:
    """`loader`, cached per version of the file it reads (path, modification time, size): a file read many times
    per run (the cycle rules, the wording) is parsed once, and again only when someone edits it."""

    @lru_cache(maxsize=16)
    def cached(path: Path, _mtime_ns: int, _size: int) -> _Loaded:
        return loader(path)

    def load(path: Path) -> _Loaded:
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise InputError("file not found", file=str(path)) from None
        return cached(path, stat.st_mtime_ns, stat.st_size)

    return load
