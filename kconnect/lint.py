"""Pipeline lint: problems that only show when manifests are read together.

`lint_pipeline` looks at every manifest at once: which Debezium MySQL/MariaDB source feeds
which sink, whether the topic names line up, whether keys, deletes and converters survive the
trip into Elasticsearch, and what sources must not share. Per-connector schema checks
(`kconnect.schemas.check_config`) are a separate layer; this module never repeats them — in
particular ``tasks.max`` on a binlog source is the schema's ``schema/range``.

Every rule has a stable slug id and one severity, listed in `RULES`; the README's table comes
from `rules_markdown()`. Each problem points at the key most to blame.

Topic matching is deliberately conservative: a sink is only reported as matching nothing when
every declared producer is a Debezium binlog source whose topic names kconnect can derive;
regexes are compared with `_regex_overlap`, which over-approximates (so it never claims "no
match" when one is possible, within the constructs it understands, and answers "maybe" for
the rest).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kconnect.diagnostics import Location, Problem, Severity
from kconnect.manifests.model import Manifest
from kconnect.output.redaction import is_config_reference, is_secret_key
from kconnect.schemas import password_keys

try:  # `re`'s own parser, to compare regexes; renamed in 3.11 (the old name warns)
    import re._parser as _sre  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre

MYSQL = "io.debezium.connector.mysql.MySqlConnector"
MARIADB = "io.debezium.connector.mariadb.MariaDbConnector"
BINLOG_CLASSES = frozenset({MYSQL, MARIADB})
ELASTICSEARCH = "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector"
JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"
KAFKA_HISTORY = "io.debezium.storage.kafka.history.KafkaSchemaHistory"
DEFAULT_NAMING = "io.debezium.schema.DefaultTopicNamingStrategy"
REGEX_ROUTER = "org.apache.kafka.connect.transforms.RegexRouter"
LOGICAL_ROUTER = "io.debezium.transforms.ByLogicalTableRouter"
EXTRACT_KEY = "org.apache.kafka.connect.transforms.ExtractField$Key"

# What lint assumes about the worker when neither the manifests nor `worker_defaults` say.
DEFAULT_WORKER: Mapping[str, str] = {
    "key.converter": JSON_CONVERTER,
    "value.converter": JSON_CONVERTER,
}


@dataclass(frozen=True)
class Rule:
    """One entry of the catalog: a stable id, its severity and a one-line fix."""

    id: str
    severity: Severity
    summary: str
    hint: str


_E, _W = Severity.ERROR, Severity.WARNING
_CATALOG = (
    # Per-connector schema checks (kconnect.schemas.check_config), listed for the README.
    Rule("schema/required", _E, "A key the connector requires is missing.", "Add the key."),
    Rule(
        "schema/type",
        _E,
        "A value is not of the key's type (integer, boolean).",
        "Write the value as the type says, e.g. `true`/`false` or digits.",
    ),
    Rule(
        "schema/enum",
        _E,
        "A value is not one of the allowed values (or was removed).",
        "Use one of the values listed in the message.",
    ),
    Rule(
        "schema/range",
        _E,
        "An integer is out of range; includes `tasks.max` > 1 on a Debezium binlog source.",
        "Use a value inside the range given in the message.",
    ),
    Rule(
        "schema/pattern",
        _E,
        "A value does not have the required form.",
        "See the message for the allowed form.",
    ),
    Rule(
        "schema/removed-key",
        _W,
        "A key renamed or removed upstream is no longer read.",
        "Use the replacement named in the message.",
    ),
    Rule("schema/invalid", _E, "Any other schema violation.", "See the message."),
    # Topics.
    Rule(
        "sink-topics-config",
        _E,
        "A sink sets both or neither of `topics` and `topics.regex`.",
        "Set exactly one of `topics` (a list) or `topics.regex`.",
    ),
    Rule(
        "topics-unmatched",
        _E,
        "A sink subscribes to topics no declared Debezium source produces.",
        "Debezium writes `<topic.prefix>.<database>.<table>` (after source RegexRouter SMTs); "
        "subscribe to those names.",
    ),
    Rule(
        "topics-regex-overmatch",
        _W,
        "A sink's `topics.regex` also matches a source's schema-change, heartbeat or "
        "transaction topic.",
        "Narrow the regex to `<prefix>\\.<db>\\..*`, or set `include.schema.changes=false`.",
    ),
    # Record shape into Elasticsearch.
    Rule(
        "envelope-not-unwrapped",
        _W,
        "Debezium change events reach Elasticsearch as the raw envelope "
        "(`before`/`after`/`source`/`op`).",
        "Add an `io.debezium.transforms.ExtractNewRecordState` transform to the source or "
        "(with schemas) the sink.",
    ),
    Rule(
        "es-struct-key",
        _E,
        "The Elasticsearch document id would be a Struct key: the sink fails with "
        "`STRUCT is not supported as the document id`.",
        "Add `org.apache.kafka.connect.transforms.ExtractField$Key` with `field: <pk column>` "
        "to the sink (key.ignore=true instead loses deletes).",
    ),
    Rule(
        "es-composite-key",
        _W,
        "`ExtractField$Key` keeps one column of a composite message key: distinct rows share "
        "a document id.",
        "Key on a single unique column (`message.key.columns`), or build a string id with an SMT.",
    ),
    # Deletes.
    Rule(
        "es-null-values-fail",
        _E,
        "Tombstones reach an Elasticsearch sink whose `behavior.on.null.values` is FAIL "
        "(the default): the task dies on the first delete.",
        "Set `behavior.on.null.values: delete` (or `ignore` to keep deleted documents).",
    ),
    Rule(
        "deletes-lost",
        _W,
        "Deletes in the database never remove documents in Elasticsearch.",
        "Keep `tombstones.on.delete=true`, `delete.tombstone.handling.mode=tombstone`, "
        "`behavior.on.null.values=delete`, `key.ignore=false` and no data streams.",
    ),
    Rule(
        "smt-removed-option",
        _W,
        "ExtractNewRecordState option removed in Debezium 3.2 (`drop.tombstones`, "
        "`delete.handling.mode`) is ignored.",
        "Use `delete.tombstone.handling.mode` (tombstone, drop, rewrite, "
        "rewrite-with-tombstone, delete-to-tombstone).",
    ),
    # Source identity.
    Rule(
        "server-id-conflict",
        _E,
        "Two MySQL/MariaDB connectors on the same server use the same `database.server.id`.",
        "Give each connector a unique `database.server.id` among the server's replicas and "
        "clients.",
    ),
    Rule(
        "server-id-offset-overlap",
        _W,
        "A `database.server.id` falls in another connector's parallel-snapshot id range "
        "(`id + database.server.id.offset`).",
        "Pick ids far apart, or change `database.server.id.offset`.",
    ),
    Rule(
        "history-topic-shared",
        _E,
        "Two connectors share a `schema.history.internal.kafka.topic` on the same Kafka cluster.",
        "Give each connector its own history topic (one partition, infinite retention).",
    ),
    Rule(
        "topic-prefix-shared",
        _E,
        "Two Debezium connectors share a `topic.prefix`.",
        "Give each connector a unique `topic.prefix` (and never change it after deploy).",
    ),
    # Converters.
    Rule(
        "converter-mismatch",
        _E,
        "The sink reads a topic with a different converter (or `schemas.enable`) than the "
        "source wrote it with.",
        "Use the same `key.converter`/`value.converter` and `*.schemas.enable` on both sides.",
    ),
    Rule(
        "converter-option-ignored",
        _W,
        "`<key|value>.converter.*` options are set without `<key|value>.converter`: Connect "
        "ignores them and uses the worker's converter settings.",
        "Also set `key.converter`/`value.converter` on the connector.",
    ),
    Rule(
        "es-schemaless-mapping",
        _E,
        "`schema.ignore=false` but the sink reads values without schemas: "
        "`Cannot infer mapping without schema`.",
        "Set `schema.ignore: true`, or use a schema-carrying converter "
        "(JSON with schemas, Avro, Protobuf).",
    ),
    Rule(
        "es-time-precision",
        _W,
        "Debezium time types (`time.precision.mode` other than connect) are not Connect "
        "logical types: Elasticsearch maps them as numbers.",
        "Set `time.precision.mode: connect` on the source, or `schema.ignore: true` with an "
        "index template.",
    ),
    # Secrets.
    Rule(
        "plaintext-secret",
        _W,
        "A password or other secret is written in plaintext; Connect shows it in "
        "`GET /connectors/<name>`.",
        "Use a ConfigProvider reference: `${env:VAR}` (Kafka 3.5+) or `${file:/path:key}`.",
    ),
    Rule(
        "unknown-config-provider",
        _E,
        "A `${provider:...}` reference names a provider the worker does not declare in "
        "`config.providers`.",
        "Declare the provider in the worker config, or fix the reference.",
    ),
    # Elasticsearch sink internals (its own Validator).
    Rule(
        "es-buffer-too-small",
        _E,
        "`max.buffered.records` is smaller than `batch.size` × `max.in.flight.requests`.",
        "Raise `max.buffered.records` or lower `batch.size`/`max.in.flight.requests`.",
    ),
    Rule(
        "es-credentials-pair",
        _E,
        "Only one of `connection.username` and `connection.password` is set.",
        "Set both, or neither.",
    ),
    Rule(
        "es-data-stream",
        _E,
        "Data stream settings conflict (type without dataset, UPSERT or deletes with data "
        "streams, timestamp field without data streams).",
        "Data streams are append-only: use `write.method=insert` and "
        "`behavior.on.null.values` ignore/fail, and set type and dataset together.",
    ),
    Rule(
        "es-ignore-conflict",
        _E,
        "`topic.key.ignore`/`topic.schema.ignore` are set while `key.ignore`/`schema.ignore` "
        "is true.",
        "Drop the per-topic list, or set the global flag to false.",
    ),
    # Snapshots.
    Rule(
        "snapshot-without-locks",
        _W,
        "`snapshot.locking.mode=none` with a snapshot that reads data: DDL during the "
        "snapshot can make it inconsistent.",
        "Keep the default `minimal`, or make sure no schema changes run during snapshots.",
    ),
)
RULES: Mapping[str, Rule] = {rule.id: rule for rule in _CATALOG}


def rules_markdown() -> str:
    """The catalog as a Markdown table (id, severity, summary, hint) for the README."""
    lines = ["| Rule | Severity | Summary | Fix |", "|---|---|---|---|"]
    for rule in _CATALOG:
        cells = (f"`{rule.id}`", rule.severity.value, rule.summary, rule.hint)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


# --- small readers -------------------------------------------------------------------------


def _bool(config: Mapping[str, str], key: str, default: bool) -> bool:
    value = config.get(key, "").strip().lower()
    return {"true": True, "false": False}.get(value, default)


def _int(config: Mapping[str, str], key: str, default: int | None = None) -> int | None:
    try:
        return int(config.get(key, "").strip())
    except ValueError:
        return default


def _lower(config: Mapping[str, str], key: str, default: str) -> str:
    return (config.get(key) or default).strip().lower()


def _split(value: str, sep: str = ",") -> list[str]:
    return [item.strip() for item in value.split(sep) if item.strip()]


def _is_sink(m: Manifest) -> bool:
    cls = m.connector_class
    simple = cls.rsplit(".", 1)[-1]
    return (
        cls == ELASTICSEARCH
        or "Sink" in simple
        or bool(m.config.get("topics", "").strip())
        or bool(m.config.get("topics.regex", "").strip())
    )


@dataclass(frozen=True)
class _Transform:
    alias: str
    type: str
    props: Mapping[str, str]

    def key(self, prop: str) -> str:
        return f"transforms.{self.alias}.{prop}"


def _transforms(m: Manifest) -> list[_Transform]:
    found = []
    for alias in _split(m.config.get("transforms", "")):
        prefix = f"transforms.{alias}."
        props = {k[len(prefix) :]: v for k, v in m.config.items() if k.startswith(prefix)}
        found.append(_Transform(alias, props.get("type", "").strip(), props))
    return found


def _is_unwrap(t: _Transform) -> bool:
    simple = t.type.rsplit(".", 1)[-1]
    return simple in ("ExtractNewRecordState", "ExtractNewDocumentState")


# Key SMTs that keep (or make) a Struct key; any other `…$Key` SMT is assumed to reduce it.
_NON_REDUCING_KEY_SMTS = frozenset(
    f"org.apache.kafka.connect.transforms.{name}$Key"
    for name in (
        "ReplaceField",
        "MaskField",
        "HoistField",
        "InsertField",
        "SetSchemaMetadata",
        "Flatten",
        "TimestampConverter",
        "Cast",
        "ValueToKey",
    )
) | {"org.apache.kafka.connect.transforms.ValueToKey"}


def _reduces_key(t: _Transform) -> bool:
    if t.type == EXTRACT_KEY:
        return True
    return t.type.endswith("$Key") and t.type not in _NON_REDUCING_KEY_SMTS


# --- regex overlap ---------------------------------------------------------------------------


class _Unsupported(Exception):
    """A regex construct the overlap check does not model; callers then assume a match."""


_MAX_STATES = 5000
_CATEGORIES: Mapping[str, tuple[Callable[[str], bool], bool]] = {
    "CATEGORY_DIGIT": (str.isdigit, False),
    "CATEGORY_NOT_DIGIT": (str.isdigit, True),
    "CATEGORY_WORD": (lambda c: c.isalnum() or c == "_", False),
    "CATEGORY_NOT_WORD": (lambda c: c.isalnum() or c == "_", True),
    "CATEGORY_SPACE": (str.isspace, False),
    "CATEGORY_NOT_SPACE": (str.isspace, True),
}


@dataclass(frozen=True)
class _CharSet:
    """One NFA transition label: literal chars, ranges and `\\d`-style categories."""

    chars: frozenset[str] = frozenset()
    ranges: tuple[tuple[str, str], ...] = ()
    categories: tuple[str, ...] = ()
    negate: bool = False
    icase: bool = False

    def _hit(self, c: str) -> bool:
        if c in self.chars or any(lo <= c <= hi for lo, hi in self.ranges):
            return True
        for name in self.categories:
            test, inverted = _CATEGORIES[name]
            if test(c) != inverted:
                return True
        return False

    def __call__(self, c: str) -> bool:
        variants = (c, c.lower(), c.upper()) if self.icase else (c,)
        return any(self._hit(v) for v in variants) != self.negate


@dataclass
class _NFA:
    eps: list[list[int]] = field(default_factory=list)
    edges: list[list[tuple[_CharSet, int]]] = field(default_factory=list)
    chars: set[str] = field(default_factory=set)

    def state(self) -> int:
        if len(self.eps) > _MAX_STATES:
            raise _Unsupported("too large")
        self.eps.append([])
        self.edges.append([])
        return len(self.eps) - 1

    def step(self, cur: int, label: _CharSet) -> int:
        nxt = self.state()
        self.edges[cur].append((label, nxt))
        return nxt

    def closure(self, states: Iterable[int]) -> frozenset[int]:
        seen = set(states)
        todo = list(seen)
        while todo:
            for nxt in self.eps[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return frozenset(seen)


def _char_set(items: Any, icase: bool, nfa: _NFA) -> _CharSet:
    negate = False
    chars: set[str] = set()
    ranges: list[tuple[str, str]] = []
    categories: list[str] = []
    for op, arg in items:
        kind = str(op)
        if kind == "NEGATE":
            negate = True
        elif kind == "LITERAL":
            chars.add(chr(arg))
        elif kind == "RANGE":
            ranges.append((chr(arg[0]), chr(arg[1])))
        elif kind == "CATEGORY" and str(arg) in _CATEGORIES:
            categories.append(str(arg))
        else:
            raise _Unsupported(kind)
    for c in chars | {c for r in ranges for c in r}:
        nfa.chars.update({c, c.lower(), c.upper()})
    return _CharSet(frozenset(chars), tuple(ranges), tuple(categories), negate, icase)


def _build(nfa: _NFA, items: Any, start: int, icase: bool) -> int:
    """Thompson construction over `re`'s parse tree; returns the end state."""
    cur = start
    for op, arg in items:
        kind = str(op)
        if kind in ("LITERAL", "NOT_LITERAL"):
            ch = chr(arg)
            nfa.chars.update({ch, ch.lower(), ch.upper()})
            cur = nfa.step(cur, _CharSet(frozenset({ch}), negate=kind != "LITERAL", icase=icase))
        elif kind == "ANY":
            cur = nfa.step(cur, _CharSet(frozenset({"\n"}), negate=True))
        elif kind == "IN":
            cur = nfa.step(cur, _char_set(arg, icase, nfa))
        elif kind == "SUBPATTERN":
            cur = _build(nfa, arg[-1], cur, icase or bool(arg[1] & re.IGNORECASE))
        elif kind == "ATOMIC_GROUP":
            cur = _build(nfa, arg, cur, icase)
        elif kind == "BRANCH":
            end = nfa.state()
            for alt in arg[1]:
                alt_start = nfa.state()
                nfa.eps[cur].append(alt_start)
                nfa.eps[_build(nfa, alt, alt_start, icase)].append(end)
            cur = end
        elif kind in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            cur = _build_repeat(nfa, arg, cur, icase)
        elif kind != "AT":  # anchors/boundaries are skipped: that only widens the language
            raise _Unsupported(kind)
    return cur


