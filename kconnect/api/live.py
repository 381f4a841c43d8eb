"""Reading the worker's own view of a connector: the config and state in one
`GET /connectors?expand=info&expand=status` entry, and the config as kconnect compares it.

Import-free on purpose: planning, operations, reconcile and the CLI all read live entries, and
none of them should pay for the HTTP client to do so."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The worker adds `name`; `__internal.*` keys are its own bookkeeping, never ours to manage.
_IGNORED_KEY_PREFIXES = ("__internal.",)
_IGNORED_KEYS = frozenset({"name"})


def comparable_config(config: Mapping[str, str]) -> dict[str, str]:
    """A live config with the keys the worker adds removed, ready to compare as a dict."""
    return {
        k: v
        for k, v in config.items()
        if k not in _IGNORED_KEYS and not k.startswith(_IGNORED_KEY_PREFIXES)
    }


def live_state(entry: Mapping[str, Any]) -> str | None:
    """The connector state from one `?expand=status` entry, if the worker reported one."""
    status = entry.get("status") or {}
    connector = status.get("connector") or {}
    state = connector.get("state")
    return str(state) if state else None


def live_config(entry: Mapping[str, Any]) -> dict[str, str]:
    info = entry.get("info") or {}
    return dict(info.get("config") or {})
