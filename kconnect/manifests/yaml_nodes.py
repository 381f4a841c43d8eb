"""YAML at the node level.

We read YAML with `yaml.compose_all` rather than constructing Python objects, because Connect
stores every value as a string and users expect the text they wrote: `0755`, `1.50` and `on`
must reach the worker as written, not as 493, 1.5 and True. Nodes also carry positions, and
let us reject duplicate keys that PyYAML would drop.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from kconnect.diagnostics import Location
from kconnect.manifests.collector import Collector

if TYPE_CHECKING:
    import yaml

NULL_TAG = "tag:yaml.org,2002:null"


def compose_documents(text: str, display: str, collector: Collector) -> list[yaml.Node]:
    """The non-empty documents of `text`; [] (with a problem recorded) when there are none."""
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    documents: list[yaml.Node] = []
    try:
        for node in yaml.compose_all(text, Loader=loader_cls):
            documents.append(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        detail = " ".join(p for p in (exc.context, exc.problem) if p)
        collector.add("manifest/yaml", f"invalid YAML: {detail}", Location(display, line))
        return []
    except yaml.YAMLError as exc:
        collector.add("manifest/yaml", f"invalid YAML: {exc}", Location(display, 0))
        return []
    non_empty = [d for d in documents if not is_null(d)]
    if not non_empty:
        collector.add("manifest/empty", "file holds no manifest", Location(display, 1))
    return non_empty


def is_null(node: yaml.Node) -> bool:
    import yaml

    return isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG


def loc(display: str, node: yaml.Node) -> Location:
    return Location(display, node.start_mark.line + 1)


def mapping_items(
    node: yaml.MappingNode, display: str, collector: Collector, what: str
) -> list[tuple[str, yaml.Node, Location]]:
    """Key/value pairs of a mapping, rejecting non-scalar and duplicate keys."""
    import yaml

    seen: dict[str, Location] = {}
    items: list[tuple[str, yaml.Node, Location]] = []
    for key_node, value_node in node.value:
        where = loc(display, key_node)
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == NULL_TAG:
            collector.add("manifest/key", f"{what} keys must be plain strings", where)
            continue
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
    import yaml

    for item in node.value:
        if not isinstance(item, yaml.ScalarNode) or item.tag == NULL_TAG:
            collector.add(
                "manifest/value",
                f"{key}: list items must be plain values",
                loc(display, item),
            )
            continue
        yield item.value
