"""The files people already have, read as manifests: Connect's own JSON (`{"name": …,
"config": {…}}`, as sent to `POST /connectors` with curl) and `.properties` files (`name=…`,
`connector.class=…`, as standalone Connect reads them).

Both become the same YAML nodes a kconnect manifest is read from, each key and value marked
with its own line, so every rule and every `file:line` message is the YAML one. `raw_connectors`
gives the values exactly as Connect would store them (no `${VAR}` interpolation), for
`kconnect convert`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from kconnect.diagnostics import Location
from kconnect.manifests.collector import Collector
from kconnect.records import record

if TYPE_CHECKING:
    import yaml

# The `format` of a saved plan (kconnect.planning.saved): written next to the manifests by
# `plan --out`, and read back by `apply --plan`, never as a manifest.
_SAVED_PLAN_FORMAT = "kconnect-plan"
_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"


# -- JSON ------------------------------------------------------------------------------------------


def json_documents(text: str, display: str, collector: Collector) -> list[yaml.Node]:
    """The manifests of a JSON file: one object, or an array of objects. The text must be
    JSON (checked with `json`, errors at their line); its nodes come from the YAML composer,
    which reads JSON and keeps the line of every key."""
    import json

    from kconnect.manifests.yaml_nodes import compose_documents

    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        collector.add("manifest/json", f"invalid JSON: {exc.msg}", Location(display, exc.lineno))
        return []
    if isinstance(value, dict) and value.get("format") == _SAVED_PLAN_FORMAT:
        collector.note(
            "manifest/skipped",
            "skipped a saved plan (`kconnect plan --out`), not a manifest",
            Location(display, 1),
        )
        return []
    if not isinstance(value, (dict, list)):
        collector.add(
            "manifest/json",
            'a JSON manifest is an object {"name": ..., "config": {...}} or an array of them',
            Location(display, 1),
        )
        return []
    # JSON allows tabs between tokens (YAML does not), and never inside a string.
    nodes = compose_documents(text.replace("\t", " "), display, collector)
    from kconnect.pyyaml import yaml

    documents: list[yaml.Node] = []
    for node in nodes:
        if isinstance(node, yaml.SequenceNode):
            documents.extend(node.value)
        else:
            documents.append(node)
    return documents


# -- .properties -----------------------------------------------------------------------------------


@record
class Property:
    key: str
    value: str
    line: int  # where the key starts (1-based)


def parse_properties(text: str, display: str, collector: Collector) -> list[Property]:
    """What `java.util.Properties.load` reads from `text` (the file's bytes as ISO-8859-1,
    `kconnect.manifests.text.properties_text`): a port of its LineReader and load0. Lines end
    at `\\n`, `\\r` or `\\r\\n` only; `#`/`!` comments; `key=value`, `key: value` or
    `key value`; a trailing odd backslash continues the line (the next one's leading blanks
    dropped); escapes `\\t \\n \\r \\f \\uXXXX`, any other escaped character standing
    for itself. A `\\uXXXX` pair of surrogates is one character; half a pair is an error
    (Java would keep it, but no UTF-8 text, so no request to Connect, can hold it)."""
    properties: list[Property] = []
    for start, logical in _logical_lines(text):
        key_raw, value_raw = _split(logical)
        try:
            key, value = _unescape(key_raw), _unescape(value_raw)
        except ValueError as exc:
            collector.add("manifest/properties", str(exc), Location(display, start))
            continue
        properties.append(Property(key, value, start))
    return properties


_BLANK = " \t\f"


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """`Properties.LineReader.readLine`: each logical line with the line it starts at."""
    i, n, line = 0, len(text), 1
    skip_lf = False
    while True:
        buf: list[str] = []
        skip_blank, appended, backslash = True, False, False
        start = line
        while True:
            if i >= n:
                if buf:
                    yield start, "".join(buf[:-1] if backslash else buf)
                return
            char = text[i]
            i += 1
            if char == "\r" or (char == "\n" and text[i - 2 : i - 1] != "\r"):
                line += 1
            if skip_lf:
                skip_lf = False
                if char == "\n":
                    continue
            if skip_blank:
                if char in _BLANK or (not appended and char in "\r\n"):
                    continue
                skip_blank = appended = False
            if not buf:
                if char in "#!":
                    # A comment runs to the end of its line, backslash or not.
                    while i < n and text[i] not in "\r\n":
                        i += 1
                    skip_blank = True
                    continue
                if char not in "\r\n":
                    start = line
            if char not in "\r\n":
                buf.append(char)
                backslash = not backslash if char == "\\" else False
            elif not buf:
                skip_blank = True
            elif backslash:
                buf.pop()
                skip_blank = appended = True
                backslash = False
                skip_lf = char == "\r"
            else:
                yield start, "".join(buf)
                break


def _split(line: str) -> tuple[str, str]:
    """`Properties.load0`: the key ends at the first unescaped `=`, `:` or blank; then
    blanks, at most one `=` or `:`, and blanks again."""
    i, escaped = 0, False
    while i < len(line):
        char = line[i]
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "=:" or char in _BLANK:
            break
        i += 1
    key, rest = line[:i], line[i:]
    rest = rest.lstrip(_BLANK)
    if rest[:1] in ("=", ":"):
        rest = rest[1:].lstrip(_BLANK)
    return key, rest


_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
_HEX = frozenset("0123456789abcdefABCDEF")


def _unescape(text: str) -> str:
    """`Properties.loadConvert`, a `\\uXXXX` surrogate pair joined into one character."""
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char != "\\" or i + 1 == len(text):
            out.append(char)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "u":
            digits = text[i + 2 : i + 6]
            if len(digits) != 4 or not _HEX.issuperset(digits):
                raise ValueError(f"malformed \\uXXXX escape: \\u{digits}")
            out.append(chr(int(digits, 16)))
            i += 6
            continue
        out.append(_ESCAPES.get(nxt, nxt))
        i += 2
    joined = "".join(out)
    try:
        return joined.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError as exc:
        half = joined.encode("utf-16-le", "surrogatepass")[exc.start : exc.start + 2]
        code = int.from_bytes(half, "little")
        raise ValueError(
            f"\\u{code:04X} is half of a surrogate pair (a character above U+FFFF is written "
            "as two escapes, e.g. \\uD83D\\uDE00); no UTF-8 text can hold it"
        ) from None


def properties_document(text: str, display: str, collector: Collector) -> yaml.Node | None:
    """A `.properties` file as the node of a manifest: `name` at the top, every other key
    in `config`, each at its own line. A key given twice is reported like a duplicate YAML
    key (Java would silently keep the last)."""
    from kconnect.pyyaml import yaml

    properties = parse_properties(text, display, collector)
    if not properties:
        collector.add("manifest/empty", "file holds no property", Location(display, 1))
        return None

    def mark(line: int) -> yaml.Mark:
        return yaml.Mark(display, 0, line - 1, 0, "", 0)

    def scalar(value: str, line: int) -> yaml.ScalarNode:
        return yaml.ScalarNode(_STR_TAG, value, mark(line), mark(line), style="'")

    top: list[tuple[yaml.Node, yaml.Node]] = []
    config: list[tuple[yaml.Node, yaml.Node]] = []
    for prop in properties:
        pair = (scalar(prop.key, prop.line), scalar(prop.value, prop.line))
        (top if prop.key == "name" else config).append(pair)
    first = properties[0].line
    config_node = yaml.MappingNode(_MAP_TAG, config, mark(first), mark(first))
    top.append((scalar("config", first), config_node))
    return yaml.MappingNode(_MAP_TAG, top, mark(first), mark(first))


# -- raw values, for `kconnect convert` -----------------------------------------------------------


@record
class RawConnector:
    """A connector as written in a JSON or .properties file: values exactly as Connect would
    store them (no interpolation)."""

    name: str
    config: dict[str, str]
    line: int


def raw_connectors(text: str, display: str, fmt: str, collector: Collector) -> list[RawConnector]:
    """The connectors of a JSON or .properties file, for conversion; problems recorded."""
    if fmt == "properties":
        props = parse_properties(text, display, collector)
        values = {p.key: p.value for p in props}
        name = values.pop("name", None)
        if not props:
            collector.add("manifest/empty", "file holds no property", Location(display, 1))
            return []
        if not name:
            collector.add(
                "manifest/name", "a .properties connector needs name=...", Location(display, 1)
            )
            return []
        return [RawConnector(name, values, props[0].line)]
    import json

    try:
        value = json.loads(text, parse_float=str, parse_int=str, parse_constant=str)
    except json.JSONDecodeError as exc:
        collector.add("manifest/json", f"invalid JSON: {exc.msg}", Location(display, exc.lineno))
        return []
    items = value if isinstance(value, list) else [value]
    found: list[RawConnector] = []
    for index, item in enumerate(items):
        where = Location(display, 1)
        if not isinstance(item, dict) or not isinstance(item.get("config"), dict):
            collector.add(
                "manifest/json",
                f'item {index + 1}: expected {{"name": ..., "config": {{...}}}}',
                where,
            )
            continue
        bad = [
            str(k) for k, v in item["config"].items() if v is None or isinstance(v, (dict, list))
        ]
        if bad:
            collector.add(
                "manifest/value",
                f"item {index + 1}: {', '.join(bad)}: a null, a list or an object is not a "
                "config value (Connect configs are flat key/value strings)",
                where,
            )
            continue
        config = {str(k): _json_text(v) for k, v in item["config"].items()}
        name = item.get("name", config.get("name"))
        if not isinstance(name, str) or not name:
            collector.add("manifest/name", f"item {index + 1}: no connector name", where)
            continue
        config.pop("name", None)
        found.append(RawConnector(name, config, 1))
    return found


def _json_text(value: Any) -> str:
    """What Connect stores for a JSON scalar in a config map: numbers as written (parsed as
    text), booleans as true/false."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)
