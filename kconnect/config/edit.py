"""Writing the config file: `kconnect context set`, `remove` (and the `current-context` line
`use` edits).

Only the context being written changes: the rest of the file (other contexts, comments, key
order) is kept as the user wrote it, by replacing that context's lines in the text. The result
is checked with the same rules as any read (`parse_config`) before anything is written, and
written atomically (a temporary file in the same directory, fsync, rename) with mode 0600,
through a symlink to its target (dotfile managers link the file).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from kconnect.config.contexts import ConfigFile, load_config, parse_config
from kconnect.errors import ConfigError

if TYPE_CHECKING:
    import yaml

_CURRENT_LINE = re.compile(r"^current-context:.*(?:\n|$)", re.MULTILINE)


def set_context(
    env: Mapping[str, str], name: str, values: Mapping[str, object], *, use: bool = False
) -> tuple[ConfigFile, bool]:
    """Write context `name` with exactly `values` (replacing a context of that name), and
    make it current with `use`. Returns the new file and whether the context existed."""
    if not name.strip() or name != name.strip():
        raise ConfigError(f"context name {name!r} must not be empty or have surrounding spaces")
    if any(ord(char) < 32 or 127 <= ord(char) < 160 for char in name):
        # It would be echoed by `context list`, `use` and every error naming the context.
        raise ConfigError(f"context name {name!r} must not contain control characters")
    config = load_config(env)  # the file as it is must be valid: never build on a broken one
    existed = name in config.contexts
    text = config.path.read_text(encoding="utf-8") if config.exists else ""
    text = _replace_context(text, config.path, name, _block(name, values))
    if use:
        text = _with_current(text, name)
    try:
        return _write_checked(config.path, text), existed
    except ConfigError as exc:
        raise _as_flags(exc, config.path, text, name) from None


# The flag of `context set` that writes each key of a context.
_FLAGS = {
    "url": "--url",
    "auth": "--auth",
    "username": "--username",
    "password_env": "--password-env",
    "password_file": "--password-file",
    "token_env": "--token-env",
    "token_file": "--token-file",
    "ca_cert": "--ca-cert",
    "client_cert": "--client-cert",
    "client_key": "--client-key",
    "insecure": "--insecure",
    "headers": "--header",
}
_KEY_IN_MESSAGE = re.compile(r"(?<![\w.-])(?:[^\s:']+\.)?(" + "|".join(_FLAGS) + r")\b(?:: )?")


def _as_flags(exc: ConfigError, path: Path, text: str, name: str) -> ConfigError:
    """A problem found in the text `context set` was about to write, said in terms of the
    command line: `--auth basic needs a --username`, not `config.yaml:6: ... auth: basic needs
    a username` (a line of a file that was never written)."""
    found = re.match(
        rf"{re.escape(str(path))}:(\d+): (?:context {re.escape(repr(name))}: )?", str(exc)
    )
    if found is None:
        return exc
    line = text.splitlines()[int(found.group(1)) - 1].strip()
    key = line.split(":", 1)[0].strip("'\"")
    flag = _FLAGS.get(key, "--header" if key != name else None)
    message = _KEY_IN_MESSAGE.sub(
        lambda m: _FLAGS[m.group(1)] + (" " if m.group(0).endswith(": ") else ""),
        str(exc)[found.end() :],
    )
    if flag is not None and not message.startswith(flag):
        message = f"{flag}: {message}"
    return ConfigError(f"context {name}: {message}")


def remove_context(env: Mapping[str, str], name: str) -> tuple[ConfigFile, bool]:
    """Remove context `name`; when it was the current one, the `current-context` line goes
    too (a dangling one would break every command). Returns the new file and whether the
    current context was removed."""
    config = load_config(env)
    config.get(name)  # raises, naming the defined ones
    text = _replace_context(config.path.read_text(encoding="utf-8"), config.path, name, "")
    was_current = config.current == name
    if was_current:
        text = _CURRENT_LINE.sub("", text, count=1)
    return _write_checked(config.path, text), was_current


def _with_current(text: str, name: str) -> str:
    line = f"current-context: {_scalar(name)}\n"
    if _CURRENT_LINE.search(text):
        return _CURRENT_LINE.sub(lambda _m: line, text, count=1)
    return line + text


def _scalar(value: object) -> str:
    """One YAML scalar on one line, quoted when a plain scalar would read differently."""
    from kconnect.pyyaml import yaml

    if isinstance(value, bool):
        return "true" if value else "false"
    dumped = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=2**16)
    return dumped.removesuffix("\n...\n").strip()


def _block(name: str, values: Mapping[str, object], indent: int = 2) -> str:
    """The YAML lines of one context, its key at `indent` columns (placeholder: `{I}`)."""
    lines = [f"{{I}}{_scalar(name)}:"]
    for key, value in values.items():
        if isinstance(value, Mapping):
            lines.append(f"{{I}}  {key}:")
            lines.extend(f"{{I}}    {_scalar(k)}: {_scalar(v)}" for k, v in value.items())
        else:
            lines.append(f"{{I}}  {key}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


def _replace_context(text: str, path: Path, name: str, block: str) -> str:
    """`text` with context `name`'s lines replaced by `block` (appended when it is new;
    removed when `block` is empty)."""
    from kconnect.pyyaml import yaml

    root = (
        yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) if text else None
    )
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    contexts = _contexts_node(root)
    if contexts is None:  # no `contexts:` key yet
        return "".join(lines) + ("contexts:\n" + block.replace("{I}", "  ") if block else "")
    key_node, value_node = contexts
    if not isinstance(value_node, yaml.MappingNode) or not value_node.value:
        # `contexts:` (null) or an empty mapping: the key's line becomes the block's header.
        start, end = key_node.start_mark.line, _end_line(value_node)
        new = "contexts:\n" + block.replace("{I}", "  ") if block else "contexts: {}\n"
        return "".join(lines[:start]) + new + "".join(lines[end:])
    if value_node.flow_style:
        raise ConfigError(
            f"{path}:{key_node.start_mark.line + 1}: 'contexts' is written in flow style "
            "({...}); kconnect edits only block-style YAML: rewrite it as a block mapping"
        )
    indent = " " * value_node.value[0][0].start_mark.column
    entries = value_node.value
    for i, (key, value) in enumerate(entries):
        if key.value != name:
            continue
        start = key.start_mark.line
        end = entries[i + 1][0].start_mark.line if i + 1 < len(entries) else _end_line(value)
        end = _before_trailing_comments(lines, start, end)
        return "".join(lines[:start]) + block.replace("{I}", indent) + "".join(lines[end:])
    if not block:
        return "".join(lines)
    end = _before_trailing_comments(lines, 0, _end_line(value_node))
    return "".join(lines[:end]) + block.replace("{I}", indent) + "".join(lines[end:])


def _contexts_node(root: yaml.Node | None) -> tuple[yaml.Node, yaml.Node] | None:
    from kconnect.pyyaml import yaml

    if not isinstance(root, yaml.MappingNode):
        return None
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "contexts":
            return key, value
    return None


def _before_trailing_comments(lines: list[str], start: int, end: int) -> int:
    """`end` moved up past blank and comment-only lines: they belong to what follows (the
    next key, or the end of the file), and are never removed or split from it."""
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip()[:1] == "#"):
        end -= 1
    return end


def _end_line(node: yaml.Node) -> int:
    """The first line after `node` (0-based)."""
    mark = node.end_mark
    return int(mark.line) + (1 if mark.column > 0 else 0)


def _write_checked(path: Path, text: str) -> ConfigFile:
    config = parse_config(text, path)  # the same checks as reading: never write a bad file
    write_private(path, text)
    return config


def write_private(path: Path, text: str) -> None:
    """Replace `path` atomically with `text`, mode 0600 (through a symlink to its target)."""
    target = Path(os.path.realpath(path))
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the config file: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ConfigError(f"{path}: cannot write the config file: {exc.strerror}") from None