def _build_repeat(nfa: _NFA, arg: Any, cur: int, icase: bool) -> int:
    lo, hi, sub = arg
    unbounded = hi == _sre.MAXREPEAT
    if lo > 50 or (not unbounded and hi > 50):
        raise _Unsupported("large repeat")
    for _ in range(lo):
        cur = _build(nfa, sub, cur, icase)
    if unbounded:
        loop = nfa.state()
        nfa.eps[cur].append(loop)
        nfa.eps[_build(nfa, sub, loop, icase)].append(loop)
        return loop
    end = nfa.state()
    for _ in range(hi - lo):
        nfa.eps[cur].append(end)
        cur = _build(nfa, sub, cur, icase)
    nfa.eps[cur].append(end)
    return end


def _compile_nfa(pattern: str) -> tuple[_NFA, int, int]:
    parsed = _sre.parse(pattern)
    icase = bool(parsed.state.flags & re.IGNORECASE)
    nfa = _NFA()
    start = nfa.state()
    end = _build(nfa, parsed, start, icase)
    return nfa, start, end


def _regex_overlap(a: str, b: str) -> bool | None:
    """Whether some string fully matches both regexes: False only when certainly not,
    None when a construct is not modelled (or a pattern does not compile)."""
    try:
        na, sa, ea = _compile_nfa(a)
        nb, sb, eb = _compile_nfa(b)
    except (_Unsupported, re.error, RecursionError):
        return None
    alphabet = sorted(na.chars | nb.chars | set("aA0_-.$ é\x01"))
    start = (na.closure([sa]), nb.closure([sb]))
    seen = {start}
    todo = [start]
    while todo:
        left, right = todo.pop()
        if ea in left and eb in right:
            return True
        moves: dict[str, tuple[set[int], set[int]]] = {}
        for ch in alphabet:
            la = {t for s in left for p, t in na.edges[s] if p(ch)}
            if not la:
                continue
            lb = {t for s in right for p, t in nb.edges[s] if p(ch)}
            if lb:
                moves[ch] = (la, lb)
        for la, lb in moves.values():
            pair = (na.closure(la), nb.closure(lb))
            if pair not in seen:
                if len(seen) > _MAX_STATES:
                    return None
                seen.add(pair)
                todo.append(pair)
    return False


