"""Named clusters ("contexts") from kconnect's config file.

The file (`~/.config/kconnect/config.yaml`, or `$KCONNECT_CONFIG`) names clusters and says how
to reach them::

    current-context: prod
    contexts:
      prod:
        url: https://connect.prod.example.com:8443
        auth: basic                      # basic | bearer | mtls | none
        username: kconnect
        password_env: PROD_CONNECT_PASSWORD   # or password_file: ~/.secrets/connect-prod
        ca_cert: ~/certs/prod-ca.pem
      staging:
        url: https://connect.staging:8443
        auth: bearer
        token_file: /var/run/secrets/connect/token
        client_cert: certs/client.pem    # relative paths are relative to this file
        client_key: certs/client.key

The file holds **references** to credentials (environment variable names, file paths), never
the credentials themselves: inline `password:` or `token:` keys are rejected, so the file can
be shared and kept in dotfiles without leaking anything.

Every problem is a `ConfigError` naming `file:line`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from kconnect.config.headers import (
    HeaderSource,
    is_credential_header,
    name_problem,
    value_problem,
)
from kconnect.errors import ConfigError
from kconnect.records import field, record

if TYPE_CHECKING:
    import yaml

AUTH_KINDS = ("basic", "bearer", "mtls", "none")
_STRING_KEYS = (
    "url",
    "auth",
    "username",
    "password_env",
    "password_file",
    "token_env",
    "token_file",
    "ca_cert",
    "client_cert",
    "client_key",
)
_PATH_KEYS = frozenset({"password_file", "token_file", "ca_cert", "client_cert", "client_key"})
_BOOL_KEYS = ("insecure",)
_CONTEXT_KEYS = (*_STRING_KEYS, *_BOOL_KEYS, "headers")
_INLINE_SECRETS = {
    "password": "password_env (an environment variable name) or password_file",
    "token": "token_env (an environment variable name) or token_file",
}
_NULL_TAG = "tag:yaml.org,2002:null"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


def config_path(env: Mapping[str, str]) -> Path:
    """`$KCONNECT_CONFIG`, else `$XDG_CONFIG_HOME/kconnect/config.yaml`, else
    `~/.config/kconnect/config.yaml`."""
    explicit = env.get("KCONNECT_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    base = env.get("XDG_CONFIG_HOME") or str(Path("~/.config").expanduser())
    return Path(base) / "kconnect" / "config.yaml"


@record
class Context:
    """One named cluster. Paths are absolute (relative ones are resolved against the file)."""

    name: str
    where: str  # "file:line" of the context's definition
    url: str | None = None
    auth: str = "none"
    username: str | None = None
    password_env: str | None = None
    password_file: str | None = None
    token_env: str | None = None
    token_file: str | None = None
    ca_cert: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    insecure: bool = False
    headers: tuple[HeaderSource, ...] = ()
    lines: Mapping[str, int] = field(default_factory=dict)

    def origin(self, key: str, path: Path) -> str:
        """Where `key` of this context is written, for messages: `context prod (file:7)`."""
        line = self.lines.get(key)
        return f"context {self.name} ({path}:{line})" if line else f"context {self.name}"

    def to_dict(self) -> dict[str, object]:
        """Display form: references only; this object never holds a secret value."""
        data: dict[str, object] = {"name": self.name, "url": self.url, "auth": self.auth}
        for key in _STRING_KEYS[2:]:
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.insecure:
            data["insecure"] = True
        if self.headers:
            data["headers"] = {h.name: h.to_dict() for h in self.headers}
        return data


@record
class ConfigFile:
    path: Path
    exists: bool
    contexts: Mapping[str, Context] = field(default_factory=dict)
    current: str | None = None
    current_line: int = 0

    def get(self, name: str) -> Context:
        context = self.contexts.get(name)
        if context is None:
            if not self.exists:
                raise ConfigError(
                    f"context {name!r} not found: there is no config file at {self.path} "
                    "(set KCONNECT_CONFIG to use another file)"
                )
            defined = ", ".join(self.contexts) or "none"
            raise ConfigError(f"{self.path}: no context named {name!r} (defined: {defined})")
        return context

    def select(self, name: str | None) -> Context | None:
        """The context named on the command line (`--context`/`KCONNECT_CONTEXT`), else the
        file's `current-context`, else None (flags and environment variables only)."""
        if name:
            return self.get(name)
        if self.current is None:
            return None
        if self.current not in self.contexts:
            raise ConfigError(
                f"{self.path}:{self.current_line}: current-context {self.current!r} is not "
                f"defined under 'contexts' (defined: {', '.join(self.contexts) or 'none'})"
            )
        return self.contexts[self.current]


def load_config(env: Mapping[str, str], *, wanted: str | None = None) -> ConfigFile:
    """Read and check the config file; a missing file is an empty configuration. `wanted`
    (the context asked for): when it is not in the file at all, that is the error reported,
    rather than a problem of another context."""
    from kconnect.config.yaml_file import decode

    path = config_path(env)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return ConfigFile(path, exists=False)
    except OSError as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ConfigError(f"{path}: cannot read the config file: {reason}") from None
    return parse_config(decode(data, str(path), ConfigError), path, wanted=wanted)


