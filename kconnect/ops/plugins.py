"""Installed plugins and their config definitions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kconnect.records import record

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient


def list_plugins(client: ConnectClient, *, include_all: bool = False) -> list[dict[str, Any]]:
    """Installed plugins: connectors, or with `include_all` also transforms, predicates and
    converters (`connectorsOnly=false`, Connect 3.2+)."""
    return [
        {"class": p.get("class"), "type": p.get("type"), "version": p.get("version")}
        for p in client.plugins(connectors_only=not include_all)
    ]


@record
class PluginDescription:
    plugin: str
    configs: tuple[Mapping[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"plugin": self.plugin, "configs": [dict(c) for c in self.configs]}


def describe_plugin(client: ConnectClient, plugin: str) -> PluginDescription:
    """The plugin's config definitions (the worker shows PASSWORD defaults as `[hidden]`)."""
    rows = []
    for definition in client.plugin_config(plugin):
        rows.append(
            {
                "name": definition.get("name"),
                "type": definition.get("type"),
                "default": definition.get("default_value"),
                "importance": definition.get("importance"),
                "required": bool(definition.get("required")),
                "group": definition.get("group"),
                "documentation": definition.get("documentation") or "",
            }
        )
    return PluginDescription(plugin, tuple(rows))
