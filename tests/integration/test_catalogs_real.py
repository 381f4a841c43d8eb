"""The committed plugin catalogs still say what the real plugins say.

Regenerate with `python -m kconnect.validate.catalog_gen URL --out kconnect/validate/bundled
--kafka-libs <stack>/lib` when this fails after a version bump."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kconnect.validate.catalog_gen import CatalogReader, read_catalogs
from kconnect.validate.plugin_catalogs import BUNDLED
from tests.stack.stack import Stack

pytestmark = pytest.mark.integration

HAND_WRITTEN = {
    "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector.json",
    "supplement.json",
    "kafka-clients.json",
}


def _comparable(catalog: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in catalog.items() if k != "origin"}


def test_committed_catalogs_match_the_real_plugins(real_stack: Stack) -> None:
    reader = CatalogReader(real_stack.url)
    try:
        live = read_catalogs(reader)
    finally:
        reader.close()
    committed = {
        p.name: json.loads(p.read_text(encoding="utf-8"))
        for p in Path(BUNDLED).glob("*.json")
        if p.name not in HAND_WRITTEN
    }
    missing = sorted(set(committed) - set(live))
    assert missing == [], f"plugins no longer installed: {missing}"
    for name, catalog in sorted(committed.items()):
        assert _comparable(live[name]) == _comparable(catalog), name
