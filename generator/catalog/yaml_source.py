"""Safe YAML reading that remembers where every value came from.

Contributors' YAML is untrusted: we only use PyYAML's safe constructors, refuse aliases (which
also rules out "billion laughs" expansion and merge keys), duplicate keys, huge files and deep
nesting, and keep a map from each value's path (``("tasks", 2)``) to its line so that schema
errors can say ``model_cards/x.yaml:12``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

MAX_BYTES = 1_000_000
MAX_DEPTH = 32

Path_ = tuple[Any, ...]


class YamlProblem(Exception):
    def __init__(self, line: int | None, message: str):
        self.line = line
        self.message = message
        super().__init__(message)


class _NoAliasLoader(yaml.SafeLoader):
    depth = 0

    def compose_node(self, parent, index):  # noqa: D401 - PyYAML hook
        """Refuse aliases, and nesting before it gets deep: the composer recurses once per level, so
        400 levels of ``[`` would otherwise end in a RecursionError naming no file."""
        event = self.peek_event()
        if self.check_event(AliasEvent):
            raise YamlProblem(event.start_mark.line + 1, "YAML aliases (*name) are not allowed; write the value out")
        if self.depth > MAX_DEPTH:
            raise YamlProblem(event.start_mark.line + 1, f"nesting deeper than {MAX_DEPTH} levels")
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


@dataclass
class YamlDocument:
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int | None:
        """The line of the deepest known prefix of ``path`` (a missing key points at its parent)."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def _check_events(text: str) -> None:
    """Refuse aliases and deep nesting from libyaml's event stream, before anything is composed."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, AliasEvent):
            raise YamlProblem(event.start_mark.line + 1, "YAML aliases (*name) are not allowed; write the value out")
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH + 1:
                raise YamlProblem(event.start_mark.line + 1, f"nesting deeper than {MAX_DEPTH} levels")
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def _compose(text: str):
    """The document's node tree. With libyaml (``yaml.__with_libyaml__``) the C parser composes it
    after an event scan has refused aliases and deep nesting: seven times faster than PyYAML's
    pure-Python composer, which is the fallback and refuses them as it goes."""
    if yaml.__with_libyaml__:
        _check_events(text)
        loader = yaml.CSafeLoader(text)
    else:
        loader = _NoAliasLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document into plain data plus a line map; raise YamlProblem on anything unsafe."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlProblem(None, f"file is larger than {MAX_BYTES:,} bytes")
    try:
        node = _compose(text)
        doc = YamlDocument(data=None)
        if node is not None:
            doc.data = _build(node, (), doc.lines, yaml.SafeLoader(""), 0)
        return doc
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise YamlProblem(mark.line + 1 if mark else None, f"invalid YAML: {e.problem or e}") from None
    except yaml.YAMLError as e:  # e.g. ReaderError: control characters
        raise YamlProblem(None, f"invalid YAML: {e}") from None
    except RecursionError:  # a last guard; compose_node stops nesting long before this
        raise YamlProblem(None, f"nesting deeper than {MAX_DEPTH} levels") from None


def _build(node, path: Path_, lines: dict, constructor, depth: int):
    if depth > MAX_DEPTH:
        raise YamlProblem(node.start_mark.line + 1, f"nesting deeper than {MAX_DEPTH} levels")
    lines[path] = node.start_mark.line + 1
    if isinstance(node, MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise YamlProblem(key_node.start_mark.line + 1, "mapping keys must be plain scalars")
            key = constructor.construct_object(key_node)
            if key == "<<" and key_node.tag.endswith(":merge"):
                raise YamlProblem(key_node.start_mark.line + 1, "YAML merge keys (<<) are not allowed")
            if isinstance(key, (dt.date, dt.datetime)):
                key = key.isoformat()
            if key in out:
                raise YamlProblem(key_node.start_mark.line + 1, f"duplicate key {key!r}")
            out[key] = _build(value_node, path + (key,), lines, constructor, depth + 1)
            lines[path + (key,)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, SequenceNode):
        return [_build(item, path + (i,), lines, constructor, depth + 1) for i, item in enumerate(node.value)]
    try:
        value = constructor.construct_object(node)
    except ValueError:  # a timestamp-shaped scalar that is no date (2020-13-45): the schema says why
        return node.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        raise YamlProblem(node.start_mark.line + 1, "binary values are not allowed")
    if isinstance(value, float) and not math.isfinite(value):
        raise YamlProblem(node.start_mark.line + 1, f"{node.value} is not a finite number (.nan and .inf are refused: "
                                                    "they make the site's JSON invalid)")
    return value


def read_yaml(path: Path) -> YamlDocument:
    """Read a file with the size check done before the whole file is in memory."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise YamlProblem(None, f"file is {size:,} bytes; the limit is {MAX_BYTES:,}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise YamlProblem(None, f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    return parse_yaml(text)
