"""The project file `kconnect.yaml`: what a repository owns on a shared cluster, and its
safe-plan limits.

    owns: ["team-a-*", "orders-cdc"]
    limits:
      max_deletes: 10
      max_delete_percent: 25
      min_existing: 4
    acknowledge:            # danger impacts accepted, per connector name pattern
      "orders-cdc": [topic-prefix-changed]
    sensitive_keys: [api.token]       # secrets of every connector (or per name pattern)
    ignore_keys:                      # managed elsewhere, per connector name pattern
      "*-sink": [tasks.max]           # (or a list, for every connector)

It is looked up in each manifest path's directory and its parents, up to the repository root
(a directory holding `.git`) or the filesystem root. It is read strictly: an unknown key or a
wrong type is an error at file:line, never silently ignored, since a mistyped `owns` would
otherwise turn a scoped prune into a whole-cluster one.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kconnect.errors import KconnectError
from kconnect.manifests.model import NO_KEY_RULES, KeyRules
from kconnect.planning.safety import SafetyLimits
from kconnect.planning.scope import NO_SCOPE, Scope, ScopeError, check_pattern
from kconnect.records import field, record, replace

if TYPE_CHECKING:
    import yaml

PROJECT_FILE = "kconnect.yaml"
_KEYS = ("owns", "limits", "acknowledge", "sensitive_keys", "ignore_keys")
_LIMIT_KEYS = ("max_deletes", "max_delete_percent", "min_existing")
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_STR = "tag:yaml.org,2002:str"


class ProjectError(KconnectError):
    """`kconnect.yaml` is unreadable or invalid, or the manifest paths disagree about it."""


@record
class Project:
    """The resolved project settings: from the file, overridden by command-line flags."""

    scope: Scope = NO_SCOPE
    limits: SafetyLimits = field(default_factory=SafetyLimits)
    path: str | None = None  # the kconnect.yaml that was read, if any
    # Impact ids whose danger is accepted, per connector name pattern (`acknowledge:`).
    acknowledge: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # `sensitive_keys:` and `ignore_keys:`, merged into each manifest by `core.validate`.
    keys: KeyRules = NO_KEY_RULES


def find_project_file(paths: Sequence[str], cwd: Path | None = None) -> Path | None:
    """The one `kconnect.yaml` governing `paths`; `ProjectError` if they name different ones."""
    found: dict[Path, str] = {}
    for raw in paths:
        start = (cwd or Path.cwd()) if raw == "-" else Path(raw)
        try:
            if not start.exists():
                continue  # the manifest loader reports a missing path
        except OSError:
            continue  # e.g. a name too long for the OS: the manifest loader reports it
        directory = (start if start.is_dir() else start.parent).resolve()
        hit = _search_up(directory)
        if hit is not None:
            found.setdefault(hit, raw)
        else:
            found.setdefault(Path(), raw)
    files = [p for p in found if p != Path()]
    if len(found) > 1:
        described = ", ".join(
            f"{raw} ({p if p != Path() else 'no kconnect.yaml'})" for p, raw in found.items()
        )
        raise ProjectError(
            "the manifest paths belong to different projects: "
            f"{described}; run kconnect once per project, or give --owns"
        )
    return files[0] if files else None


def _search_up(directory: Path) -> Path | None:
    for candidate in (directory, *directory.parents):
        if _present(candidate / PROJECT_FILE):
            return candidate / PROJECT_FILE
        if (candidate / ".git").exists():
            return None  # the repository root: a file above it belongs to someone else
    return None


def _present(path: Path) -> bool:
    """Whether anything is at `path`: a file, a directory, a dangling symlink, a FIFO. A
    project file that exists in a form that cannot be read (a ConfigMap or git-sync mount gone
    wrong) must be an error, never skipped: without its scope, `--prune` would treat every
    connector on the cluster as this repository's."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True  # there, but not even its entry can be read: reported when loading
    return True