def parse_config(text: str, path: Path, *, wanted: str | None = None) -> ConfigFile:
    from kconnect.config.yaml_file import compose_one
    from kconnect.pyyaml import yaml

    root = compose_one(text, str(path), "the config file", ConfigError)
    if root is None or (isinstance(root, yaml.ScalarNode) and root.tag == _NULL_TAG):
        return ConfigFile(path, exists=True)
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(f"{_at(path, root)}: the config file must be a mapping")
    current: str | None = None
    current_line = 0
    contexts: dict[str, Context] = {}
    broken: list[ConfigError] = []
    for key, value in _items(root, path, "config file"):
        if key == "current-context":
            current = _string(value, path, key)
            current_line = _line(value)
        elif key == "contexts":
            if _is_null(value):
                continue
            if not isinstance(value, yaml.MappingNode):
                raise ConfigError(
                    f"{_at(path, value)}: 'contexts' must be a mapping of context names to settings"
                )
            for name, node in _items(value, path, "contexts"):
                if not name.strip():
                    raise ConfigError(f"{_at(path, node)}: context names must not be empty")
                try:
                    contexts[name] = _context(name, node, path)
                except ConfigError as exc:
                    broken.append(exc)
                    contexts[name] = Context(name, _at(path, node))  # known, but not usable
        else:
            raise ConfigError(
                f"{_at(path, value)}: unknown key {key!r} (allowed: current-context, contexts)"
            )
    config = ConfigFile(path, True, contexts, current, current_line)
    if broken:
        if (wanted or current) not in (None, *contexts):
            config.select(wanted)  # raises: the context asked for is not there at all
        raise broken[0]
    return config


def _context(name: str, node: yaml.Node, path: Path) -> Context:
    from kconnect.pyyaml import yaml

    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(f"{_at(path, node)}: context {name!r} must be a mapping of settings")
    values: dict[str, object] = {}
    lines: dict[str, int] = {}
    for key, value in _items(node, path, f"context {name!r}"):
        if key in _INLINE_SECRETS:
            raise ConfigError(
                f"{_at(path, value)}: context {name!r}: '{key}' must not be written in the "
                f"config file; use {_INLINE_SECRETS[key]}"
            )
        if key not in _CONTEXT_KEYS:
            raise ConfigError(
                f"{_at(path, value)}: context {name!r}: unknown key {key!r} "
                f"(allowed: {', '.join(_CONTEXT_KEYS)})"
            )
        lines[key] = _line(value)
        if key == "headers":
            values[key] = _headers(value, path, name)
            continue
        if key in _BOOL_KEYS:
            values[key] = _bool(value, path, f"{name}.{key}")
            continue
        text = _string(value, path, f"{name}.{key}")
        if key in _PATH_KEYS:
            text = str((path.parent / Path(text).expanduser()).resolve())
        values[key] = text
    where = f"{path}:{_line(node)}"
    auth = str(values.get("auth") or _inferred_auth(values))
    if auth not in AUTH_KINDS:
        raise ConfigError(
            f"{path}:{lines['auth']}: context {name!r}: auth must be one of "
            f"{', '.join(AUTH_KINDS)}, not {auth!r}"
        )
    values["auth"] = auth
    _check_context(name, values, lines, path, where)
    return Context(name=name, where=where, lines=lines, **values)  # type: ignore[arg-type]


def _headers(node: yaml.Node, path: Path, context: str) -> tuple[HeaderSource, ...]:
    """`headers:` of a context: `Name: value`, or `Name: {env: VARIABLE}` / `{file: PATH}`;
    a credential header's value never inline."""
    from kconnect.pyyaml import yaml

    if _is_null(node):
        return ()
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(f"{_at(path, node)}: context {context!r}: headers must be a mapping")
    found: dict[str, HeaderSource] = {}
    for name, value in _items(node, path, f"context {context!r} headers"):
        at = f"{_at(path, value)}: context {context!r}"
        if problem := name_problem(name):
            raise ConfigError(f"{at}: {problem}")
        if name.lower() in {n.lower() for n in found}:
            raise ConfigError(f"{at}: header {name} is given twice (names ignore case)")
        if isinstance(value, yaml.MappingNode):
            source = dict(_items(value, path, f"header {name}"))
            if len(source) != 1 or not source.keys() <= {"env", "file"}:
                raise ConfigError(
                    f"{at}: header {name} takes a value, {{env: VAR}} or {{file: PATH}}"
                )
            ((kind, ref_node),) = source.items()
            ref = _string(ref_node, path, f"header {name} {kind}")
            if kind == "env":
                if not _ENV_NAME.fullmatch(ref):
                    raise ConfigError(
                        f"{at}: header {name}: env must be the name of an environment variable "
                        "(the value itself is not shown, in case it is the secret)"
                    )
                found[name] = HeaderSource(name, env=ref, line=_line(value))
            else:
                resolved = str((path.parent / Path(ref).expanduser()).resolve())
                found[name] = HeaderSource(name, file=resolved, line=_line(value))
            continue
        if is_credential_header(name):
            raise ConfigError(
                f"{at}: header {name} carries a credential and must not be written in the "
                f"config file; use {name}: {{env: VARIABLE}} or {{file: PATH}}"
            )
        text = _string(value, path, f"header {name}")
        if problem := value_problem(name, text):
            raise ConfigError(f"{at}: {problem}")
        found[name] = HeaderSource(name, value=text, line=_line(value))
    return tuple(found.values())