def _java_regex(pattern: str) -> str:
    """Java regex → Python: named groups `(?<name>` become `(?P<name>`."""
    return re.sub(r"\(\?<(?![=!])", "(?P<", pattern)


def _java_replace(match: re.Match[str], replacement: str) -> str:
    """`Matcher.replaceFirst` semantics: `$1`, `${name}`, and backslash escapes."""
    out: list[str] = []
    i = 0
    while i < len(replacement):
        ch = replacement[i]
        if ch == "\\" and i + 1 < len(replacement):
            out.append(replacement[i + 1])
            i += 2
        elif ch == "$":
            named = re.match(r"\{(\w+)\}", replacement[i + 1 :])
            digits = re.match(r"\d+", replacement[i + 1 :])
            if named:
                out.append(match.group(named.group(1)) or "")
                i += 1 + named.end()
            elif digits:
                out.append(match.group(int(digits.group())) or "")
                i += 1 + digits.end()
            else:
                out.append(ch)
                i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


# --- what a source produces ------------------------------------------------------------------


@dataclass(frozen=True)
class _Topics:
    """A set of topic names as a regex (`pattern`), plus the concrete name when known."""

    pattern: str
    name: str | None = None
    shown: str = ""  # for messages, e.g. `mingle.mydb.<table>`

    @staticmethod
    def literal(name: str) -> _Topics:
        return _Topics(re.escape(name), name, name)

    def could_be(self, topic: str) -> bool:
        if self.name is not None:
            return self.name == topic
        try:
            return re.fullmatch(self.pattern, topic) is not None
        except re.error:
            return True

    def could_match(self, regex: str) -> bool:
        if self.name is not None:
            try:
                return re.fullmatch(regex, self.name) is not None
            except re.error:
                return True
        return _regex_overlap(regex, self.pattern) is not False


