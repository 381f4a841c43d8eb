"""YAML at the node level.

We read YAML with `yaml.compose_all` rather than constructing Python objects, because Connect
stores every value as a string and users expect the text they wrote: `0755`, `1.50` and `on`
must reach the worker as written, not as 493, 1.5 and True. Nodes also carry positions, and
let us reject duplicate keys that PyYAML would drop.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from kconnect.diagnostics import Location
from kconnect.manifests.collector import Collector
from kconnect.manifests.text import line_and_column

if TYPE_CHECKING:
    import yaml

NULL_TAG = "tag:yaml.org,2002:null"


def is_resource(node: yaml.Node) -> bool:
    """A Kubernetes resource (apiVersion/kind) rather than a kconnect manifest (name/config)."""
    from kconnect.pyyaml import yaml

    if not isinstance(node, yaml.MappingNode):
        return False
    keys = {k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    return bool(keys & {"apiVersion", "kind"}) and not keys & {"name", "config"}


def compose_documents(text: str, display: str, collector: Collector) -> list[yaml.Node]:
    """The non-empty documents of `text`; [] (with a problem recorded) when there are none."""
    from kconnect.pyyaml import yaml

    documents: list[yaml.Node] = []
    try:
        for node in yaml.compose_all(text, Loader=_loader()):
            documents.append(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
        if line > last_line:
            # The problem was found at the end of the stream, past the last line (an unclosed
            # `[` or quote): report where the unfinished construct starts, else the last line.
            context = exc.context_mark
            line = context.line + 1 if context and context.line + 1 <= last_line else last_line
        detail = " ".join(p for p in (exc.context, exc.problem) if p)
        lines = text.splitlines()[mark.line : mark.line + 1] if mark else []
        if mark and lines and "\t" in lines[0][: mark.column + 1]:
            detail += " (YAML indents with spaces; this line holds a tab)"
        collector.add("manifest/yaml", f"invalid YAML: {detail}", Location(display, line))
        return []
    except yaml.reader.ReaderError as exc:
        line, column = line_and_column(text, exc.position)
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        collector.add(
            "manifest/yaml",
            f"invalid YAML: character U+{code:04X} at column {column} is not allowed "
            f"({exc.reason})",
            Location(display, line),
        )
        return []
    except yaml.YAMLError as exc:
        collector.add("manifest/yaml", f"invalid YAML: {exc}", Location(display, 0))
        return []
    non_empty = [d for d in documents if not is_null(d)]
    if not non_empty:
        collector.add("manifest/empty", "file holds no manifest", Location(display, 1))
    sizes = [_check_tags(document, display, collector) for document in non_empty]
    limit = expansion_limit(len(text))
    return [
        document
        for document, size in zip(non_empty, sizes, strict=True)
        # Without aliases a document is as large as written: the tag walk measured it.
        if (size is not None and size <= limit)
        or _expansion_bounded(document, len(text), display, collector)
    ]


# Plain scalars resolve by their text alone (the safe loader has no path resolvers): keys and
# values repeat across thousands of manifests, so each text is resolved once. Short ones only,
# and a bounded number of them.
_RESOLVED_LIMIT = 4096
_RESOLVED_TEXT = 64


@functools.cache
def _loader() -> type[yaml.SafeLoader]:
    """The C loader where PyYAML has it (marks, hence line numbers, are the same), with plain
    scalars' tags remembered."""
    from kconnect.pyyaml import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    resolved: dict[str, str] = {}

    class Loader(base):  # type: ignore[valid-type,misc]
        def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> Any:
            if (
                kind is not yaml.ScalarNode
                or not implicit[0]
                or self.yaml_path_resolvers
                or len(value) > _RESOLVED_TEXT
            ):
                return super().resolve(kind, value, implicit)
            tag = resolved.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(resolved) >= _RESOLVED_LIMIT:
                    resolved.clear()
                resolved[value] = tag
            return tag

    return Loader


# Aliases share nodes, so composing is cheap; what reads the values (list joins, checks, the
# request body) expands them. A document may grow by reuse, not explode (billion laughs).
EXPANSION_FACTOR = 10
EXPANSION_FLOOR = 1 << 20


def expansion_limit(text_size: int) -> int:
    """How large (in characters) a document of a file of `text_size` may expand to: at most
    EXPANSION_FACTOR times the file's size, and never less than EXPANSION_FLOOR."""
    return max(EXPANSION_FACTOR * text_size, EXPANSION_FLOOR)


