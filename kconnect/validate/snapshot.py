"""`kconnect plugins snapshot`: the live cluster's plugin catalogs, written next to the
manifests so that `validate` checks any class offline (a pull-request CI job has no cluster).

Also the drift check for `plan/apply --online`: a snapshot taken from other plugin versions
than the worker runs is reported, since its catalogs may no longer be true."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kconnect.records import record
from kconnect.validate.catalog_gen import read_catalogs, write_catalogs

if TYPE_CHECKING:
    from kconnect.validate.catalog_gen import PluginSource


@record
class SnapshotResult:
    folder: str
    plugins: tuple[tuple[str, str, str], ...]  # (type, class, version)

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "plugins": [{"type": t, "class": c, "version": v} for t, c, v in self.plugins],
        }


def take_snapshot(source: PluginSource, folder: Path) -> SnapshotResult:
    catalogs = read_catalogs(source)
    write_catalogs(catalogs, folder)
    rows = sorted(
        (str(c.get("type", "")), str(c["class"]), str(c.get("version") or ""))
        for c in catalogs.values()
    )
    return SnapshotResult(str(folder), tuple(rows))


def version_drift(folder: Path, live_plugins: Iterable[dict[str, Any]]) -> list[str]:
    """One sentence per plugin whose snapshot version differs from the worker's."""
    live = {str(p.get("class")): str(p.get("version") or "") for p in live_plugins}
    found = []
    for path in sorted(folder.glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        cls, version = str(doc.get("class", "")), str(doc.get("version") or "")
        if cls in live and live[cls] != version:
            found.append(
                f"plugin catalog {path} is for {cls} {version or '?'}, but the worker runs "
                f"{live[cls] or '?'}: refresh it with `kconnect plugins snapshot`"
            )
    return found
