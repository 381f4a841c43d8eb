"""Reading kconnect's own YAML files (`kconnect.yaml`, the contexts file) as nodes, with every
error at the file's own line: no tags, no aliases, one document."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kconnect.errors import KconnectError

if TYPE_CHECKING:
    import yaml

_CORE = "tag:yaml.org,2002:"
# What these files hold: strings, numbers, booleans, lists, mappings. Any other tag
# (`!!python/object/apply`, `!!binary`, `!foo`) asks for a meaning that would be read as
# plain data, as in manifests.
PLAIN_TAGS = frozenset(_CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq"))


def compose_one(text: str, display: str, what: str, error: type[KconnectError]) -> yaml.Node | None:
    """The one YAML document of `text` as nodes (None when empty). `error` (a message
    naming `display:line`) for invalid YAML, an alias or a tag; `what` names the file."""
    from kconnect.pyyaml import yaml

    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                # Its node would be reported at the anchor's line, a neighbouring one.
                line = event.start_mark.line + 1 if event.start_mark else 1
                raise error(
                    f"{display}:{line}: YAML aliases ('*{event.anchor}') are not allowed in "
                    f"{what}; write the value out"
                )
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or "not valid YAML"
        context = exc.context_mark
        if exc.context and context is not None and (mark is None or context.line != mark.line):
            problem += f" ({exc.context} at line {context.line + 1})"
        shown = text.splitlines()[mark.line : mark.line + 1] if mark is not None else []
        if mark is not None and shown and "\t" in shown[0][: mark.column + 1]:
            problem += " (YAML indents with spaces; this line holds a tab)"
        raise error(f"{display}:{line}: invalid YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise error(
            f"{display}:{line}: invalid YAML: character U+{code:04X} is not allowed"
        ) from None
    except yaml.YAMLError as exc:
        raise error(f"{display}: invalid YAML: {exc}") from None
    if root is not None:
        _check_tags(root, display, what, error)
    return root


def _check_tags(root: yaml.Node, display: str, what: str, error: type[KconnectError]) -> None:
    from kconnect.pyyaml import yaml

    stack = [root]
    while stack:
        node = stack.pop()
        if node.tag not in PLAIN_TAGS:
            tag = node.tag.replace(_CORE, "!!")
            raise error(
                f"{display}:{node.start_mark.line + 1}: YAML tag {tag} is not allowed in "
                f"{what}: it holds plain strings, numbers, lists and mappings"
            )
        if isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                stack.extend((value, key))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))


def decode(data: bytes, display: str, error: type[KconnectError]) -> str:
    """UTF-8 text (a UTF-8 byte-order mark allowed), or `error` at the line of the first byte
    that is not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(
            f"{display}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02X}); save the file as "
            "UTF-8"
        ) from None
