"""kconnect's version and the worker's."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kconnect.errors import ConnectError
from kconnect.records import record

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient


@record
class Info:
    kconnect_version: str
    url: str
    context: str | None
    worker: Mapping[str, Any] | None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kconnect_version": self.kconnect_version,
            "url": self.url,
            "context": self.context,
            "worker": dict(self.worker) if self.worker is not None else None,
            "error": self.error,
        }


def info(client: ConnectClient, context: str | None) -> Info:
    """kconnect's version and the worker's (`GET /`: version, commit, Kafka cluster id)."""
    from kconnect import __version__

    url = redact_url(client.settings.url)
    try:
        worker = client.server_info()
    except ConnectError as exc:
        return Info(__version__, url, context, None, exc.message)
    return Info(__version__, url, context, worker)


def redact_url(url: str) -> str:
    """A URL without any `user:password@` part."""
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", r"\1", url)