_LITERAL_NAME = re.compile(r"^[\w$-]+$")


def _literal_table(entry: str) -> tuple[str, str] | None:
    """`mydb.post` or `mydb\\.post` → ("mydb", "post"); regex-looking entries → None."""
    plain = entry.replace("\\.", ".")
    parts = plain.split(".")
    if len(parts) == 2 and all(_LITERAL_NAME.match(p) for p in parts):
        return parts[0], parts[1]
    return None


@dataclass(frozen=True)
class _Source:
    manifest: Manifest
    prefix: str
    delimiter: str
    data: tuple[_Topics, ...]  # change-event topics
    internal: tuple[tuple[str, str], ...]  # (kind, name): DDL, heartbeat, transaction topics
    opaque: bool  # topic names cannot be derived (custom naming strategy, routers)

    @property
    def name(self) -> str:
        return self.manifest.name


def _data_topics(config: Mapping[str, str], prefix: str, delim: str) -> list[_Topics]:
    head = re.escape(prefix + delim)
    tables = _split(config.get("table.include.list", ""))
    databases = _split(config.get("database.include.list", ""))
    if tables:
        found = []
        for entry in tables:
            literal = _literal_table(entry)
            if literal is not None:
                db, table = literal
                found.append(_Topics.literal(f"{prefix}{delim}{db}{delim}{table}"))
            elif delim == ".":
                shown = f"{prefix}{delim}<{entry}>"
                found.append(_Topics(head + "(?:" + _java_regex(entry) + ")", None, shown))
            else:
                found.append(_Topics(head + ".+", None, f"{prefix}{delim}<{entry}>"))
        return found
    if databases:
        found = []
        for entry in databases:
            db = re.escape(entry) if _LITERAL_NAME.match(entry) else f"(?:{_java_regex(entry)})"
            shown = f"{prefix}{delim}{entry}{delim}<table>"
            found.append(_Topics(head + db + re.escape(delim) + ".+", None, shown))
        return found
    shown = f"{prefix}{delim}<database>{delim}<table>"
    return [_Topics(head + ".+" + re.escape(delim) + ".+", None, shown)]


def _route(topics: list[_Topics], transforms: list[_Transform]) -> tuple[list[_Topics], bool]:
    """Apply RegexRouter-like SMTs; the bool says the names became unknowable."""
    for t in transforms:
        if t.type == REGEX_ROUTER:
            regex, repl = t.props.get("regex", ""), t.props.get("replacement", "")
        elif t.type == LOGICAL_ROUTER:
            regex, repl = t.props.get("topic.regex", ""), t.props.get("topic.replacement", "")
        elif "Router" in t.type or (_is_unwrap(t) and t.props.get("route.by.field")):
            return topics, True
        else:
            continue
        try:
            compiled = re.compile(_java_regex(regex))
        except re.error:
            return topics, True
        conditional = "predicate" in t.props
        routed: list[_Topics] = []
        for topic in topics:
            if topic.name is not None:
                match = compiled.fullmatch(topic.name)
                if match is None:
                    routed.append(topic)
                    continue
                routed.append(_Topics.literal(_java_replace(match, repl)))
                if conditional:
                    routed.append(topic)
            elif _regex_overlap(compiled.pattern, topic.pattern) is False:
                routed.append(topic)
            elif "$" in repl:
                return topics, True
            else:  # every matching topic goes to one fixed name; others keep theirs
                routed.extend((_Topics.literal(repl), topic))
        topics = routed
    return topics, False


