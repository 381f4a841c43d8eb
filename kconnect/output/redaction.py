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

import _thread
import functools
import json
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any, NamedTuple

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

# Characters of a URL scheme (`jdbc:mysql`'s `mysql`), and where a URL-like token ends.
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_TOKEN_END = re.compile(r"\s")  # not quotes: passwords hold them
_USER_END = re.compile(r"[:/?#@]")
_AUTHORITY_END = re.compile(r"[/?#]")


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """The patterns below are kept as text and compiled on first use: most only ever match
    worker text, and a command that shows none (`validate`) need not compile them."""
    return re.compile(pattern)


# A config key as the worker writes it in `Map.toString()` or JSON.
_KEY = r"[A-Za-z0-9_][A-Za-z0-9_.\-]*"
_KEY_EQUALS = rf"(?<![A-Za-z0-9_.\-])({_KEY})[ \t]*=[ \t]*"
_NEXT_ENTRY = rf", {_KEY}="
# `(?<!\\)`: a match starts at the first backslash of a run (linear on `\\\\\\…`).
# A Python `repr` of a dict: `{'db.password': 'x'}` (a neighbour written in Python).
_PYTHON_PAIR = rf"""(?<![\\\w])'(?P<key>{_KEY})'\s*:\s*(?P<q>['"])"""
_JSON_PAIR = rf'(?<!\\)(?P<q>\\*")(?P<key>{_KEY})(?P=q)\s*:\s*(?P=q)'
_INVALID_VALUE = (
    # the value stops at the next `Invalid value `: linear on a line of many of them
    rf"(?P<head>Invalid value )(?P<value>(?:(?!Invalid value ).)*?)"
    rf"(?P<tail> for configuration (?P<key>{_KEY}))"
)


def is_secret_key(key: str, password_keys: Collection[str] = ()) -> bool:
    """True when `key` must never be shown: PASSWORD-typed, or named like a secret."""
    return key in password_keys or _named_like_secret(key)


# Key names repeat across thousands of connectors: each is matched once.
@functools.lru_cache(maxsize=4096)
def _named_like_secret(key: str) -> bool:
    return bool(_SECRET_KEY.search(key))


@functools.lru_cache(maxsize=4096)
def _named_like_user(key: str) -> bool:
    return bool(_USER_KEY.search(key))


def hide_value(message: str, value: str) -> str:
    """`message` (kconnect's own, about a secret key) with `value` named instead of quoted,
    whatever its length: the registry only replaces values of four characters or more."""
    if not value:
        return message
    for shown in (repr(value), json.dumps(value, ensure_ascii=False), value)[
        : 3 if len(value) >= 4 else 2
    ]:
        message = message.replace(shown, "the value (not shown: a secret)")
    return message


def is_config_reference(value: str) -> bool:
    """True for `${file:/path:key}`, `${env:VAR}` and other ConfigProvider references."""
    return value.startswith("${") and bool(_CONFIG_REFERENCE.match(value))


# -- URLs ----------------------------------------------------------------------------------------


