"""The Elasticsearch sink: its own validator's rules, and what must hold from source to index
(unwrapped envelope, document ids, deletes, mappings)."""

from __future__ import annotations

from collections.abc import Mapping

from kconnect.manifests.model import Manifest
from kconnect.records import record
from kconnect.validate.lint.common import (
    EXTRACT_KEY,
    Report,
    Transform,
    is_unwrap,
    read_bool,
    read_int,
    read_lower,
    reduces_key,
    split_list,
    transforms_of,
)
from kconnect.validate.lint.converters import Converter, converter_of
from kconnect.validate.lint.topics import Source


def check_es_internal(report: Report, m: Manifest) -> None:
    config = m.config
    batch = read_int(config, "batch.size", 2000) or 2000
    in_flight = read_int(config, "max.in.flight.requests", 5) or 5
    buffered = read_int(config, "max.buffered.records", 20000) or 20000
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
    stream = read_lower(config, "data.stream.type", "none")
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
    if stream != "none" and read_lower(config, "write.method", "insert") == "upsert":
        report.add(
            "es-data-stream",
            m,
            "write.method",
            "write.method=UPSERT is not allowed with data streams (append-only)",
        )
    if stream != "none" and read_lower(config, "behavior.on.null.values", "fail") == "delete":
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
        if read_bool(config, flag, False) and config.get(per_topic, "").strip():
            report.add(
                "es-ignore-conflict",
                m,
                per_topic,
                f"{per_topic} cannot be set while {flag}=true",
            )


def _set(config: Mapping[str, str], key: str) -> bool:
    return bool(config.get(key, "").strip())


def check_es_validator(report: Report, m: Manifest) -> None:
    """The rest of the sink's own `Validator` (kafka-connect-elasticsearch 15.x,
    io.confluent.connect.elasticsearch.Validator), key pairs and limits the worker rejects at
    `PUT .../config/validate`."""
    config = m.config

    def add(key: str, message: str, method: str) -> None:
        report.add("es-validator", m, key, f"{message} (Validator.{method})")

    linger = read_int(config, "linger.ms", 1)
    flush = read_int(config, "flush.timeout.ms", 180000)
    if linger is not None and flush is not None and linger > flush:
        add(
            "linger.ms",
            f"linger.ms ({linger}) can not be larger than flush.timeout.ms ({flush})",
            "validateLingerMs",
        )
    proxy_user, proxy_password = _set(config, "proxy.username"), "proxy.password" in config
    if not _set(config, "proxy.host"):
        for key, used in (("proxy.username", proxy_user), ("proxy.password", proxy_password)):
            if used:
                add(key, f"proxy.host must be set to use {key}", "validateProxy")
    elif proxy_user != proxy_password:
        half = "proxy.username" if proxy_user else "proxy.password"
        add(half, "set both or neither of proxy.username and proxy.password", "validateProxy")
    ssl_keys = sorted(k for k in config if k.startswith("elastic.https."))
    ssl = read_lower(config, "elastic.security.protocol", "plaintext") == "ssl"
    if not ssl and ssl_keys:
        add(
            "elastic.security.protocol",
            f"elastic.security.protocol must be SSL to use SSL configs ({', '.join(ssl_keys)})",
            "validateSsl",
        )
    if ssl and not ssl_keys:
        add(
            "elastic.security.protocol",
            "elastic.security.protocol=SSL needs the elastic.https.ssl.* configs (keystore and "
            "truststore location and password); otherwise set it to PLAINTEXT",
            "validateSsl",
        )
    # Both default to null: set (even to an empty string) counts, as in isKerberosEnabled().
    principal, keytab = "kerberos.user.principal" in config, "kerberos.keytab.path" in config
    if principal != keytab:
        add(
            "kerberos.user.principal" if principal else "kerberos.keytab.path",
            "set both or neither of kerberos.user.principal and kerberos.keytab.path",
            "validateKerberos",
        )
    if principal or keytab:
        where = "kerberos.user.principal" if principal else "kerberos.keytab.path"
        if "connection.username" in config and "connection.password" in config:
            add(
                where,
                "Kerberos cannot be used with connection.username/connection.password",
                "validateKerberos",
            )
        if _set(config, "proxy.host"):
            add("proxy.host", "Kerberos is not supported with proxy.host", "validateKerberos")