def _source(m: Manifest) -> _Source:
    config = m.config
    prefix = config.get("topic.prefix", "").strip()
    delim = config.get("topic.delimiter", ".") or "."
    strategy = config.get("topic.naming.strategy", DEFAULT_NAMING).strip()
    internal: list[tuple[str, str]] = []
    if _bool(config, "include.schema.changes", True):
        internal.append(("schema-change", prefix))
    if (_int(config, "heartbeat.interval.ms", 0) or 0) > 0:
        hb = config.get("topic.heartbeat.prefix", "__debezium-heartbeat")
        internal.append(("heartbeat", f"{hb}{delim}{prefix}"))
    if _bool(config, "provide.transaction.metadata", False):
        internal.append(
            ("transaction", f"{prefix}{delim}{config.get('topic.transaction', 'transaction')}")
        )
    transforms = _transforms(m)
    data, opaque = _route(_data_topics(config, prefix, delim), transforms)
    routed_internal: list[tuple[str, str]] = []
    for kind, name in internal:
        topics, _ = _route([_Topics.literal(name)], transforms)
        routed_internal.extend((kind, t.name) for t in topics if t.name is not None)
    opaque = opaque or strategy != DEFAULT_NAMING or not prefix
    return _Source(m, prefix, delim, tuple(data), tuple(routed_internal), opaque)


# --- converters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Converter:
    cls: str
    schemas: bool | None  # JsonConverter's schemas.enable; None for other converters
    key: str  # the key most to blame when it does not match
    overridden: bool

    @property
    def carries_schema(self) -> bool:
        simple = self.cls.rsplit(".", 1)[-1]
        if self.cls == JSON_CONVERTER:
            return bool(self.schemas)
        return simple in ("AvroConverter", "ProtobufConverter", "JsonSchemaConverter") or (
            "apicurio" in self.cls
        )

    def describe(self) -> str:
        simple = self.cls.rsplit(".", 1)[-1]
        if self.cls == JSON_CONVERTER:
            return f"{simple} with schemas.enable={str(self.schemas).lower()}"
        return simple


def _converter(m: Manifest, side: str, worker: Mapping[str, str]) -> _Converter:
    cls_key = f"{side}.converter"
    schemas_key = f"{cls_key}.schemas.enable"
    if cls_key in m.config:
        source, overridden = m.config, True
    else:
        source, overridden = worker, False
    cls = (source.get(cls_key) or JSON_CONVERTER).strip()
    schemas = _bool(source, schemas_key, True) if cls == JSON_CONVERTER else None
    blame = schemas_key if overridden and schemas_key in m.config else cls_key
    return _Converter(cls, schemas, blame, overridden)


# --- the lint ------------------------------------------------------------------------------


class _Report:
    def __init__(self) -> None:
        self.problems: dict[tuple[str, str | None, Location, str], Problem] = {}

    def add(self, rule_id: str, m: Manifest, key: str | None, message: str) -> None:
        rule = RULES[rule_id]
        location = m.location_of(key) if key else m.location
        problem = Problem(rule.severity, rule.id, message, location, rule.hint, m.name)
        self.problems.setdefault((rule.id, m.name, location, message), problem)

    def sorted(self) -> list[Problem]:
        return sorted(self.problems.values(), key=Problem.sort_key)


def lint_pipeline(
    manifests: Sequence[Manifest], *, worker_defaults: Mapping[str, str] | None = None
) -> list[Problem]:
    """Every pipeline problem across `manifests`, sorted by file and line.

    `worker_defaults` holds the worker properties lint must assume for connectors that do not
    override them (`key.converter`, `value.converter`, `*.converter.schemas.enable`,
    `config.providers`); by default JsonConverter with schemas.enable=true and no provider
    check."""
    worker = dict(DEFAULT_WORKER)
    worker.update(worker_defaults or {})
    report = _Report()
    sources = [_source(m) for m in manifests if m.connector_class in BINLOG_CLASSES]
    sinks = [m for m in manifests if _is_sink(m)]
    # Anything that is neither a sink nor a modelled source may write any topic.
    unknown_producers = any(
        m.connector_class not in BINLOG_CLASSES and not _is_sink(m) for m in manifests
    ) or any(s.opaque for s in sources)

    for m in manifests:
        _check_secrets(report, m, worker_defaults)
        _check_converter_options(report, m)
        _check_unwrap_options(report, m)
        if m.connector_class in BINLOG_CLASSES:
            _check_snapshot_locking(report, m)
        if m.connector_class == ELASTICSEARCH:
            _check_es_internal(report, m)
    _check_source_identity(report, manifests, sources)

    for sink in sinks:
        if not _check_sink_topics_config(report, sink):
            continue
        feeders = _feeders(report, sink, sources, unknown_producers)
        for src in feeders:
            _check_converters(report, src.manifest, sink, worker)
        if sink.connector_class == ELASTICSEARCH and feeders:
            _check_es_pipeline(report, sink, feeders, worker)
    return report.sorted()


def _check_sink_topics_config(report: _Report, sink: Manifest) -> bool:
    topics = sink.config.get("topics", "").strip()
    regex = sink.config.get("topics.regex", "").strip()
    if topics and regex:
        report.add(
            "sink-topics-config",
            sink,
            "topics.regex",
            f"{sink.name} sets both topics and topics.regex; Connect accepts exactly one",
        )
        return False
    if not topics and not regex:
        report.add(
            "sink-topics-config",
            sink,
            "connector.class",
            f"sink {sink.name} sets neither topics nor topics.regex",
        )
        return False
    return True


