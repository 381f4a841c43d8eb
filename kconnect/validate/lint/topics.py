"""Topics: what each Debezium source produces (through its routers) and what each sink reads."""

from __future__ import annotations

import re
from collections.abc import Mapping

from kconnect.manifests.model import Manifest
from kconnect.records import record, replace
from kconnect.validate.lint.common import (
    DEFAULT_NAMING,
    LOGICAL_ROUTER,
    REGEX_ROUTER,
    Report,
    Transform,
    is_unwrap,
    read_bool,
    read_int,
    split_list,
    transforms_of,
)
from kconnect.validate.lint.regex import (
    backtracking_risk,
    bounded_fullmatch,
    java_regex,
    java_replace,
    regex_overlap,
)


@record
class Topics:
    """A set of topic names as a regex (`pattern`), plus the concrete name when known."""

    pattern: str
    name: str | None = None
    shown: str = ""  # for messages, e.g. `mingle.mydb.<table>`
    # False when the set over-approximates what a router writes (`cdc.$1`, the outbox
    # router's `${routedByValue}`): a match then means "maybe", never an error.
    certain: bool = True

    @staticmethod
    def literal(name: str) -> Topics:
        return Topics(re.escape(name), name, name)

    def could_be(self, topic: str) -> bool:
        if self.name is not None:
            return self.name == topic
        try:
            return bounded_fullmatch(self.pattern, topic) is not False
        except re.error:
            return True

    def could_match(self, regex: str) -> bool:
        if self.name is not None:
            try:
                return bounded_fullmatch(regex, self.name) is not False
            except re.error:
                return True
        return regex_overlap(regex, self.pattern) is not False


_LITERAL_NAME = re.compile(r"^[\w$-]+$")


def _literal_table(entry: str) -> tuple[str, str] | None:
    """`mydb.post` or `mydb\\.post` → ("mydb", "post"); regex-looking entries → None."""
    plain = entry.replace("\\.", ".")
    parts = plain.split(".")
    if len(parts) == 2 and all(_LITERAL_NAME.match(p) for p in parts):
        return parts[0], parts[1]
    return None


@record
class Source:
    manifest: Manifest
    prefix: str
    delimiter: str
    data: tuple[Topics, ...]  # change-event topics
    internal: tuple[tuple[str, str], ...]  # (kind, name): DDL, heartbeat, transaction topics
    opaque: bool  # topic names cannot be derived (custom naming strategy, routers)

    @property
    def name(self) -> str:
        return self.manifest.name


def _data_topics(config: Mapping[str, str], prefix: str, delim: str) -> list[Topics]:
    head = re.escape(prefix + delim)
    tables = split_list(config.get("table.include.list", ""))
    databases = split_list(config.get("database.include.list", ""))
    if tables:
        found = []
        for entry in tables:
            literal = _literal_table(entry)
            if literal is not None:
                db, table = literal
                found.append(Topics.literal(f"{prefix}{delim}{db}{delim}{table}"))
            elif delim == ".":
                shown = f"{prefix}{delim}<{entry}>"
                found.append(Topics(head + "(?:" + java_regex(entry) + ")", None, shown))
            else:
                found.append(Topics(head + ".+", None, f"{prefix}{delim}<{entry}>"))
        return found
    if databases:
        found = []
        for entry in databases:
            db = re.escape(entry) if _LITERAL_NAME.match(entry) else f"(?:{java_regex(entry)})"
            shown = f"{prefix}{delim}{entry}{delim}<table>"
            found.append(Topics(head + db + re.escape(delim) + ".+", None, shown))
        return found
    shown = f"{prefix}{delim}<database>{delim}<table>"
    return [Topics(head + ".+" + re.escape(delim) + ".+", None, shown)]


_CATCH_ALL = frozenset({".*", "(.*)", ".+", "(.+)"})
_OUTBOX_ROUTER = "io.debezium.transforms.outbox.EventRouter"
# `(?!\$\{)`: a run of unclosed `${` is read in linear time, not once per `${`.
_GROUP_REFERENCE = re.compile(r"\$\{(?:(?!\$\{)[^}])*\}|\$\d+")


