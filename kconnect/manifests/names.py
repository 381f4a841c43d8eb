"""What the worker would store as written: a connector name it would not is rejected before
anything is sent."""

from __future__ import annotations

import re

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def validate_connector_name(name: str) -> str | None:
    """Why `name` cannot be a connector name, or None when it can."""
    if not name.strip():
        return "connector name must not be empty"
    if _CONTROL_CHARS.search(name):
        return f"connector name {name!r} contains control characters"
    if "/" in name:
        # Jetty 12 (Connect 4.x) answers 400 "Ambiguous URI path separator" for %2F, so such a
        # connector could be created but never read, updated or deleted again.
        return f"connector name {name!r} contains '/', which Connect 4.x cannot address over REST"
    return None
