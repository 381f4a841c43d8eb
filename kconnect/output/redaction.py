"""Deciding which config values are secrets, and masking them before anything is shown.

A key is secret when the connector's schema (or the worker's validate definitions) types it
PASSWORD, or when its name looks like a credential. The name patterns are deliberately broad:
showing `********` for a harmless key costs little; printing a password costs a rotation.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection, Iterable, Mapping

MASK = "********"

# Names that look like credentials, matched against the whole key, case-insensitively.
_SECRET_KEY = re.compile(
    r"(password|passwd|secret|token|credential|api[._-]?key|apikey|private[._-]?key"
    r"|sasl\.jaas\.config|basic\.auth\.user\.info|access[._-]?key|auth\.info|keystore\.key)",
    re.IGNORECASE,
)
# Connect ConfigProvider reference: `${provider:[path:]key}`; the worker resolves it, so the
# stored value is not the secret itself.
_CONFIG_REFERENCE = re.compile(r"^\$\{[^:}]+:[^}]*\}$")


def is_secret_key(key: str, password_keys: Collection[str] = ()) -> bool:
    """True when `key` must never be shown: PASSWORD-typed, or named like a secret."""
    return key in password_keys or bool(_SECRET_KEY.search(key))


def is_config_reference(value: str) -> bool:
    """True for `${file:/path:key}`, `${env:VAR}` and other ConfigProvider references."""
    return bool(_CONFIG_REFERENCE.match(value))


def mask_value(key: str, value: str | None, password_keys: Collection[str] = ()) -> str | None:
    """The value as it may be shown. Provider references are not secrets and stay readable."""
    if value is None or not is_secret_key(key, password_keys) or is_config_reference(value):
        return value
    return MASK


def mask_config(config: Mapping[str, str], password_keys: Collection[str] = ()) -> dict[str, str]:
    return {k: mask_value(k, v, password_keys) or "" for k, v in config.items()}


def redact_text(text: str, secret_values: Collection[str]) -> str:
    """Remove known secret values from free text (worker error messages echo whole configs)."""
    for value in sorted((v for v in secret_values if len(v) >= 3), key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


# -- registry of known secret values (last line of defence) ------------------------------------


class _SecretRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.values: tuple[str, ...] = ()  # longest first, so a secret's prefix is not left

    def add(self, values: Iterable[str]) -> None:
        with self._lock:
            merged = set(self.values) | {v for v in values if v and len(v) >= 4}
            self.values = tuple(sorted(merged, key=len, reverse=True))

    def clear(self) -> None:
        with self._lock:
            self.values = ()


_registry = _SecretRegistry()


def register_secrets(values: Iterable[str]) -> None:
    """Remember values that must never be written (shorter than 4 characters is too common a
    substring to replace safely; such values are still masked by key)."""
    _registry.add(values)


def clear_secrets() -> None:
    _registry.clear()


def redact(text: str) -> str:
    for value in _registry.values:
        if value in text:
            text = text.replace(value, MASK)
    return text