def _feeders(
    report: _Report, sink: Manifest, sources: list[_Source], unknown_producers: bool
) -> list[_Source]:
    """The declared Debezium sources whose topics the sink reads, reporting mismatches."""
    if not sources:
        return []
    topics = _split(sink.config.get("topics", ""))
    regex = _java_regex(sink.config.get("topics.regex", "").strip())
    feeders: list[_Source] = []
    unmatched_topics = set(topics)
    for src in sources:
        feeds = src.opaque
        for produced in src.data:
            if regex and produced.could_match(regex):
                feeds = True
            for topic in topics:
                if produced.could_be(topic):
                    feeds = True
                    unmatched_topics.discard(topic)
        if src.opaque:
            unmatched_topics.clear()
        if feeds:
            feeders.append(src)
        if regex:
            _check_overmatch(report, sink, src, regex)
    if unknown_producers:
        return feeders
    produced_names = "; ".join(
        f"{s.name} writes {', '.join(t.shown or t.pattern for t in s.data)}" for s in sources
    )
    if regex and not feeders:
        report.add(
            "topics-unmatched",
            sink,
            "topics.regex",
            f"topics.regex '{regex}' matches no topic the declared Debezium sources produce "
            f"({produced_names})",
        )
    for topic in topics:
        if topic in unmatched_topics:
            report.add(
                "topics-unmatched",
                sink,
                "topics",
                f"topic {topic!r} is not produced by any declared Debezium source "
                f"({produced_names})",
            )
    # A sink that misses every topic was still meant for these sources: check the rest of
    # the pipeline as if it were wired, so the user sees every problem in one run.
    return feeders or list(sources)


def _check_overmatch(report: _Report, sink: Manifest, src: _Source, regex: str) -> None:
    for kind, name in src.internal:
        try:
            hit = re.fullmatch(regex, name) is not None
        except re.error:
            return
        if hit:
            report.add(
                "topics-regex-overmatch",
                sink,
                "topics.regex",
                f"topics.regex '{regex}' also matches {src.name}'s {kind} topic {name!r}",
            )


def _check_converters(
    report: _Report, source: Manifest, sink: Manifest, worker: Mapping[str, str]
) -> None:
    for side in ("key", "value"):
        wrote = _converter(source, side, worker)
        reads = _converter(sink, side, worker)
        if (wrote.cls, wrote.schemas) == (reads.cls, reads.schemas):
            continue
        blame, at = (sink, reads) if reads.overridden or not wrote.overridden else (source, wrote)
        report.add(
            "converter-mismatch",
            blame,
            at.key,
            f"{sink.name} reads {side}s with {reads.describe()} but {source.name} writes them "
            f"with {wrote.describe()}",
        )


def _check_converter_options(report: _Report, m: Manifest) -> None:
    for side in ("key", "value"):
        cls_key = f"{side}.converter"
        if cls_key in m.config:
            continue
        for key in sorted(k for k in m.config if k.startswith(cls_key + ".")):
            report.add(
                "converter-option-ignored",
                m,
                key,
                f"{key} is ignored: {m.name} does not set {cls_key}, so the worker's "
                f"{side} converter and its own options apply",
            )


def _check_unwrap_options(report: _Report, m: Manifest) -> None:
    for t in _transforms(m):
        if not _is_unwrap(t):
            continue
        for option in ("drop.tombstones", "delete.handling.mode"):
            if option in t.props:
                report.add(
                    "smt-removed-option",
                    m,
                    t.key(option),
                    f"{t.key(option)} was removed from ExtractNewRecordState in Debezium 3.2 "
                    "and is ignored; use delete.tombstone.handling.mode",
                )


_DATA_SNAPSHOTS = frozenset({"initial", "always", "when_needed", "initial_only"})


def _check_snapshot_locking(report: _Report, m: Manifest) -> None:
    locking = _lower(m.config, "snapshot.locking.mode", "minimal")
    mode = _lower(m.config, "snapshot.mode", "initial")
    if locking == "none" and mode in _DATA_SNAPSHOTS:
        report.add(
            "snapshot-without-locks",
            m,
            "snapshot.locking.mode",
            f"snapshot.locking.mode=none with snapshot.mode={mode}, which snapshots data: "
            "schema changes during the snapshot can make it inconsistent",
        )


_NOT_SECRET = re.compile(
    r"(credentials\.source|\.(class|type|provider|location|path|file|mechanism|protocol"
    r"|algorithm|enable|enabled|mode|ms|url|uri|endpoint)|\.source)$",
    re.IGNORECASE,
)
_REFERENCE = re.compile(r"\$\{([^:}]+):[^}]*\}")
_JAAS_PASSWORD = re.compile(r"password\s*=\s*\"([^\"]*)\"", re.IGNORECASE)


def _plaintext(key: str, value: str) -> bool:
    value = value.strip()
    if not value or is_config_reference(value):
        return False
    if key.endswith("sasl.jaas.config"):
        passwords = _JAAS_PASSWORD.findall(value)
        return any(p and not is_config_reference(p) for p in passwords) or (
            not passwords and not _REFERENCE.search(value)
        )
    return True


def _check_secrets(report: _Report, m: Manifest, worker_defaults: Mapping[str, str] | None) -> None:
    typed = password_keys(m.connector_class)
    interpolated: frozenset[str] = getattr(m, "interpolated_keys", frozenset())
    for key, value in sorted(m.config.items()):
        if key in interpolated:
            continue
        secret = key in typed or (is_secret_key(key, typed) and not _NOT_SECRET.search(key))
        if secret and _plaintext(key, value):
            report.add(
                "plaintext-secret",
                m,
                key,
                f"{key} holds a plaintext secret, visible to anyone who can read the manifest "
                f"or GET /connectors/{m.name}",
            )
    if worker_defaults is None or "config.providers" not in worker_defaults:
        return
    declared = set(_split(worker_defaults["config.providers"]))
    for key, value in sorted(m.config.items()):
        for provider in _REFERENCE.findall(value):
            if provider not in declared:
                report.add(
                    "unknown-config-provider",
                    m,
                    key,
                    f"{key} references provider {provider!r}, which the worker does not "
                    f"declare (config.providers={','.join(sorted(declared)) or '<empty>'})",
                )


