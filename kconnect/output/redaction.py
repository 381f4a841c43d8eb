"""The one redaction seam: what is a secret, and masking it in data before it is serialised.

A key is secret when the connector's schema (or the worker's validate definitions) types it
PASSWORD, or when its name looks like a credential. The name patterns are deliberately broad:
showing `********` for a harmless key costs little; printing a password costs a rotation.
The password part of a URL's user info (`scheme://user:PASSWORD@host`) is a secret whatever
the key.

Three layers, all applied to data (strings, dicts, lists) — never to JSON or YAML text, where
escaping (`"` → `\\"`, non-ASCII → `\\u00e9`) would hide a secret from a text search:

1. By key: `mask_value` / `mask_config` / `redact_data` mask the values of secret keys and the
   passwords inside URLs.
2. By pattern, for text that comes from the worker (error messages, traces) and can echo a
   config whose values were never seen: `key=value` (Java `Map.toString()`), `"key": "value"`,
   JAAS `password="…"`, `Invalid value … for configuration key`, URL user info.
3. By value: every secret kconnect has seen (manifests, credentials, live configs) is
   registered, and replaced wherever it appears — the last line of defence.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Collection, Iterable, Mapping
from typing import Any

MASK = "********"

# Names that look like credentials, matched anywhere in the key, case-insensitively.
_SECRET_KEY = re.compile(
    r"(password|passwd|secret|token|credential|api[._-]?key|apikey|private[._-]?key"
    r"|sasl\.jaas\.config|basic\.auth\.user\.info|access[._-]?key|auth\.info|keystore\.key)",
    re.IGNORECASE,
)
# Connect ConfigProvider reference: `${provider:[path:]key}`; the worker resolves it, so the
# stored value is not the secret itself.
_CONFIG_REFERENCE = re.compile(r"^\$\{[^:}]+:[^}]*\}$")

# `scheme://user:password@host`. The authority ends at `/`, `?`, `#` or whitespace; the
# password runs to the last `@` before that (unencoded `@` in passwords is common).
_URL_USERINFO = re.compile(
    r"(?P<prefix>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/?#@]*:)(?P<password>[^\s/?#]*)(?P<at>@)"
)
# A config key as the worker writes it in `Map.toString()` or JSON.
_KEY = r"[A-Za-z0-9_][A-Za-z0-9_.\-]*"
_KEY_EQUALS = re.compile(rf"(?<![A-Za-z0-9_.\-])({_KEY})[ \t]*=[ \t]*")
_NEXT_ENTRY = re.compile(rf", {_KEY}=")
_JSON_PAIR = re.compile(rf'(?P<q>\\*")(?P<key>{_KEY})(?P=q)\s*:\s*(?P=q)')
_INVALID_VALUE = re.compile(
    rf"(?P<head>Invalid value )(?P<value>.*?)(?P<tail> for configuration (?P<key>{_KEY}))"
)


def is_secret_key(key: str, password_keys: Collection[str] = ()) -> bool:
    """True when `key` must never be shown: PASSWORD-typed, or named like a secret."""
    return key in password_keys or bool(_SECRET_KEY.search(key))


def is_config_reference(value: str) -> bool:
    """True for `${file:/path:key}`, `${env:VAR}` and other ConfigProvider references."""
    return bool(_CONFIG_REFERENCE.match(value))


# -- URLs ----------------------------------------------------------------------------------------


def url_password_spans(text: str) -> list[tuple[int, int]]:
    """Where the passwords of every `scheme://user:password@host` in `text` are (ConfigProvider
    references and already masked ones excluded)."""
    if "://" not in text:
        return []
    return [
        m.span("password")
        for m in _URL_USERINFO.finditer(text)
        if m.group("password")
        and not is_config_reference(m.group("password"))
        and m.group("password") != MASK
    ]


def url_passwords(text: str) -> list[str]:
    """The passwords in every `scheme://user:password@host` of `text` (references excluded)."""
    return [text[start:end] for start, end in url_password_spans(text)]


def mask_url_credentials(text: str) -> str:
    """`scheme://user:password@host/…` → `scheme://user:********@host/…`, for every URL."""
    if "://" not in text:
        return text

    def masked(m: re.Match[str]) -> str:
        if is_config_reference(m.group("password")):
            return m.group(0)
        return m.group("prefix") + MASK + m.group("at")

    return _URL_USERINFO.sub(masked, text)


# -- by key --------------------------------------------------------------------------------------


def mask_value(key: str, value: str | None, password_keys: Collection[str] = ()) -> str | None:
    """The value as it may be shown. Provider references are not secrets and stay readable;
    a URL in a harmless key keeps everything but its password."""
    if value is None or is_config_reference(value):
        return value
    if is_secret_key(key, password_keys):
        return MASK
    return mask_url_credentials(value)


def mask_config(config: Mapping[str, str], password_keys: Collection[str] = ()) -> dict[str, str]:
    return {k: mask_value(k, v, password_keys) or "" for k, v in config.items()}


def config_secret_values(
    config: Mapping[str, Any], password_keys: Collection[str] = ()
) -> set[str]:
    """Every value of `config` that must not appear anywhere: secret keys' values and the
    passwords inside URLs."""
    values: set[str] = set()
    for key, value in config.items():
        if not isinstance(value, str) or not value or is_config_reference(value):
            continue
        if is_secret_key(str(key), password_keys):
            values.add(value)
            values.update(_jaas_passwords(value))
        values.update(url_passwords(value))
    return values


# -- by pattern, for worker text -----------------------------------------------------------------


def _quoted_end(text: str, start: int, quote: str) -> int:
    """Index of the closing `quote` for a string opened just before `start` (backslash
    escapes honoured); the end of the line when it is never closed."""
    line_end = text.find("\n", start)
    line_end = len(text) if line_end < 0 else line_end
    if quote == "'":
        end = text.find("'", start, line_end)
        return line_end if end < 0 else end
    if quote != '"':
        # `\\"…\\"`: a JSON document quoted inside a JSON string. Its closing quote has
        # 1 (or 5, 9…) backslashes before it; an escaped quote inside the value has 3, 7…
        end = text.find('"', start, line_end)
        while end >= 0:
            slashes = end - len(text[:end].rstrip("\\"))
            if slashes % 4 == 1:
                return end - 1
            end = text.find('"', end + 1, line_end)
        return line_end
    i = start
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char in ('"', "\n"):
            return i
        i += 1
    return len(text)


def _unquoted_end(text: str, start: int) -> int:
    """Where an unquoted `Map.toString()` value starting at `start` ends: before the next
    `, key=` entry; else at the last `}` of the line (values may hold braces); else at the end
    of the line. Ambiguous text is masked too far rather than not far enough."""
    line_end = text.find("\n", start)
    line_end = len(text) if line_end < 0 else line_end
    following = _NEXT_ENTRY.search(text, start, line_end)
    if following:
        return following.start()
    brace = text.rfind("}", start, line_end)
    return brace if brace >= 0 else line_end


def _mask_key_value_pairs(text: str, password_keys: Collection[str]) -> str:
    out: list[str] = []
    pos = 0
    for m in _KEY_EQUALS.finditer(text):
        if m.start() < pos or not is_secret_key(m.group(1), password_keys):
            continue
        start = m.end()
        quote = next((q for q in ('\\"', '"', "'") if text.startswith(q, start)), None)
        if quote:
            start += len(quote)
            end = _quoted_end(text, start, quote)
        elif text[m.end(1) : m.end()] == "=":
            end = _unquoted_end(text, start)
        else:
            continue  # `key = value` unquoted is prose, not a Map entry
        value = text[start:end]
        if not value or value == MASK or is_config_reference(value):
            continue
        out.append(text[pos:start])
        out.append(MASK)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _mask_json_pairs(text: str, password_keys: Collection[str]) -> str:
    out: list[str] = []
    pos = 0
    for m in _JSON_PAIR.finditer(text):
        if m.start() < pos or not is_secret_key(m.group("key"), password_keys):
            continue
        start = m.end()
        end = _quoted_end(text, start, m.group("q"))
        value = text[start:end]
        if not value or value == MASK or is_config_reference(value):
            continue
        out += [text[pos:start], MASK]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _mask_invalid_value(text: str, password_keys: Collection[str]) -> str:
    def masked(m: re.Match[str]) -> str:
        if not is_secret_key(m.group("key"), password_keys) or m.group("value") == "[hidden]":
            return m.group(0)
        return m.group("head") + MASK + m.group("tail")

    return _INVALID_VALUE.sub(masked, text)


_JAAS_PASSWORD = re.compile(r"""(?i)password\s*=\s*(\\?["'])(.*?)(?<!\\)\1""")


def _jaas_passwords(value: str) -> list[str]:
    return [m.group(2) for m in _JAAS_PASSWORD.finditer(value) if m.group(2)]


def redact_patterns(text: str, password_keys: Collection[str] = ()) -> str:
    """Mask what looks like a secret in free text even if its value was never seen."""
    if "=" in text:
        text = _mask_key_value_pairs(text, password_keys)
    if '"' in text:
        text = _mask_json_pairs(text, password_keys)
    if "Invalid value" in text:
        text = _mask_invalid_value(text, password_keys)
    return mask_url_credentials(text)


def redact_text(
    text: str, secret_values: Collection[str] = (), password_keys: Collection[str] = ()
) -> str:
    """Free text as it may be shown: known secret values (the registry's and `secret_values`)
    replaced, then secret-looking pairs and URL passwords masked by pattern."""
    text = _registry.replace(text, secret_values)
    return redact_patterns(text, _registry.keys | frozenset(password_keys))


# kconnect's own settings that name where a credential is (`password_env`, `token_file`).
_NAMES_A_REFERENCE = ("_env", "_file")


def redact_data(value: Any, password_keys: Collection[str] = ()) -> Any:
    """A copy of a JSON-like structure that is safe to serialise: secret keys' values masked,
    every string redacted (`redact_text`). Dataclass-like objects are turned into data first
    through their `to_dict()`."""
    if isinstance(value, str):
        return redact_text(value, (), password_keys)
    if isinstance(value, Mapping):
        result: dict[Any, Any] = {}
        for key, item in value.items():
            if (
                isinstance(key, str)
                and isinstance(item, str)
                and item
                and is_secret_key(key, password_keys)
                and not key.endswith(_NAMES_A_REFERENCE)
                and not is_config_reference(item)
            ):
                result[key] = MASK
            else:
                result[key] = redact_data(item, password_keys)
        return result
    if isinstance(value, (list, tuple)):
        return [redact_data(v, password_keys) for v in value]
    if hasattr(value, "to_dict"):
        return redact_data(value.to_dict(), password_keys)
    return value


# -- registry of known secret values (last line of defence) ------------------------------------


def _escaped_forms(value: str) -> set[str]:
    """The ways a value can be spelled once serialised: JSON (ASCII and UTF-8), Python repr."""
    forms = {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    forms.add(repr(value)[1:-1])
    return {f for f in forms if f}


class _SecretRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.values: tuple[str, ...] = ()  # longest first, so a secret's prefix is not left
        self.keys: frozenset[str] = frozenset()  # PASSWORD-typed keys learnt from the worker

    def add(self, values: Iterable[str]) -> None:
        with self._lock:
            merged = set(self.values)
            for value in values:
                if value and len(value) >= 4 and value != MASK:
                    merged |= _escaped_forms(value)
            self.values = tuple(sorted(merged, key=len, reverse=True))

    def add_keys(self, keys: Iterable[str]) -> None:
        with self._lock:
            self.keys = self.keys | frozenset(keys)

    def clear(self) -> None:
        with self._lock:
            self.values = ()
            self.keys = frozenset()

    def replace(self, text: str, extra: Collection[str] = ()) -> str:
        values: Iterable[str] = self.values
        if extra:
            values = sorted(
                set(self.values) | {f for v in extra if len(v) >= 3 for f in _escaped_forms(v)},
                key=len,
                reverse=True,
            )
        for value in values:
            if value in text:
                text = text.replace(value, MASK)
        return text


_registry = _SecretRegistry()


def register_secrets(values: Iterable[str]) -> None:
    """Remember values that must never be written (shorter than 4 characters is too common a
    substring to replace safely; such values are still masked by key and by pattern)."""
    _registry.add(values)


def register_config(config: Mapping[str, Any], password_keys: Collection[str] = ()) -> None:
    """Register a config's secrets (secret keys' values, URL passwords) as soon as it is read."""
    _registry.add_keys(k for k in password_keys)
    _registry.add(config_secret_values(config, password_keys))


def register_password_keys(keys: Iterable[str]) -> None:
    """PASSWORD-typed keys learnt from the worker: their `key=value` pairs in worker text are
    masked by pattern even when the key's name looks harmless."""
    _registry.add_keys(keys)


def clear_secrets() -> None:
    _registry.clear()


def redact(text: str) -> str:
    """Known secret values (in any of their escaped forms) replaced; nothing else changed."""
    return _registry.replace(text)
