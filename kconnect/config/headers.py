"""Custom HTTP headers sent with every request to Connect: what a gateway or proxy in front of
the workers wants (`X-Tenant`, an API key, a routing hint).

A header whose name says it carries a credential (`Authorization`, `Cookie`, `X-Api-Key`,
anything with token, secret, key, auth, password, session, credential or signature in it) is
treated like a password: never written inline in the config file nor given as a literal flag
(its value comes from an environment variable or a file), and its value is registered for
redaction, so it is masked in every output, log and error. Other headers are shown as they are.
"""

from __future__ import annotations

import re

from kconnect.records import record

# RFC 9110 field-name: a token.
_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_CREDENTIAL = re.compile(
    r"^(authorization|proxy-authorization|cookie)$"
    r"|token|secret|key|auth|passw|session|credential|signature|cookie",
    re.IGNORECASE,
)
# Headers httpx and kconnect set from the request itself: a custom value would break the
# request or lie about its body.
_RESERVED = frozenset(
    {"host", "content-length", "content-type", "transfer-encoding", "connection", "accept"}
)


def is_credential_header(name: str) -> bool:
    return bool(_CREDENTIAL.search(name))


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a custom header name, or None."""
    if not _NAME.fullmatch(name):
        return (
            f"header name {name!r} is not a valid HTTP field name "
            "(letters, digits and !#$%&'*+.^_`|~-)"
        )
    if name.lower() in _RESERVED:
        return f"header {name} is set by kconnect for each request and cannot be replaced"
    return None


def value_problem(name: str, value: str) -> str | None:
    """Why `value` cannot be sent as header `name` (never quoting the value: it may be a
    credential), or None."""
    if any((ord(c) < 32 and c != "\t") or ord(c) == 127 for c in value):
        return f"the value of header {name} contains a line break or control character"
    if value != value.strip():
        return f"the value of header {name} has leading or trailing spaces"
    if not value.isascii():
        # httpx refuses to encode it; a server would read the bytes in any charset it likes.
        return (
            f"the value of header {name} has characters outside ASCII, which an HTTP header "
            "cannot carry as text (encode the value, e.g. in base64 or percent-encoding)"
        )
    return None


@record
class HeaderSource:
    """One configured header: a literal value, or the environment variable or file holding
    it. `line` is where the config file names it (0 for a flag)."""

    name: str
    value: str | None = None
    env: str | None = None
    file: str | None = None
    line: int = 0

    @property
    def secret(self) -> bool:
        """Masked in output: a credential by name, or any value kept out of the file."""
        return is_credential_header(self.name) or self.value is None

    def to_dict(self) -> dict[str, str]:
        if self.env is not None:
            return {"env": self.env}
        if self.file is not None:
            return {"file": self.file}
        return {"value": "set" if self.secret else str(self.value)}


def parse_header_flag(text: str) -> HeaderSource:
    """`--header 'Name: value'`; a credential header is refused (flags end up in shell history
    and process listings), pointing at --header-env."""
    from kconnect.errors import UsageError

    name, sep, value = text.partition(":")
    name, value = name.strip(), value.strip()
    if not sep or not name:
        raise UsageError("--header takes 'Name: value' (a header name, a colon, the value)")
    if problem := name_problem(name):
        raise UsageError(f"--header: {problem}")
    if is_credential_header(name):
        raise UsageError(
            f"--header {name}: a credential never comes from a flag; give it with "
            "--header-env (NAME=VARIABLE: the value is read from that environment variable) "
            "or in a context's headers ({env: VARIABLE})"
        )
    if problem := value_problem(name, value):
        raise UsageError(f"--header: {problem}")
    return HeaderSource(name, value=value)


def parse_header_env_flag(text: str) -> HeaderSource:
    """`--header-env 'Name=VARIABLE'`: the header's value is that environment variable's."""
    from kconnect.errors import UsageError

    name, sep, variable = text.partition("=")
    name, variable = name.strip(), variable.strip()
    if not sep or not name or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", variable):
        raise UsageError(
            "--header-env takes 'Name=VARIABLE' (a header name and an environment variable's name)"
        )
    if problem := name_problem(name):
        raise UsageError(f"--header-env: {problem}")
    return HeaderSource(name, env=variable)
