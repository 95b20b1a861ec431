"""YAML loading that remembers the line of every mapping, key and list item (for errors)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml


class RulePackError(ValueError):
    """A rule pack could not be loaded; str() is one sentence naming the file and line."""


class LineDict(dict):
    """A mapping from YAML with `line` (its own) and `lines[key]` (each value's line)."""

    line: int = 0
    lines: dict[str, int]


class LineList(list):
    """A sequence from YAML with `line` (its own) and `lines[i]` (each item's line)."""

    line: int = 0
    lines: list[int]


class _Loader(yaml.SafeLoader):
    pass


# YAML 1.1 reads yes/no/on/off as booleans; in a list of phrases "no" must stay a word.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = value_node.start_mark.line + 1
    return out


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(n, deep=True) for n in node.value)
    out.line = node.start_mark.line + 1
    out.lines = [n.start_mark.line + 1 for n in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def load_yaml(path: Path) -> Any:
    """Parse one YAML file; syntax errors become RulePackError naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulePackError(f"Cannot read rule pack {path}: {exc}.") from None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        # The context mark is where the broken construct opened (an unclosed "["); the
        # problem mark is where the parser gave up, often the end of the file.
        where = exc.context_mark or exc.problem_mark
        line = where.line + 1 if where else 0
        problem = exc.problem or "invalid YAML"
        if exc.context and exc.problem_mark and exc.context_mark:
            problem = f"{exc.context}: {problem} at line {exc.problem_mark.line + 1}"
        raise RulePackError(f"{path} line {line}: {problem}.") from None
    except yaml.YAMLError as exc:
        raise RulePackError(f"{path}: invalid YAML ({exc}).") from None