def _inferred_auth(values: Mapping[str, object]) -> str:
    if "token_env" in values or "token_file" in values:
        return "bearer"
    if "username" in values:
        return "basic"
    if "client_cert" in values:
        return "mtls"
    return "none"


def _check_context(
    name: str, values: Mapping[str, object], lines: Mapping[str, int], path: Path, where: str
) -> None:
    auth = values["auth"]

    def fail(key: str | None, message: str) -> None:
        at = f"{path}:{lines[key]}" if key is not None and key in lines else where
        raise ConfigError(f"{at}: context {name!r}: {message}")

    for key in ("password_env", "token_env"):
        env_name = values.get(key)
        if env_name is not None and not _ENV_NAME.fullmatch(str(env_name)):
            # never quoted: what is written there instead of a name is often the secret itself
            fail(
                key,
                f"{key} must be the name of an environment variable (letters, digits and _); "
                "the value itself is not shown, in case it is the secret",
            )
    for a, b in (("password_env", "password_file"), ("token_env", "token_file")):
        if a in values and b in values:
            fail(b, f"set either {a} or {b}, not both")
    if ("client_cert" in values) != ("client_key" in values):
        missing = "client_key" if "client_cert" in values else "client_cert"
        fail("client_cert" if "client_cert" in values else "client_key", f"{missing} is missing")
    if auth == "basic" and "username" not in values:
        fail("auth", "auth: basic needs a username")
    if auth == "bearer" and not ({"token_env", "token_file"} & values.keys()):
        fail("auth", "auth: bearer needs token_env or token_file")
    if auth == "mtls" and "client_cert" not in values:
        fail("auth", "auth: mtls needs client_cert and client_key")
    if auth != "basic":
        for key in ("username", "password_env", "password_file"):
            if key in values:
                fail(key, f"{key} is only used with auth: basic (auth is {auth})")
    if auth != "bearer":
        for key in ("token_env", "token_file"):
            if key in values:
                fail(key, f"{key} is only used with auth: bearer (auth is {auth})")
    headers = values.get("headers")
    if (
        auth in ("basic", "bearer")
        and isinstance(headers, tuple)
        and any(h.name.lower() == "authorization" for h in headers)
    ):
        fail("headers", f"an Authorization header conflicts with auth: {auth}")


def use_context(env: Mapping[str, str], name: str) -> ConfigFile:
    """Make `name` the current context, editing only the `current-context:` line so that the
    rest of the file (comments, order) stays as the user wrote it."""
    config = load_config(env)
    config.get(name)  # raises if there is no such context
    from kconnect.pyyaml import yaml

    line = (
        "current-context: "
        + yaml.safe_dump(name, default_style=None, allow_unicode=True, width=2**16)
        .removesuffix("\n...\n")
        .strip()
    )
    text = config.path.read_text(encoding="utf-8")
    pattern = re.compile(r"^current-context:.*$", re.MULTILINE)
    if pattern.search(text):
        text = pattern.sub(lambda _m: line, text, count=1)
    else:
        text = line + "\n" + text
    _write_atomically(config.path, text)
    return parse_config(text, config.path)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        mode = path.stat().st_mode & 0o777
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(mode)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"{path}: cannot write the config file: {exc.strerror}") from None


# -- YAML node helpers -------------------------------------------------------------------------


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _at(path: Path, node: yaml.Node) -> str:
    return f"{path}:{_line(node)}"


def _is_null(node: yaml.Node) -> bool:
    from kconnect.pyyaml import yaml

    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG


def _items(node: yaml.MappingNode, path: Path, what: str) -> list[tuple[str, yaml.Node]]:
    from kconnect.pyyaml import yaml

    seen: dict[str, int] = {}
    items: list[tuple[str, yaml.Node]] = []
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or _is_null(key_node):
            raise ConfigError(f"{_at(path, key_node)}: {what} keys must be plain strings")
        key = str(key_node.value)
        if key in seen:
            raise ConfigError(
                f"{_at(path, key_node)}: duplicate key {key!r} in {what} "
                f"(first at line {seen[key]})"
            )
        seen[key] = _line(key_node)
        items.append((key, value_node))
    return items


def _string(node: yaml.Node, path: Path, what: str) -> str:
    from kconnect.pyyaml import yaml

    if not isinstance(node, yaml.ScalarNode) or _is_null(node) or not str(node.value).strip():
        raise ConfigError(f"{_at(path, node)}: {what} must be a non-empty string")
    return str(node.value)


def _bool(node: yaml.Node, path: Path, what: str) -> bool:
    from kconnect.pyyaml import yaml

    raw = str(node.value).lower() if isinstance(node, yaml.ScalarNode) else None
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(f"{_at(path, node)}: {what} must be true or false")