def _replacement_pattern(replacement: str) -> Topics:
    """What a replacement with group references can produce: every reference as `.*`."""
    parts = _GROUP_REFERENCE.split(replacement)
    pattern = ".*".join(re.escape(part.replace("\\", "")) for part in parts)
    return Topics(pattern, None, _GROUP_REFERENCE.sub("<…>", replacement), certain=False)


def route(topics: list[Topics], transforms: list[Transform]) -> tuple[list[Topics], bool]:
    """Apply RegexRouter-like SMTs; the bool says the names became unknowable."""
    for t in transforms:
        if t.type == REGEX_ROUTER:
            regex, repl = t.props.get("regex", ""), t.props.get("replacement", "")
        elif t.type == LOGICAL_ROUTER:
            regex, repl = t.props.get("topic.regex", ""), t.props.get("topic.replacement", "")
        elif t.type == _OUTBOX_ROUTER:
            # Outbox events go to route.topic.replacement with the routing value filled in;
            # other records (tombstones, non-outbox tables) keep their topic.
            repl = t.props.get("route.topic.replacement", "outbox.event.${routedByValue}")
            topics = [*topics, _replacement_pattern(repl)]
            continue
        elif "Router" in t.type or (is_unwrap(t) and t.props.get("route.by.field")):
            return topics, True
        else:
            continue
        try:
            compiled = re.compile(java_regex(regex))
        except re.error:
            return topics, True
        if backtracking_risk(compiled.pattern):
            return topics, True  # where it routes is not worked out offline: maybe anywhere
        conditional = "predicate" in t.props
        catch_all = regex.strip() in _CATCH_ALL and not conditional
        routed: list[Topics] = []
        for topic in topics:
            if topic.name is not None:
                match = compiled.fullmatch(topic.name)
                if match is None:
                    routed.append(topic)
                    continue
                routed.append(
                    replace(Topics.literal(java_replace(match, repl)), certain=topic.certain)
                )
                if conditional:
                    routed.append(topic)
            elif regex_overlap(compiled.pattern, topic.pattern) is False:
                routed.append(topic)
            elif _GROUP_REFERENCE.search(repl):
                routed.append(_replacement_pattern(repl))
                if not catch_all:
                    routed.append(topic)
            else:  # every matching topic goes to one fixed name; others keep theirs
                routed.append(Topics.literal(repl))
                if not catch_all:
                    routed.append(topic)
        topics = routed
    return topics, False


def source_of(m: Manifest) -> Source:
    config = m.config
    prefix = config.get("topic.prefix", "").strip()
    delim = config.get("topic.delimiter", ".") or "."
    strategy = config.get("topic.naming.strategy", DEFAULT_NAMING).strip()
    internal: list[tuple[str, str]] = []
    if read_bool(config, "include.schema.changes", True):
        internal.append(("schema-change", prefix))
    if (read_int(config, "heartbeat.interval.ms", 0) or 0) > 0:
        hb = config.get("topic.heartbeat.prefix", "__debezium-heartbeat")
        internal.append(("heartbeat", f"{hb}{delim}{prefix}"))
    if read_bool(config, "provide.transaction.metadata", False):
        internal.append(
            ("transaction", f"{prefix}{delim}{config.get('topic.transaction', 'transaction')}")
        )
    transforms = transforms_of(m)
    data, opaque = route(_data_topics(config, prefix, delim), transforms)
    routed_internal: list[tuple[str, str]] = []
    for kind, name in internal:
        topics, _ = route([Topics.literal(name)], transforms)
        routed_internal.extend((kind, t.name) for t in topics if t.name is not None)
    opaque = opaque or strategy != DEFAULT_NAMING or not prefix
    return Source(m, prefix, delim, tuple(data), tuple(routed_internal), opaque)


def check_sink_topics_config(report: Report, sink: Manifest) -> bool:
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


