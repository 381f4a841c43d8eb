"""Converters: which converter wrote a topic and which reads it, and ignored converter options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from kconnect.manifests.model import Manifest
from kconnect.validate.lint.common import JSON_CONVERTER, Report, read_bool


class Converter(NamedTuple):
    """The key or value converter a connector uses, and where that was set."""

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


def converter_of(m: Manifest, side: str, worker: Mapping[str, str]) -> Converter:
    cls_key = f"{side}.converter"
    schemas_key = f"{cls_key}.schemas.enable"
    if cls_key in m.config:
        source, overridden = m.config, True
    else:
        source, overridden = worker, False
    cls = (source.get(cls_key) or JSON_CONVERTER).strip()
    schemas = read_bool(source, schemas_key, True) if cls == JSON_CONVERTER else None
    blame = schemas_key if overridden and schemas_key in m.config else cls_key
    return Converter(cls, schemas, blame, overridden)


# --- the lint ------------------------------------------------------------------------------


def check_converters(
    report: Report, source: Manifest, sink: Manifest, worker: Mapping[str, str]
) -> None:
    for side in ("key", "value"):
        wrote = converter_of(source, side, worker)
        reads = converter_of(sink, side, worker)
        if (wrote.cls, wrote.schemas) == (reads.cls, reads.schemas):
            continue
        blame, at = (sink, reads) if reads.overridden or not wrote.overridden else (source, wrote)
        report.add(
            "converter-mismatch",
            blame,
            at.key,
            f"{sink.name} reads {side}s with {reads.describe()} but {source.name} writes them "
            f"with {wrote.describe()}{_consequence(wrote, reads)}",
        )


def _consequence(wrote: Converter, reads: Converter) -> str:
    """What the real worker does with the mismatch (tests/integration/test_es_rules_real.py)."""
    if wrote.cls != JSON_CONVERTER or reads.cls != JSON_CONVERTER:
        return ""
    if reads.schemas and not wrote.schemas:
        return (
            ': its task fails with \'JsonConverter with schemas.enable requires "schema" and '
            '"payload" fields\''
        )
    return (
        ": every record arrives as a map of the JSON envelope (schema, payload), without a "
        "schema; indexed as it is, Elasticsearch rejected such documents ('Indexing record "
        "failed')"
    )


def check_converter_options(report: Report, m: Manifest) -> None:
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
