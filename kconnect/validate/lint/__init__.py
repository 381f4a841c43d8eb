"""Pipeline lint: problems that only show when manifests are read together.

`lint_pipeline` looks at every manifest at once: which Debezium MySQL/MariaDB source feeds
which sink, whether the topic names line up, whether keys, deletes and converters survive the
trip into Elasticsearch, and what sources must not share. Per-connector schema checks
(`kconnect.validate.keys.check_config`) are a separate layer; this module never repeats them — in
particular ``tasks.max`` on a binlog source is the schema's ``schema/range``.

Every rule has a stable slug id and one severity, listed in `rules.RULES`; the table in
docs/validation.md comes from `rules_markdown()`. Each problem points at the key most to blame.

Topic matching is deliberately conservative: a sink is only reported as matching nothing when
every declared producer is a Debezium binlog source whose topic names kconnect can derive;
regexes are compared with `regex.regex_overlap`, which over-approximates (so it never claims "no
match" when one is possible, within the constructs it understands, and answers "maybe" for
the rest).

The rules live by concern: `topics`, `debezium`, `elasticsearch`, `converters`, `secrets`;
`rules` is the table of ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from kconnect.diagnostics import Problem
from kconnect.manifests.model import Manifest
from kconnect.validate.lint.common import (
    BINLOG_CLASSES,
    DEFAULT_WORKER,
    ELASTICSEARCH,
    Report,
    is_sink,
)
from kconnect.validate.lint.converters import check_converter_options, check_converters
from kconnect.validate.lint.debezium import (
    check_snapshot_locking,
    check_source_identity,
    check_unwrap_options,
)
from kconnect.validate.lint.rules import RULES, Rule, rules_markdown
from kconnect.validate.lint.secrets import check_secrets

if TYPE_CHECKING:
    from kconnect.validate.lint.topics import Source

__all__ = ["RULES", "Rule", "lint_pipeline", "rules_markdown"]


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
    report = Report()
    # Topic and Elasticsearch rules (and the regex reasoning topics need) are imported only
    # when a manifest has a class they look at: start-up (issue #22).
    sources: list[Source] = []
    if any(m.connector_class in BINLOG_CLASSES for m in manifests):
        from kconnect.validate.lint.topics import source_of

        sources = [source_of(m) for m in manifests if m.connector_class in BINLOG_CLASSES]
    sinks = [m for m in manifests if is_sink(m)]
    # Anything that is neither a sink nor a modelled source may write any topic.
    unknown_producers = any(
        m.connector_class not in BINLOG_CLASSES and not is_sink(m) for m in manifests
    ) or any(s.opaque for s in sources)

    for m in manifests:
        check_secrets(report, m, worker_defaults)
        check_converter_options(report, m)
        check_unwrap_options(report, m)
        if m.connector_class in BINLOG_CLASSES:
            check_snapshot_locking(report, m)
        if m.connector_class == ELASTICSEARCH:
            from kconnect.validate.lint.elasticsearch import check_es_internal, check_es_validator

            check_es_internal(report, m)
            check_es_validator(report, m)
    check_source_identity(report, manifests, sources)

    for sink in sinks:
        from kconnect.validate.lint.topics import check_sink_topics_config, feeders_of

        if not check_sink_topics_config(report, sink):
            continue
        feeders = feeders_of(report, sink, sources, unknown_producers)
        for src in feeders:
            check_converters(report, src.manifest, sink, worker)
        if sink.connector_class == ELASTICSEARCH and feeders:
            from kconnect.validate.lint.elasticsearch import check_es_pipeline

            check_es_pipeline(report, sink, feeders, worker)
    return report.sorted()
