"""The committed plugin catalogs still say what the real plugins say.

Regenerate with `python -m kconnect.validate.catalog_gen URL --out kconnect/validate/bundled
--kafka-libs <stack>/lib --plugin-path <stack>/plugins --plugin-path <stack's ES sink plugins>`
when this fails after a version bump.
The checks (validators) come from the same worker's class path and plugin path, read by
tools/DumpConfigDefs.java."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kconnect.validate.catalog_gen import (
    client_catalog,
    dump_config_defs,
    merge_config_defs,
    read_worker,
    topic_creation_catalog,
)
from kconnect.validate.plugin_catalogs import BUNDLED
from tests.stack.stack import Stack

# The Elasticsearch sink's catalog is generated too: the stack needs the sink on its plugin path.
pytestmark = [pytest.mark.integration, pytest.mark.elasticsearch]

HAND_WRITTEN = {"supplement.json"}


def _comparable(catalog: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in catalog.items() if k != "origin"}


def test_committed_catalogs_match_the_real_plugins(real_stack: Stack) -> None:
    live, version = read_worker(real_stack.url)
    assert real_stack.artifacts is not None
    plugin_path = [real_stack.artifacts / "plugins"]
    if real_stack.sink_plugins is not None:
        plugin_path.append(real_stack.sink_plugins)
    dump = dump_config_defs(real_stack.artifacts / "lib", plugin_path)
    assert dump["errors"] == []
    merge_config_defs(live, dump)
    live["kafka-clients.json"] = client_catalog(dump, version)
    live["framework-topic-creation.json"] = topic_creation_catalog(dump, version)
    committed = {
        p.name: json.loads(p.read_text(encoding="utf-8"))
        for p in Path(BUNDLED).glob("*.json")
        if p.name not in HAND_WRITTEN
    }
    missing = sorted(set(committed) - set(live))
    assert missing == [], f"plugins no longer installed: {missing}"
    for name, catalog in sorted(committed.items()):
        assert _comparable(live[name]) == _comparable(catalog), name