@record
class _EsSink:
    """What the pipeline checks need to know about one Elasticsearch sink."""

    manifest: Manifest
    transforms: list[Transform]
    key_converter: Converter
    value_converter: Converter

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def unwraps(self) -> list[Transform]:
        return [t for t in self.transforms if is_unwrap(t)]

    @property
    def key_ignore(self) -> bool:
        return read_bool(self.manifest.config, "key.ignore", False)


def check_es_pipeline(
    report: Report, sink: Manifest, feeders: list[Source], worker: Mapping[str, str]
) -> None:
    es = _EsSink(
        sink,
        transforms_of(sink),
        converter_of(sink, "key", worker),
        converter_of(sink, "value", worker),
    )
    _check_envelope(report, es, feeders)
    _check_document_ids(report, es, feeders)
    _check_deletes(report, es, feeders)
    _check_mapping(report, es, feeders)


def _check_envelope(report: Report, es: _EsSink, feeders: list[Source]) -> None:
    """ExtractNewRecordState on the source, or on a sink that reads records with schemas."""
    unwraps = es.unwraps
    missing = [
        src.name
        for src in feeders
        if not any(is_unwrap(t) for t in transforms_of(src.manifest))
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


def _check_document_ids(report: Report, es: _EsSink, feeders: list[Source]) -> None:
    if es.key_ignore:
        return
    string_key = es.key_converter.cls.rsplit(".", 1)[-1] == "StringConverter"
    reducers = [t for t in es.transforms if reduces_key(t)]
    if not string_key and not reducers:
        unreduced = [
            s.name for s in feeders if not any(map(reduces_key, transforms_of(s.manifest)))
        ]
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
        specs = split_list(src.manifest.config.get("message.key.columns", ""), ";")
        composite = [spec for spec in specs if len(split_list(spec.partition(":")[2])) > 1]
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
# Modes in which ExtractNewRecordState turns each delete event itself into a null-value record
# (and drops Debezium's own tombstone): deletes reach the sink whatever tombstones.on.delete
# says. Seen on the real pipeline (Debezium 3.5): with tombstones.on.delete=false and the
# default mode the sink still deleted the document.
_DELETE_EVENT_TO_NULL = frozenset({"tombstone", "delete-to-tombstone"})


def _tombstones(report: Report, es: _EsSink, src: Source) -> bool:
    """Whether deletes reach the sink as null-value records; reports why they do not."""
    sconf = src.manifest.config
    on_delete = read_bool(sconf, "tombstones.on.delete", True)
    emits = on_delete
    dropped_by: tuple[Manifest, Transform, str] | None = None
    chain = [(src.manifest, t) for t in transforms_of(src.manifest) if is_unwrap(t)]
    chain += [(es.manifest, t) for t in es.unwraps]
    for owner, t in chain:
        mode = t.props.get("delete.tombstone.handling.mode", "tombstone").strip().lower()
        if mode in _DELETE_EVENT_TO_NULL:
            emits = True
        elif mode in _TOMBSTONE_DROPPING:
            dropped_by = (owner, t, mode)
    if not emits:
        why = (
            "and no ExtractNewRecordState turns delete events into null-value records"
            if not chain
            else "and delete.tombstone.handling.mode keeps the delete event as a document"
        )
        report.add(
            "deletes-lost",
            src.manifest,
            "tombstones.on.delete",
            f"tombstones.on.delete=false {why}: {es.name} never receives a tombstone, so "
            "deleted rows stay in Elasticsearch",
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


def _check_deletes(report: Report, es: _EsSink, feeders: list[Source]) -> None:
    config = es.manifest.config
    reach = False
    for src in feeders:
        skipped = {
            op.lower() for op in split_list(src.manifest.config.get("skipped.operations", "t"))
        }
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
    behavior = read_lower(config, "behavior.on.null.values", "fail")
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
    if read_lower(config, "data.stream.type", "none") != "none" and behavior != "delete":
        report.add(
            "deletes-lost",
            es.manifest,
            "data.stream.type",
            "data streams are append-only: deletes cannot be applied",
        )


def _check_mapping(report: Report, es: _EsSink, feeders: list[Source]) -> None:
    """`schema.ignore=false` infers the index mapping from the record schema."""
    if read_bool(es.manifest.config, "schema.ignore", False):
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
        mode = read_lower(src.manifest.config, "time.precision.mode", "adaptive_time_microseconds")
        if mode != "connect":
            report.add(
                "es-time-precision",
                src.manifest,
                "time.precision.mode",
                f"time.precision.mode={mode} produces io.debezium.time.* types, which "
                f"{es.name} (schema.ignore=false) maps as numbers, not dates",
            )