def _read(path: Path, display: str) -> str:
    from kconnect.manifests.text import TextProblem, decode

    unreadable = f"{display}: cannot read the project file"
    consequence = "it declares the ownership scope, so nothing is planned or written without it"
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        dangling = isinstance(exc, FileNotFoundError) and path.is_symlink()
        why = "a dangling symlink" if dangling else (exc.strerror or str(exc))
        raise ProjectError(f"{unreadable} ({why}); {consequence}") from None
    if not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
        raise ProjectError(f"{unreadable}: it is {kind}; {consequence}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProjectError(f"{unreadable} ({exc.strerror or exc}); {consequence}") from None
    try:
        return decode(data)
    except TextProblem as exc:
        raise ProjectError(f"{display}:{exc.line}: {exc.message}") from None


def _compose(text: str, display: str) -> yaml.Node | None:
    """The one YAML document of `text`, as nodes; errors at this file's own lines."""
    from kconnect.config.yaml_file import compose_one

    return compose_one(text, display, "kconnect.yaml", ProjectError)


def load_project_file(path: Path) -> Project:
    from kconnect.pyyaml import yaml

    display = str(path)
    root = _compose(_read(path, display), display)
    project = Project(path=display)
    if root is None or (isinstance(root, yaml.ScalarNode) and root.tag.endswith(":null")):
        return project
    if not isinstance(root, yaml.MappingNode):
        raise ProjectError(
            f"{_where(display, root)}: kconnect.yaml must be a mapping with the keys "
            f"{', '.join(_KEYS)}"
        )
    for key, key_node, value in _items(display, root):
        if key == "owns":
            project = replace(project, scope=_owns(display, value))
        elif key == "limits":
            project = replace(project, limits=_limits(display, value))
        elif key == "acknowledge":
            project = replace(project, acknowledge=_acknowledge(display, value))
        elif key in ("sensitive_keys", "ignore_keys"):
            rules = replace(project.keys, **{key: _key_rules(display, key, value)})
            project = replace(project, keys=rules)
        else:
            raise ProjectError(
                f"{_where(display, key_node)}: unknown key {key!r} in kconnect.yaml "
                f"(allowed: {', '.join(_KEYS)})"
            )
    return project


def _where(display: str, node: yaml.Node) -> str:
    return f"{display}:{node.start_mark.line + 1}"


def _items(display: str, node: yaml.MappingNode) -> list[tuple[str, yaml.Node, yaml.Node]]:
    """(key, key node, value node) of a mapping; keys must be unique plain strings."""
    from kconnect.pyyaml import yaml

    seen: set[str] = set()
    items: list[tuple[str, yaml.Node, yaml.Node]] = []
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
            raise ProjectError(f"{_where(display, key_node)}: keys must be plain strings")
        key = str(key_node.value)
        if key in seen:
            raise ProjectError(f"{_where(display, key_node)}: duplicate key {key!r}")
        seen.add(key)
        items.append((key, key_node, value_node))
    return items


def _owns(display: str, node: yaml.Node) -> Scope:
    from kconnect.pyyaml import yaml

    if not isinstance(node, yaml.SequenceNode):
        raise ProjectError(
            f"{_where(display, node)}: owns must be a list of connector name patterns, "
            'like owns: ["team-a-*", "orders-cdc"]'
        )
    if not node.value:
        raise ProjectError(
            f"{_where(display, node)}: owns must list at least one pattern (remove the key "
            "to declare no scope, or use '*' to own every connector)"
        )
    patterns: list[str] = []
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode) or item.tag != _STR:
            raise ProjectError(f"{_where(display, item)}: each owns entry must be a string pattern")
        try:
            patterns.append(check_pattern(str(item.value), "owns pattern"))
        except ScopeError as exc:
            raise ProjectError(f"{_where(display, item)}: {exc.message}") from None
    return Scope(tuple(dict.fromkeys(patterns)), display)


def _acknowledge(display: str, node: yaml.Node) -> dict[str, tuple[str, ...]]:
    from kconnect.planning.impact import IMPACT_IDS
    from kconnect.pyyaml import yaml

    example = 'like acknowledge: {"orders-cdc": [topic-prefix-changed]}'
    if not isinstance(node, yaml.MappingNode):
        raise ProjectError(
            f"{_where(display, node)}: acknowledge must map connector name patterns to lists "
            f"of impact ids, {example}"
        )
    result: dict[str, tuple[str, ...]] = {}
    for pattern, value in _pattern_lists(display, node, "acknowledge", f"impact ids, {example}"):
        ids = []
        for item in value.value:
            if (
                not isinstance(item, yaml.ScalarNode)
                or item.tag != _STR
                or item.value not in IMPACT_IDS
            ):
                shown = item.value if isinstance(item, yaml.ScalarNode) else "?"
                raise ProjectError(
                    f"{_where(display, item)}: {shown!r} is not an impact id "
                    f"(known: {', '.join(sorted(IMPACT_IDS))})"
                )
            ids.append(str(item.value))
        result[pattern] = tuple(ids)
    return result


def _pattern_lists(
    display: str, node: yaml.MappingNode, field: str, what: str
) -> list[tuple[str, yaml.SequenceNode]]:
    """(pattern, list node) of `field: {pattern: [...]}`, each pattern a usable glob."""
    from kconnect.pyyaml import yaml

    found = []
    for pattern, key_node, value in _items(display, node):
        try:
            check_pattern(pattern, f"{field} pattern")
        except ScopeError as exc:
            raise ProjectError(f"{_where(display, key_node)}: {exc.message}") from None
        if not isinstance(value, yaml.SequenceNode):
            raise ProjectError(
                f"{_where(display, value)}: {field}.{pattern} must be a list of {what}"
            )
        found.append((pattern, value))
    return found