def feeders_of(
    report: Report, sink: Manifest, sources: list[Source], unknown_producers: bool
) -> list[Source]:
    """The declared Debezium sources whose topics the sink certainly reads, reporting
    mismatches. A source that only may feed the sink (its names come through a router that
    kconnect can only over-approximate, or cannot model) is left out: the pipeline checks
    that follow report errors, and an error needs certain wiring."""
    if not sources:
        return []
    topics = split_list(sink.config.get("topics", ""))
    regex = java_regex(sink.config.get("topics.regex", "").strip())
    feeders: list[Source] = []
    unmatched_topics = set(topics)
    maybe = False
    for src in sources:
        feeds = False
        for produced in src.data:
            hit = bool(regex) and produced.could_match(regex)
            for topic in topics:
                if produced.could_be(topic):
                    hit = True
                    unmatched_topics.discard(topic)
            if hit and produced.certain and not src.opaque:
                feeds = True
            maybe = maybe or hit
        if src.opaque:
            unmatched_topics.clear()
            maybe = True
        if feeds:
            feeders.append(src)
        if regex:
            _check_overmatch(report, sink, src, regex)
    if unknown_producers:
        return feeders
    produced_names = "; ".join(
        f"{s.name} writes {', '.join(t.shown or t.pattern for t in s.data)}" for s in sources
    )
    if regex and not feeders and not maybe and not _namespace_of_regex(regex, sources):
        if any(_meant_for(src, [], regex) for src in sources):
            report.add(
                "topics-unproduced",
                sink,
                "topics.regex",
                f"topics.regex '{regex}' matches no topic the declared Debezium sources produce "
                f"({produced_names}); fine only if something outside Connect writes them",
            )
    elif regex and not feeders and not maybe:
        report.add(
            "topics-unmatched",
            sink,
            "topics.regex",
            f"topics.regex '{regex}' matches no topic the declared Debezium sources produce "
            f"({produced_names})",
        )
    for topic in topics:
        # A sink may read topics written outside Connect (an application's): only a topic in a
        # declared source's namespace that the source cannot produce is certainly wrong.
        if topic in unmatched_topics and not _namespace_of(topic, sources):
            if any(_meant_for(src, [topic], "") for src in sources):
                report.add(
                    "topics-unproduced",
                    sink,
                    "topics",
                    f"topic {topic!r} is not produced by any declared Debezium source "
                    f"({produced_names}); fine only if something outside Connect writes it",
                )
        elif topic in unmatched_topics:
            report.add(
                "topics-unmatched",
                sink,
                "topics",
                f"topic {topic!r} is not produced by any declared Debezium source "
                f"({produced_names})",
            )
    if feeders or maybe:
        return feeders
    # A sink that misses every topic but names a source's topic prefix was still meant for
    # that source (a typo in the table, say): check the rest of the pipeline as if it were
    # wired, so the user sees every problem in one run. A sink reading unrelated topics
    # (`payments`) is not checked against the sources at all.
    return [src for src in sources if _meant_for(src, topics, regex)]


def _namespace_of(topic: str, sources: list[Source]) -> Source | None:
    """The declared source whose `<topic.prefix>.` the topic starts with."""
    return next(
        (s for s in sources if not s.opaque and s.prefix and topic.startswith(s.prefix + ".")),
        None,
    )


def _namespace_of_regex(regex: str, sources: list[Source]) -> Source | None:
    """The declared source whose namespace every topic the regex matches is in: the regex
    starts with the source's prefix and an escaped dot."""
    for s in sources:
        if s.opaque or not s.prefix:
            continue
        if regex.startswith((re.escape(s.prefix) + r"\.", s.prefix.replace(".", r"\.") + r"\.")):
            return s
    return None


def _meant_for(src: Source, topics: list[str], regex: str) -> bool:
    """Whether the sink's topics name the source's prefix or one of its databases."""
    config = src.manifest.config
    names = {src.prefix} | set(split_list(config.get("database.include.list", "")))
    names |= {
        e.replace("\\.", ".").split(".")[0]
        for e in split_list(config.get("table.include.list", ""))
    }
    names.discard("")
    words = set()
    for text in [*topics, regex.replace("\\", "")]:
        words.update(re.split(r"[^\w-]+", text))
    return bool(names & words)


def _check_overmatch(report: Report, sink: Manifest, src: Source, regex: str) -> None:
    for kind, name in src.internal:
        try:
            hit = bounded_fullmatch(regex, name)
        except re.error:
            return
        if hit is None:
            return
        if hit:
            report.add(
                "topics-regex-overmatch",
                sink,
                "topics.regex",
                f"topics.regex '{regex}' also matches {src.name}'s {kind} topic {name!r}",
            )