def _check_source_identity(
    report: _Report, manifests: Sequence[Manifest], sources: list[_Source]
) -> None:
    # database.server.id, per database server.
    servers: dict[tuple[str, str], list[tuple[Manifest, int]]] = defaultdict(list)
    for src in sources:
        config = src.manifest.config
        server_id = _int(config, "database.server.id")
        if server_id is None:
            continue
        host = config.get("database.hostname", "").strip().lower()
        port = config.get("database.port", "3306").strip() or "3306"
        servers[(host, port)].append((src.manifest, server_id))
    for (host, port), clients in servers.items():
        for (a, id_a), (b, id_b) in itertools.permutations(clients, 2):
            if id_a == id_b:
                report.add(
                    "server-id-conflict",
                    a,
                    "database.server.id",
                    f"database.server.id {id_a} is also used by {b.name} on {host}:{port}; "
                    "the server disconnects one of them",
                )
                continue
            offset = _int(a.config, "database.server.id.offset", 10000) or 10000
            threads = max(_int(a.config, "snapshot.max.threads", 1) or 1, 1)
            if id_a + offset <= id_b < id_a + offset + threads:
                report.add(
                    "server-id-offset-overlap",
                    b,
                    "database.server.id",
                    f"database.server.id {id_b} falls in {a.name}'s parallel-snapshot ids "
                    f"({id_a} + offset {offset}) on {host}:{port}",
                )

    # schema history topic, per Kafka cluster.
    histories: dict[tuple[frozenset[str], str], list[Manifest]] = defaultdict(list)
    for src in sources:
        config = src.manifest.config
        if config.get("schema.history.internal", KAFKA_HISTORY).strip() != KAFKA_HISTORY:
            continue
        topic = config.get("schema.history.internal.kafka.topic", "").strip()
        servers_key = frozenset(
            s.lower()
            for s in _split(config.get("schema.history.internal.kafka.bootstrap.servers", ""))
        )
        if topic:
            histories[(servers_key, topic)].append(src.manifest)
    for (_, topic), sharing in histories.items():
        for m in sharing:
            others = ", ".join(o.name for o in sharing if o is not m)
            if others:
                report.add(
                    "history-topic-shared",
                    m,
                    "schema.history.internal.kafka.topic",
                    f"schema history topic {topic!r} is shared with {others}: recovery would "
                    "read another connector's DDL",
                )

    # topic.prefix, across every Debezium connector.
    prefixes: dict[str, list[Manifest]] = defaultdict(list)
    for dbz in manifests:
        prefix = dbz.config.get("topic.prefix", "").strip()
        if (
            prefix
            and dbz.connector_class.startswith("io.debezium.connector.")
            and not _is_sink(dbz)
        ):
            prefixes[prefix].append(dbz)
    for prefix, same in prefixes.items():
        for m in same:
            others = ", ".join(o.name for o in same if o is not m)
            if others:
                report.add(
                    "topic-prefix-shared",
                    m,
                    "topic.prefix",
                    f"topic.prefix {prefix!r} is also used by {others}: their topics and "
                    "offsets collide",
                )


def _check_es_internal(report: _Report, m: Manifest) -> None:
    config = m.config
    batch = _int(config, "batch.size", 2000) or 2000
    in_flight = _int(config, "max.in.flight.requests", 5) or 5
    buffered = _int(config, "max.buffered.records", 20000) or 20000
    if buffered < batch * in_flight:
        report.add(
            "es-buffer-too-small",
            m,
            "max.buffered.records",
            f"max.buffered.records ({buffered}) must be at least batch.size × "
            f"max.in.flight.requests ({batch} × {in_flight} = {batch * in_flight})",
        )
    user = config.get("connection.username", "").strip()
    password = config.get("connection.password", "").strip()
    if bool(user) != bool(password):
        missing = "connection.password" if user else "connection.username"
        present = "connection.username" if user else "connection.password"
        report.add(
            "es-credentials-pair",
            m,
            present,
            f"{present} is set without {missing}; set both or neither",
        )
    stream = _lower(config, "data.stream.type", "none")
    dataset = config.get("data.stream.dataset", "").strip()
    if stream != "none" and not dataset:
        report.add(
            "es-data-stream",
            m,
            "data.stream.type",
            f"data.stream.type={stream.upper()} needs data.stream.dataset",
        )
    if stream == "none" and dataset:
        report.add(
            "es-data-stream",
            m,
            "data.stream.dataset",
            "data.stream.dataset is set but data.stream.type is NONE",
        )
    if stream == "none" and config.get("data.stream.timestamp.field", "").strip():
        report.add(
            "es-data-stream",
            m,
            "data.stream.timestamp.field",
            "data.stream.timestamp.field is only allowed with data streams",
        )
    if stream != "none" and _lower(config, "write.method", "insert") == "upsert":
        report.add(
            "es-data-stream",
            m,
            "write.method",
            "write.method=UPSERT is not allowed with data streams (append-only)",
        )
    if stream != "none" and _lower(config, "behavior.on.null.values", "fail") == "delete":
        report.add(
            "es-data-stream",
            m,
            "behavior.on.null.values",
            "behavior.on.null.values=DELETE is not allowed with data streams (append-only)",
        )
    for flag, per_topic in (
        ("key.ignore", "topic.key.ignore"),
        ("schema.ignore", "topic.schema.ignore"),
    ):
        if _bool(config, flag, False) and config.get(per_topic, "").strip():
            report.add(
                "es-ignore-conflict",
                m,
                per_topic,
                f"{per_topic} cannot be set while {flag}=true",
            )


@dataclass(frozen=True)
class _EsSink:
    """What the pipeline checks need to know about one Elasticsearch sink."""

    manifest: Manifest
    transforms: list[_Transform]
    key_converter: _Converter
    value_converter: _Converter

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def unwraps(self) -> list[_Transform]:
        return [t for t in self.transforms if _is_unwrap(t)]

    @property
    def key_ignore(self) -> bool:
        return _bool(self.manifest.config, "key.ignore", False)


def _check_es_pipeline(
    report: _Report, sink: Manifest, feeders: list[_Source], worker: Mapping[str, str]
) -> None:
    es = _EsSink(
        sink, _transforms(sink), _converter(sink, "key", worker), _converter(sink, "value", worker)
    )
    _check_envelope(report, es, feeders)
    _check_document_ids(report, es, feeders)
    _check_deletes(report, es, feeders)
    _check_mapping(report, es, feeders)