def _expansion_bounded(root: yaml.Node, text_size: int, display: str, collector: Collector) -> bool:
    """False (with a problem recorded) when aliases expand `root` past `expansion_limit`."""
    from kconnect.pyyaml import yaml

    limit = expansion_limit(text_size)
    sizes: dict[int, int] = {}
    references: dict[int, int] = {}
    nodes: dict[int, yaml.Node] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # iterative post-order: nesting depth cannot exhaust Python's stack
        node, children_done = stack.pop()
        key = id(node)
        if not children_done:
            references[key] = references.get(key, 0) + 1
            if key in nodes:
                continue
            nodes[key] = node
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = len(node.value) + 1
            continue
        children = (
            [n for pair in node.value for n in pair]
            if isinstance(node, yaml.MappingNode)
            else list(node.value)
        )
        if not children_done:
            stack.append((node, True))
            stack.extend((child, False) for child in children)
            continue
        sizes[key] = 1 + sum(sizes[id(child)] for child in children)
    size = sizes[id(root)]
    if size <= limit:
        return True
    repeated = max(
        (k for k, n in references.items() if n > 1),
        key=lambda k: sizes[k] * references[k],
        default=id(root),
    )
    anchor = nodes[repeated]
    collector.add(
        "manifest/yaml",
        f"YAML aliases expand this document to over {_megabytes(size)} (limit "
        f"{_megabytes(limit)}): the value at line {anchor.start_mark.line + 1} is repeated "
        f"{references[repeated]} times; write the values out instead of repeating an anchor",
        loc(display, root),
    )
    return False


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):.1f} MB"


# Tags a manifest may carry, explicitly or as YAML resolves them: Connect configs are
# strings, so any other tag (`!!python/object/apply`, `!!binary`, `!foo`, a `%TAG` prefix)
# asks for a meaning kconnect would silently drop.
_CORE = "tag:yaml.org,2002:"
ALLOWED_TAGS = frozenset(
    _CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
)


def _shown_tag(tag: str) -> str:
    if tag.startswith(_CORE):
        return "!!" + tag.removeprefix(_CORE)
    return tag if tag.startswith("!") else f"!<{tag}>"


def _check_tags(root: yaml.Node, display: str, collector: Collector) -> int | None:
    """Record a problem for each tag a manifest may not carry. Returns the document's size
    as `_expansion_bounded` counts it when no node is reached twice (no alias), else None."""
    from kconnect.pyyaml import yaml

    scalar, mapping, sequence = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode
    stack, seen = [root], set()
    size: int | None = 0
    while stack:
        node = stack.pop()
        if id(node) in seen:  # aliases share nodes: visit each once (alias bombs stay cheap)
            size = None
            continue
        seen.add(id(node))
        if size is not None:
            size += len(node.value) + 1 if isinstance(node, scalar) else 1
        if node.tag not in ALLOWED_TAGS:
            if node.tag == _CORE + "merge":
                message = "merge keys ('<<') are not supported; write each key out"
            else:
                message = (
                    f"YAML tag {_shown_tag(node.tag)} is not allowed: manifests hold plain "
                    "strings, lists and mappings"
                )
            collector.add("manifest/yaml-tag", message, loc(display, node))
        if isinstance(node, scalar):
            continue
        if isinstance(node, mapping):
            for key, value in node.value:
                stack += (value, key)
        elif isinstance(node, sequence):
            stack.extend(node.value)
    return size


def is_null(node: yaml.Node) -> bool:
    from kconnect.pyyaml import yaml

    return isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG


def loc(display: str, node: yaml.Node) -> Location:
    return Location(display, node.start_mark.line + 1)


def mapping_items(
    node: yaml.MappingNode, display: str, collector: Collector, what: str
) -> list[tuple[str, yaml.Node, Location]]:
    """Key/value pairs of a mapping, rejecting non-scalar and duplicate keys."""
    from kconnect.pyyaml import yaml

    seen: dict[str, Location] = {}
    items: list[tuple[str, yaml.Node, Location]] = []
    for key_node, value_node in node.value:
        where = loc(display, key_node)
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == NULL_TAG:
            collector.add("manifest/key", f"{what} keys must be plain strings", where)
            continue
        if key_node.tag == _CORE + "merge":
            continue  # reported by the tag check; its value is not a config entry
        key = key_node.value
        if key in seen:
            collector.add(
                "manifest/duplicate-key",
                f"duplicate key {key!r} in {what} (first at line {seen[key].line})",
                where,
            )
            continue
        seen[key] = where
        items.append((key, value_node, where))
    return items


def sequence_items(
    key: str, node: yaml.SequenceNode, display: str, collector: Collector
) -> Iterable[str]:
    """The items of a list value, each one a plain value that survives the comma join."""
    from kconnect.pyyaml import yaml

    for number, item in enumerate(node.value, 1):
        if not isinstance(item, yaml.ScalarNode) or item.tag == NULL_TAG:
            collector.add(
                "manifest/value",
                f"{key}: list items must be plain values",
                loc(display, item),
            )
            continue
        # Connect reads a list back by splitting on commas, so an item holding a comma (or
        # an empty one) would not come back as the item written.
        if "," in item.value:
            collector.add(
                "manifest/value",
                # the item is named by its place, never quoted: the key may be a secret one
                f"{key}: list item {number} contains a comma, which joining the list "
                "with commas would make ambiguous; write the whole value as one string",
                loc(display, item),
            )
            continue
        if item.value == "":
            collector.add(
                "manifest/value", f"{key}: list items must not be empty", loc(display, item)
            )
            continue
        yield item.value
