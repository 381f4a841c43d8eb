"""The seed tutorial's two connectors, as written: lint must flag each of its pipeline bugs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml

from kconnect.diagnostics import Location, Problem
from kconnect.manifests.model import Manifest
from kconnect.validate.keys import check_config
from kconnect.validate.lint import lint_pipeline

TUTORIAL = Path(__file__).parent / "fixtures" / "tutorial"
FILES = sorted(TUTORIAL.glob("*.yaml"))


def _scalar(node: yaml.Node) -> str:
    value = yaml.safe_load(yaml.serialize(node))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def load_local(path: Path) -> Manifest:
    """A tiny stand-in for the real loader: string values and 1-based line numbers."""
    root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    assert isinstance(root, yaml.MappingNode)
    fields = {k.value: (k, v) for k, v in root.value}
    config_key, config_node = fields["config"]
    config: dict[str, str] = {}
    lines: dict[str, Location] = {}
    for key_node, value_node in config_node.value:
        config[key_node.value] = _scalar(value_node)
        lines[key_node.value] = Location(str(path), key_node.start_mark.line + 1)
    return Manifest(
        name=fields["name"][1].value,
        config=config,
        location=Location(str(path), config_key.start_mark.line + 1),
        key_locations=lines,
    )


def _check_tutorial(manifests: Sequence[Manifest]) -> list[Problem]:
    by_name = {m.name: m for m in manifests}
    source, sink = by_name["mydb-connector"], by_name["elasticsearch-sink"]
    assert sink.config["topics.regex"] == r"mysql\.mydb\..*"
    assert sink.config["key.ignore"] == "true"
    problems = lint_pipeline(manifests)
    found = {(p.rule, p.connector, p.location) for p in problems}

    # The sink listens to mysql.mydb.* but the source writes mingle.mydb.*: outside the
    # source's namespace another producer could write them, so a warning, not an error.
    assert ("topics-unproduced", sink.name, sink.location_of("topics.regex")) in found
    # Neither connector unwraps the Debezium envelope.
    assert any(rule == "envelope-not-unwrapped" for rule, _, _ in found)
    # key.ignore=true: ids are topic+partition+offset, deletes remove nothing.
    assert ("deletes-lost", sink.name, sink.location_of("key.ignore")) in found
    # behavior.on.null.values left at FAIL: the first tombstone kills the task.
    assert ("es-null-values-fail", sink.name, sink.location) in found
    # database.password: dbz in plaintext.
    assert ("plaintext-secret", source.name, source.location_of("database.password")) in found
    # The sink reads values without schemas that the (worker-default) source wrote with them.
    assert (
        "converter-mismatch",
        sink.name,
        sink.location_of("value.converter.schemas.enable"),
    ) in found
    # The per-class checks find nothing wrong with either config on its own.
    assert [p for m in manifests for p in check_config(m)] == []
    return problems


def test_tutorial_bugs_are_flagged_local_loader() -> None:
    manifests = [load_local(path) for path in FILES]
    problems = _check_tutorial(manifests)
    # Locations are real file lines, e.g. the regex on line 6 of the sink's file.
    regex_problem = next(p for p in problems if p.rule == "topics-unproduced")
    assert regex_problem.location is not None
    assert regex_problem.location.line == 6
    assert regex_problem.location.path.endswith("elasticsearch-sink.yaml")


def test_tutorial_bugs_are_flagged_real_loader() -> None:
    manifest_module = pytest.importorskip("kconnect.manifests.loader")
    load = getattr(manifest_module, "load_manifests", None)
    if load is None:
        pytest.skip("kconnect.manifests.loader.load_manifests not available yet")
    _check_tutorial(load([str(p) for p in FILES], {}))