def _key_rules(display: str, field: str, node: yaml.Node) -> tuple[tuple[str, frozenset[str]], ...]:
    """`field: [key, ...]` for every connector, or `field: {pattern: [key, ...]}`."""
    from kconnect.pyyaml import yaml

    example = "[tasks.max]" if field == "ignore_keys" else "[api.token]"
    if isinstance(node, yaml.SequenceNode):
        return (("*", _config_keys(display, field, field, node)),)
    if not isinstance(node, yaml.MappingNode):
        raise ProjectError(
            f"{_where(display, node)}: {field} must be a list of config keys (for every "
            f"connector), like {field}: {example}, or map connector name patterns to such "
            f'lists, like {field}: {{"orders-*": {example}}}'
        )
    rules = []
    for pattern, value in _pattern_lists(display, node, field, f"config keys, like {example}"):
        rules.append((pattern, _config_keys(display, field, f"{field}.{pattern}", value)))
    return tuple(rules)


def _config_keys(display: str, field: str, shown: str, node: yaml.SequenceNode) -> frozenset[str]:
    from kconnect.manifests.document import key_rule_problem
    from kconnect.pyyaml import yaml

    keys: set[str] = set()
    for item in node.value:
        where = _where(display, item)
        if not isinstance(item, yaml.ScalarNode) or item.tag != _STR or not item.value:
            raise ProjectError(f"{where}: each entry of {shown} must be a non-empty string")
        if item.value in keys:
            raise ProjectError(f"{where}: {shown} lists {item.value!r} twice")
        if why := key_rule_problem(field, str(item.value)):
            raise ProjectError(f"{where}: {why}")
        keys.add(str(item.value))
    return frozenset(keys)


def _limits(display: str, node: yaml.Node) -> SafetyLimits:
    from kconnect.pyyaml import yaml

    if not isinstance(node, yaml.MappingNode):
        raise ProjectError(
            f"{_where(display, node)}: limits must be a mapping with the keys "
            f"{', '.join(_LIMIT_KEYS)}"
        )
    limits = SafetyLimits()
    for key, key_node, value in _items(display, node):
        if key not in _LIMIT_KEYS:
            raise ProjectError(
                f"{_where(display, key_node)}: unknown key {key!r} in limits "
                f"(allowed: {', '.join(_LIMIT_KEYS)})"
            )
        number = _number(display, key, value, integer=key != "max_delete_percent")
        limits = replace(limits, **{key: number})
    return limits


def _number(display: str, key: str, node: yaml.Node, *, integer: bool) -> Any:
    from kconnect.pyyaml import yaml

    kind = "a whole number" if integer else "a number"
    allowed = (_INT,) if integer else (_INT, _FLOAT)
    if not isinstance(node, yaml.ScalarNode) or node.tag not in allowed:
        raise ProjectError(f"{_where(display, node)}: {key} must be {kind}")
    try:
        value: float = int(node.value) if integer else float(node.value)
    except ValueError:
        raise ProjectError(f"{_where(display, node)}: {key} must be {kind}") from None
    if math.isnan(value) or value < 0 or (not integer and value > 100):
        bound = "between 0 and 100" if not integer else "0 or more"
        raise ProjectError(f"{_where(display, node)}: {key} must be {bound}, not {node.value}")
    return value


def resolve_project(
    paths: Sequence[str],
    *,
    owns: Sequence[str] | None = None,
    max_deletes: int | None = None,
    max_delete_percent: float | None = None,
    cwd: Path | None = None,
) -> Project:
    """The project for `paths`: `kconnect.yaml` if found, `--owns` and limit flags on top."""
    path = find_project_file(paths, cwd) if not owns else _quiet_find(paths, cwd)
    project = load_project_file(path) if path is not None else Project()
    if owns:
        project = replace(project, scope=Scope.of(owns, "--owns"))
    limits = project.limits
    if max_deletes is not None:
        limits = replace(limits, max_deletes=max_deletes)
    if max_delete_percent is not None:
        limits = replace(limits, max_delete_percent=max_delete_percent)
    return replace(project, limits=limits)


def _quiet_find(paths: Sequence[str], cwd: Path | None) -> Path | None:
    """With --owns the file's scope is overridden, but its limits still apply; paths in
    different projects are no error then (the scope comes from the command line)."""
    try:
        return find_project_file(paths, cwd)
    except ProjectError:
        return None