def url_userinfo_spans(text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The (user, password) spans of every `scheme://user:password@host` in `text`.

    The password runs to the last `@` of the authority. When the authority as a strict URL
    parser sees it (up to the first `/`, `?` or `#`) holds no `@`, the password itself may
    hold those characters (`jdbc:mysql://app:pa/ss@db/inv`): like the JDBC drivers, the user
    info then ends at the last `@` before the host — unless what follows `user:` is a port
    (`http://host:8083/a@b` has no user info). Linear in `text`: no regex backtracks over it.
    """
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
    pos = 0
    token_end = token_last_at = -1
    while (sep := text.find("://", pos)) >= 0:
        pos = sep + 3
        if sep == 0 or text[sep - 1] not in _SCHEME_CHARS:
            continue
        start = pos
        if start >= token_end:
            end_match = _TOKEN_END.search(text, start)
            token_end = end_match.start() if end_match else len(text)
            token_last_at = text.rfind("@", start, token_end)
        if token_last_at < start:
            continue  # no `@` left in this token: no user info
        user_end = _USER_END.search(text, start, token_end)
        if not user_end or user_end.group() != ":":
            continue
        colon = user_end.start()
        password_start = colon + 1
        authority = _AUTHORITY_END.search(text, password_start, token_end)
        authority_end = authority.start() if authority else token_end
        at = text.rfind("@", password_start, authority_end)
        if at < 0:
            if text[password_start:authority_end].isdigit() or token_last_at < authority_end:
                continue  # `host:port/path@x`
            at = token_last_at
        spans.append(((start, colon), (password_start, at)))
    return spans


def url_password_spans(text: str) -> list[tuple[int, int]]:
    """Where the passwords of every `scheme://user:password@host` in `text` are (ConfigProvider
    references and already masked ones excluded)."""
    if "://" not in text:
        return []
    spans = []
    for _user, (start, end) in url_userinfo_spans(text):
        password = text[start:end]
        if password and password != MASK and not is_config_reference(password):
            spans.append((start, end))
    return spans


def url_passwords(text: str) -> list[str]:
    """The passwords in every `scheme://user:password@host` of `text` (references excluded)."""
    return [text[start:end] for start, end in url_password_spans(text)]


def mask_url_credentials(text: str) -> str:
    """`scheme://user:password@host/…` → `scheme://user:********@host/…`, for every URL."""
    return _replace_spans(text, url_password_spans(text))


def url_user_passwords(text: str) -> list[tuple[str, str]]:
    """(user, password) of every URL with a password in `text`, for the encoded forms of
    `user:password` (a Basic `Authorization` header) to be registered."""
    if "://" not in text:
        return []
    return [
        (text[u0:u1], text[p0:p1])
        for (u0, u1), (p0, p1) in url_userinfo_spans(text)
        if p1 > p0 and not is_config_reference(text[p0:p1])
    ]


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
    """Every value of `config` that must not appear anywhere: secret keys' values, the
    passwords inside URLs, and `user:password` (with its base64, as a Basic `Authorization`
    header carries it) for the users named beside them."""
    values: set[str] = set()
    users: set[str] = set()
    for key, value in config.items():
        if not isinstance(value, str) or not value or is_config_reference(value):
            continue
        if is_secret_key(str(key), password_keys):
            values.add(value)
            values.update(_jaas_passwords(value))
        elif _named_like_user(str(key)):
            users.add(value)
        for user, password in url_user_passwords(value):
            values.add(password)
            values.update(user_password_forms(user, password))
    for user in users:
        for password in list(values):
            values.update(user_password_forms(user, password))
    return values


_USER_KEY = re.compile(r"(^|[._-])user(name)?$", re.IGNORECASE)


# -- by pattern, for worker text -----------------------------------------------------------------


class _LineEnds:
    """Ends of lines for a left-to-right scan: many pairs on one long line must not search to
    its end once each (quadratic on a 1 MB line)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.end = -1

    def of(self, start: int) -> int:
        if start > self.end:  # past the line found last: a later line
            end = self.text.find("\n", start)
            self.end = len(self.text) if end < 0 else end
        return self.end


def _quoted_end(text: str, start: int, quote: str, lines: _LineEnds | None = None) -> int:
    """Index of the closing `quote` for a string opened just before `start` (backslash
    escapes honoured); the end of the line when it is never closed."""
    line_end = (lines or _LineEnds(text)).of(start)
    if quote == "'":
        end = text.find("'", start, line_end)
        return line_end if end < 0 else end
    if quote != '"':
        # `\\"…\\"`: a JSON document quoted inside a JSON string. Its closing quote has
        # 1 (or 5, 9…) backslashes before it; an escaped quote inside the value has 3, 7…
        end = text.find('"', start, line_end)
        while end >= 0:
            slashes = 0
            while end - slashes > 0 and text[end - slashes - 1] == "\\":
                slashes += 1
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


def _unquoted_end(text: str, start: int, lines: _LineEnds | None = None) -> int:
    """Where an unquoted `Map.toString()` value starting at `start` ends: before the next
    `, key=` entry; else at the last `}` of the line (values may hold braces); else at the end
    of the line. Ambiguous text is masked too far rather than not far enough."""
    line_end = (lines or _LineEnds(text)).of(start)
    following = _compiled(_NEXT_ENTRY).search(text, start, line_end)
    if following:
        return following.start()
    brace = text.rfind("}", start, line_end)
    return brace if brace >= 0 else line_end


def _mask_key_value_pairs(text: str, password_keys: Collection[str]) -> str:
    out: list[str] = []
    pos = 0
    lines = _LineEnds(text)
    for m in _compiled(_KEY_EQUALS).finditer(text):
        if m.start() < pos or not is_secret_key(m.group(1), password_keys):
            continue
        start = m.end()
        quote = next((q for q in ('\\"', '"', "'") if text.startswith(q, start)), None)
        if quote:
            start += len(quote)
            end = _quoted_end(text, start, quote, lines)
        elif text[m.end(1) : m.end()] == "=":
            end = _unquoted_end(text, start, lines)
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
    lines = _LineEnds(text)
    for m in _compiled(_JSON_PAIR).finditer(text):
        if m.start() < pos or not is_secret_key(m.group("key"), password_keys):
            continue
        start = m.end()
        end = _quoted_end(text, start, m.group("q"), lines)
        value = text[start:end]
        if not value or value == MASK or is_config_reference(value):
            continue
        out += [text[pos:start], MASK]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _mask_python_pairs(text: str, password_keys: Collection[str]) -> str:
    spans = []
    lines = _LineEnds(text)
    for m in _compiled(_PYTHON_PAIR).finditer(text):
        if not is_secret_key(m.group("key"), password_keys):
            continue
        end = _quoted_end(text, m.end(), m.group("q"), lines)
        value = text[m.end() : end]
        if value and value != MASK and not is_config_reference(value):
            spans.append((m.end(), end))
    return _replace_spans(text, spans)


def _mask_invalid_value(text: str, password_keys: Collection[str]) -> str:
    def masked(m: re.Match[str]) -> str:
        if not is_secret_key(m.group("key"), password_keys) or m.group("value") == "[hidden]":
            return m.group(0)
        return m.group("head") + MASK + m.group("tail")

    return _compiled(_INVALID_VALUE).sub(masked, text)


_JAAS_PASSWORD = re.compile(r"""(?i)password\s*=\s*(\\?["'])(.*?)(?<!\\)\1""")


def _jaas_passwords(value: str) -> list[str]:
    return [m.group(2) for m in _JAAS_PASSWORD.finditer(value) if m.group(2)]


# Listings one `key = value` / `key : value` / `key: value` to a line: Kafka's AbstractConfig
# dump (`\tconnection.password = x`, logged at every task start and quoted in config errors),
# `Properties.list()`, YAML-ish property dumps. The value runs to the end of the line.
# A bare word and a colon (`password:    set`) is a label of kconnect's own output, not one.
# `[ \t]*:` holds its whitespace: `key : value` (a properties listing) is always one.
_LINE_PAIR = re.compile(
    rf"^[ \t]*(?P<key>{_KEY})(?P<sep>[ \t]*[=:])[ \t]*(?P<value>[^\n]*)", re.MULTILINE
)
# XML: `<entry key="db.password">x</entry>` (java.util.Properties.storeToXML),
# `<db.password>x</db.password>`, `<name>db.password</name><value>x</value>` (Hadoop style).
_XML_KEY_ATTRIBUTE = (
    rf"<[A-Za-z][\w.:-]*[ \t\r\n][^<>]*?\b(?:key|name)[ \t]*=[ \t]*(?P<q>[\"'])(?P<key>{_KEY})"
    r"(?P=q)"
)
_TAG_CLOSE = r"[<>]"
_XML_ELEMENT = rf"<(?P<key>{_KEY})>"
_XML_NAME_VALUE = rf"<name>[ \t\r\n]*(?P<key>{_KEY})[ \t\r\n]*</name>[ \t\r\n]*<value>"
# A PEM private key, also with its line breaks escaped (`\\n` in JSON); masked whole even when
# its END line was cut off.
_PEM_BEGIN = r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----"
_PEM_END = r"-----END [A-Z0-9 ]*PRIVATE KEY-----"
_PEM_BODY = r"[A-Za-z0-9+/=\s\\]*"


def _mask_line_pairs(text: str, password_keys: Collection[str]) -> str:
    out: list[str] = []
    pos = 0
    for m in _LINE_PAIR.finditer(text):
        value = m.group("value").rstrip()
        key = m.group("key")
        # `key: value` at the start of a line is how kconnect's own messages begin
        # (`db.password: list item 1 contains a comma`); indented, or `key : value`, it is
        # a listing (YAML, a properties dump).
        indented = m.start("key") > m.start()
        if m.group("sep") == ":" and not (indented and any(c in key for c in "._-")):
            continue
        if (
            not is_secret_key(key, password_keys)
            or not value
            or value.startswith(MASK)
            or value.strip("\"'") == MASK
            or value == "[hidden]"  # Kafka's own mask for PASSWORD-typed keys
            or is_config_reference(value.strip("\"'"))
        ):
            continue
        out += [text[pos : m.start("value")], MASK]
        pos = m.start("value") + len(value)
    out.append(text[pos:])
    return "".join(out)


def _mask_xml(text: str, password_keys: Collection[str]) -> str:
    spans: list[tuple[int, int]] = []
    for pattern in (_XML_KEY_ATTRIBUTE, _XML_ELEMENT, _XML_NAME_VALUE):
        for m in _compiled(pattern).finditer(text):
            if not is_secret_key(m.group("key"), password_keys):
                continue
            start = m.end()
            if pattern is _XML_KEY_ATTRIBUTE:
                close = _compiled(_TAG_CLOSE).search(text, start)
                if not close or close.group() != ">" or text[close.start() - 1] == "/":
                    continue  # `<entry key="x"/>`: no content
                start = close.end()
            end = text.find("<", start)
            end = len(text) if end < 0 else end
            value = text[start:end]
            if value.strip() and value != MASK and not is_config_reference(value.strip()):
                spans.append((start, end))
    return _replace_spans(text, spans)


def _mask_pem(text: str) -> str:
    spans = []
    pos = 0
    ends = True  # False once no END line is left: later BEGINs need not look for one
    while m := _compiled(_PEM_BEGIN).search(text, pos):
        end = _compiled(_PEM_END).search(text, m.end()) if ends else None
        ends = end is not None
        if end:
            spans.append((m.end(), end.start()))
            pos = end.end()
        else:  # cut off: the base64 body (line breaks raw or escaped) is the key
            body = _compiled(_PEM_BODY).match(text, m.end())
            spans.append((m.end(), body.end() if body else m.end()))
            pos = m.end()
    return _replace_spans(text, spans)


def _replace_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each of `spans` (overlaps merged) replaced by the mask."""
    if not spans:
        return text
    out, at = [], 0
    for start, end in sorted(spans):
        if end <= at:
            continue
        out += [text[at : max(start, at)], MASK]
        at = end
    out.append(text[at:])
    return "".join(out)


def redact_patterns(text: str, password_keys: Collection[str] = ()) -> str:
    """Mask what looks like a secret in free text even if its value was never seen."""
    if "PRIVATE KEY-----" in text:
        text = _mask_pem(text)
    if "=" in text:
        text = _mask_key_value_pairs(text, password_keys)
    if '"' in text:
        text = _mask_json_pairs(text, password_keys)
    if "'" in text:
        text = _mask_python_pairs(text, password_keys)
    if "Invalid value" in text:
        text = _mask_invalid_value(text, password_keys)
    if "=" in text or ":" in text:
        text = _mask_line_pairs(text, password_keys)
    if "<" in text:
        text = _mask_xml(text, password_keys)
    return mask_url_credentials(text)


def redact_text(
    text: str, secret_values: Collection[str] = (), password_keys: Collection[str] = ()
) -> str:
    """Free text as it may be shown: known secret values (the registry's and `secret_values`)
    replaced, then secret-looking pairs and URL passwords masked by pattern."""
    text = _registry.replace(text, secret_values)
    return redact_patterns(text, _registry.keys | frozenset(password_keys))


def shorten(text: str, limit: int) -> str:
    """Worker text cut to `limit` characters for display — after redaction, never before:
    a secret cut in two would no longer be recognised (the head of a known value, lines 2–3
    of a PEM key whose BEGIN line was the cut)."""
    text = redact_text(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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


_LONG_SECRET = 4096


def _escaped_forms(value: str) -> set[str]:
    """The ways a value can be spelled once serialised or echoed: JSON (ASCII and UTF-8, and
    JSON quoted in JSON), Python and Java string literals, Java `.properties` escapes, XML/HTML
    entities, URL-encoding, and base64 (whole, and the part of it that does not depend on
    what is encoded around it — a Basic `Authorization` header carrying `user:password`)."""
    import html
    from urllib.parse import quote, quote_plus

    if _PLAIN.fullmatch(value):
        # Letters, digits and `_.~-` (most generated passwords and tokens): every escaping
        # below leaves such a value as it is, and only its base64 spellings differ.
        if len(value) > _LONG_SECRET:
            return {value}
        return {f for f in {value, *_base64_forms(value.encode("utf-8"))} if f}
    json_ascii = json.dumps(value)[1:-1]
    forms = {value, json_ascii, json.dumps(value, ensure_ascii=False)[1:-1]}
    if len(value) > _LONG_SECRET:
        # A value this long (a PEM key, a 100 KB blob) is echoed whole or not at all: its
        # rarer spellings would cost more to build than they could catch.
        return {f for f in forms if f} | {repr(value)[1:-1]}
    forms.add(json.dumps(json_ascii)[1:-1])  # JSON quoted inside a JSON string
    forms.add(repr(value)[1:-1])
    python_single = value.replace("\\", "\\\\").replace("'", "\\'")
    forms |= {python_single, value.replace("\\", "\\\\").replace('"', '\\"')}
    # Java: `\uXXXX` with upper-case hex (Properties.store), `\:` `\=` `\ ` in properties
    forms.add(re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(), json_ascii))
    forms.add(re.sub(r"([:=# !])", r"\\\1", value.replace("\\", "\\\\")))
    markup = html.escape(value, quote=False)
    forms.add(markup)
    for double in ("&quot;", "&#34;"):
        for single in ("&#x27;", "&apos;", "&#39;"):
            forms.add(markup.replace('"', double).replace("'", single))
    for safe in ("", "/", "!$&'()*+,;=:"):
        encoded = quote(value, safe=safe)
        forms |= {encoded, re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), encoded)}
    forms.add(quote_plus(value))
    forms |= _base64_forms(value.encode("utf-8"))
    return {f for f in forms if f}


# Characters no escaping in `_escaped_forms` changes (JSON, Python, Java, properties, HTML,
# URL-encoding with any `safe` set).
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")


def _base64_forms(raw: bytes) -> set[str]:
    """`raw` in base64 (standard and URL-safe): whole, and the part of it that does not depend
    on what is encoded around it."""
    import base64

    forms = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        forms.add(encode(raw).decode("ascii"))
        for offset in (1, 2):  # `offset` bytes of something else before the value
            encoded = encode(b"\0" * offset + raw).decode("ascii")
            first = -(-8 * offset // 6)  # first character made of the value's bits only
            last = 8 * (offset + len(raw)) // 6
            if last - first >= 8:
                forms.add(encoded[first:last])
        whole = encode(raw).decode("ascii")
        core = whole[: 8 * len(raw) // 6]
        if len(core) >= 8:
            forms.add(core)
    return forms


def user_password_forms(user: str, password: str) -> list[str]:
    """The password and the base64 of `user:password` (a Basic `Authorization` or
    `Proxy-Authorization` header), also percent-decoded as a URL's user info is before it is
    sent (`p%2Fss` is `p/ss`)."""
    import base64
    from urllib.parse import unquote

    forms = []
    for u, p in {(user, password), (unquote(user), unquote(password))}:
        pair = f"{u}:{p}"
        # not `pair` itself: the user name stays readable beside a masked password
        forms += [p, base64.b64encode(pair.encode("utf-8")).decode("ascii")]
    return forms


# A line break as a worker wraps long text: the break and the next line's indentation.
_LINE_BREAK = re.compile(r"\r?\n[ \t]*")


def _replace_split(
    text: str, values: Iterable[str], by_head: Mapping[str, tuple[str, ...]] | None = None
) -> str:
    """Mask known values that a line break (and indentation) splits in two: the text is
    searched with its breaks removed, and each hit masked where it lies in the original.
    `by_head`: more values by their heads, of which only those whose head occurs are searched."""
    breaks = [(m.start(), m.end()) for m in _LINE_BREAK.finditer(text)]
    if not breaks:
        return text
    joined_parts, starts, origin = [], [], []  # piece i of `joined` starts at starts[i]
    at = length = 0
    for start, end in [*breaks, (len(text), len(text))]:
        starts.append(length)
        origin.append(at)
        joined_parts.append(text[at:start])
        length += start - at
        at = end
    joined = "".join(joined_parts)
    if by_head is not None:
        values = [*values, *_by_heads(joined, by_head)]

    def original(index: int, *, end: bool) -> int:
        import bisect

        piece = bisect.bisect_right(starts, index - 1 if end else index) - 1
        return origin[piece] + (index - starts[piece])

    spans = []
    for value in values:
        if len(value) < 8 or "\n" in value:
            continue
        found = joined.find(value)
        while found >= 0:
            spans.append((original(found, end=False), original(found + len(value), end=True)))
            found = joined.find(value, found + 1)
    return _replace_spans(text, spans)


_HEAD = 4  # no registered form is shorter
_SHORT_TEXT = 4096
# Above this many forms, even a long text is searched by heads (one dictionary look-up per
# character) rather than once per form.
_MANY_FORMS = 256


def _by_heads(text: str, by_head: Mapping[str, tuple[str, ...]]) -> set[str]:
    """The values of `by_head` whose first `_HEAD` characters occur in `text`: every value
    that occurs in `text` is among them."""
    return {
        value
        for i in range(len(text) - _HEAD + 1)
        for value in by_head.get(text[i : i + _HEAD], ())
    }


def _heads(values: Iterable[str]) -> dict[str, tuple[str, ...]]:
    by_head: dict[str, list[str]] = {}
    for value in values:
        by_head.setdefault(value[:_HEAD], []).append(value)
    return {head: tuple(group) for head, group in by_head.items()}


class _Index(NamedTuple):
    values: tuple[str, ...]  # every form, longest first, so a secret's prefix is not left
    raw: tuple[str, ...]  # the values as registered (not their encoded forms)
    # Forms by their first four characters: a short text is searched only for the forms
    # that can start in it (hundreds of connectors' secrets × their encodings).
    by_head: dict[str, tuple[str, ...]]
    raw_by_head: dict[str, tuple[str, ...]]  # the same for `raw`
    raw_set: frozenset[str]


_NO_INDEX = _Index((), (), {}, {}, frozenset())


class _SecretRegistry:
    """Values are added one connector at a time (thousands when a cluster is read) and searched
    for when something is written: adding only collects them, and the search index is built
    again on the first search after a change, not once per addition (quadratic at scale)."""

    def __init__(self) -> None:
        self._lock = _thread.allocate_lock()
        self._forms: set[str] = set()
        self._raw: set[str] = set()
        self._index: _Index | None = _NO_INDEX
        self.keys: frozenset[str] = frozenset()  # PASSWORD-typed keys learnt from the worker

    def add(self, values: Iterable[str]) -> None:
        with self._lock:
            for value in values:
                if value and len(value) >= 4 and value != MASK and value not in self._raw:
                    self._forms |= _escaped_forms(value)
                    self._raw.add(value)
                    self._index = None

    def _indexed(self) -> _Index:
        index = self._index
        if index is None:
            with self._lock:
                index = self._index
                if index is None:
                    values = tuple(sorted(self._forms, key=len, reverse=True))
                    raw = tuple(self._raw)
                    index = _Index(values, raw, _heads(values), _heads(raw), frozenset(raw))
                    self._index = index
        return index

    def add_keys(self, keys: Iterable[str]) -> None:
        with self._lock:
            self.keys = self.keys | frozenset(keys)

    def clear(self) -> None:
        with self._lock:
            self._forms = set()
            self._raw = set()
            self._index = _NO_INDEX
            self.keys = frozenset()

    def replace(self, text: str, extra: Collection[str] = ()) -> str:
        index = self._indexed()
        # What of `extra` the registry does not hold (a value of three characters never is) is
        # searched for directly; the registry's own values through its index.
        unregistered = [v for v in extra if v not in index.raw_set]
        own = {form for v in unregistered if len(v) >= 3 for form in _escaped_forms(v)}
        if len(text) < _SHORT_TEXT or len(index.values) > _MANY_FORMS:
            # Only the forms whose first characters occur in the text: a long text (a table of
            # thousands of connectors) searched once per form of thousands of secrets, or once
            # per trace of thousands of failed tasks, would be quadratic.
            candidates = _by_heads(text, index.by_head) | own
        else:
            candidates = {*index.values, *own}
        for value in sorted(candidates, key=len, reverse=True):
            if value in text:
                text = text.replace(value, MASK)
        if "\n" in text:
            if len(index.raw) > _MANY_FORMS:
                text = _replace_split(text, unregistered, index.raw_by_head)
            else:
                text = _replace_split(text, [*index.raw, *unregistered])
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