def _check_envelope(report: _Report, es: _EsSink, feeders: list[_Source]) -> None:
    """ExtractNewRecordState on the source, or on a sink that reads records with schemas."""
    unwraps = es.unwraps
    missing = [
        src.name
        for src in feeders
        if not any(_is_unwrap(t) for t in _transforms(src.manifest))
        and not (unwraps and es.value_converter.carries_schema)
    ]
    if not missing:
        return
    why = (
        "the sink's ExtractNewRecordState passes schemaless records through unchanged"
        if unwraps
        else "neither connector has an io.debezium.transforms.ExtractNewRecordState transform"
    )
    report.add(
        "envelope-not-unwrapped",
        es.manifest,
        unwraps[0].key("type") if unwraps else "transforms",
        f"{es.name} indexes the Debezium envelope of {', '.join(missing)} "
        f"(before/after/source/op): {why}",
    )


def _check_document_ids(report: _Report, es: _EsSink, feeders: list[_Source]) -> None:
    if es.key_ignore:
        return
    string_key = es.key_converter.cls.rsplit(".", 1)[-1] == "StringConverter"
    reducers = [t for t in es.transforms if _reduces_key(t)]
    if not string_key and not reducers:
        unreduced = [s.name for s in feeders if not any(map(_reduces_key, _transforms(s.manifest)))]
        if unreduced:
            report.add(
                "es-struct-key",
                es.manifest,
                "key.ignore",
                f"key.ignore is false and the keys from {', '.join(unreduced)} are Structs: "
                f"{es.name} fails with 'STRUCT is not supported as the document id'",
            )
    extract = [t for t in reducers if t.type == EXTRACT_KEY]
    if not extract:
        return
    for src in feeders:
        specs = _split(src.manifest.config.get("message.key.columns", ""), ";")
        composite = [spec for spec in specs if len(_split(spec.partition(":")[2])) > 1]
        if composite:
            report.add(
                "es-composite-key",
                es.manifest,
                extract[0].key("field"),
                f"{src.name} sets composite keys ({'; '.join(composite)}), but "
                f"{extract[0].key('type')} keeps only the field "
                f"{extract[0].props.get('field', '?')!r}",
            )


_TOMBSTONE_DROPPING = frozenset({"drop", "rewrite"})


def _tombstones(report: _Report, es: _EsSink, src: _Source) -> bool:
    """Whether the source's tombstones survive to the sink; reports why they do not."""
    sconf = src.manifest.config
    on_delete = _bool(sconf, "tombstones.on.delete", True)
    emits = on_delete
    dropped_by: tuple[Manifest, _Transform, str] | None = None
    chain = [(src.manifest, t) for t in _transforms(src.manifest) if _is_unwrap(t)]
    chain += [(es.manifest, t) for t in es.unwraps]
    for owner, t in chain:
        mode = t.props.get("delete.tombstone.handling.mode", "tombstone").strip().lower()
        if mode == "delete-to-tombstone":
            emits = True
        elif mode in _TOMBSTONE_DROPPING:
            dropped_by = (owner, t, mode)
    if not emits:
        report.add(
            "deletes-lost",
            src.manifest,
            "tombstones.on.delete",
            f"tombstones.on.delete=false: {es.name} never receives a tombstone, so deleted "
            "rows stay in Elasticsearch",
        )
    if dropped_by is None:
        return emits
    owner, t, mode = dropped_by
    detail = (
        "drops deletes and their tombstones"
        if mode == "drop"
        else "rewrites deletes as records with __deleted=true and drops the tombstones"
    )
    report.add(
        "deletes-lost",
        owner,
        t.key("delete.tombstone.handling.mode"),
        f"delete.tombstone.handling.mode={mode} {detail}: deleted rows stay in {es.name}'s index",
    )
    return False


def _check_deletes(report: _Report, es: _EsSink, feeders: list[_Source]) -> None:
    config = es.manifest.config
    reach = False
    for src in feeders:
        skipped = {op.lower() for op in _split(src.manifest.config.get("skipped.operations", "t"))}
        if "d" in skipped:
            continue  # deletes are not captured at all, on purpose
        reach = _tombstones(report, es, src) or reach
        if es.key_ignore:
            report.add(
                "deletes-lost",
                es.manifest,
                "key.ignore",
                "key.ignore=true: document ids are topic+partition+offset, so every change of "
                f"{src.name} becomes a new document and deletes remove nothing",
            )
    if not reach:
        return
    behavior = _lower(config, "behavior.on.null.values", "fail")
    if behavior == "fail":
        default = "" if "behavior.on.null.values" in config else " (the default)"
        report.add(
            "es-null-values-fail",
            es.manifest,
            "behavior.on.null.values",
            f"behavior.on.null.values is FAIL{default}: the first delete's tombstone stops "
            f"{es.name}'s task",
        )
    elif behavior == "ignore" and not es.key_ignore:
        report.add(
            "deletes-lost",
            es.manifest,
            "behavior.on.null.values",
            "behavior.on.null.values=IGNORE skips tombstones: deleted rows stay in Elasticsearch",
        )
    if _lower(config, "data.stream.type", "none") != "none" and behavior != "delete":
        report.add(
            "deletes-lost",
            es.manifest,
            "data.stream.type",
            "data streams are append-only: deletes cannot be applied",
        )


def _check_mapping(report: _Report, es: _EsSink, feeders: list[_Source]) -> None:
    """`schema.ignore=false` infers the index mapping from the record schema."""
    if _bool(es.manifest.config, "schema.ignore", False):
        return
    if not es.value_converter.carries_schema:
        report.add(
            "es-schemaless-mapping",
            es.manifest,
            "schema.ignore",
            f"schema.ignore is false but {es.name} reads values with "
            f"{es.value_converter.describe()}: 'Cannot infer mapping without schema'",
        )
        return
    for src in feeders:
        mode = _lower(src.manifest.config, "time.precision.mode", "adaptive_time_microseconds")
        if mode != "connect":
            report.add(
                "es-time-precision",
                src.manifest,
                "time.precision.mode",
                f"time.precision.mode={mode} produces io.debezium.time.* types, which "
                f"{es.name} (schema.ignore=false) maps as numbers, not dates",
            )
