"""Loading manifests: paths → files → text → `Manifest` objects, every problem with file:line."""

from __future__ import annotations

import errno
import functools
import os
import stat
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kconnect.diagnostics import Location, Problem, error
from kconnect.errors import ManifestError
from kconnect.manifests.collector import Collector
from kconnect.manifests.document import document_manifest
from kconnect.manifests.model import Manifest
from kconnect.manifests.text import decode, format_of, read_text
from kconnect.manifests.yaml_nodes import compose_documents, is_resource
from kconnect.records import record

if TYPE_CHECKING:
    import yaml

STDIN = "-"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json", ".properties")
# The project file (ownership scope, safe-plan limits) lives among the manifests; not one of them.
PROJECT_FILE = "kconnect.yaml"


def expand_paths(paths: Sequence[str]) -> tuple[list[str], list[Problem]]:
    """Files named directly, `-`, and the manifest files (`*.yaml`, `*.yml`, `*.json`,
    `*.properties`) below each directory, sorted.

    Anything named directly that is not a directory is read as a file: FIFOs, `/dev/stdin` and
    process substitution (`<(…)`) included. Inside a directory, a manifest that cannot be read
    (a dangling symlink, a symlink loop) is an error rather than skipped: a manifest that
    silently disappears would have `--prune` delete its connector.
    """
    files: list[str] = []
    problems: list[Problem] = []
    for raw in paths:
        if raw == STDIN:
            files.append(STDIN)
            continue
        try:
            is_dir = stat.S_ISDIR(os.stat(raw).st_mode)
        except FileNotFoundError:
            why = "broken symlink" if os.path.islink(raw) else "no such file or directory"
            problems.append(error("manifest/missing", f"{why}: {raw}", Location(raw, 0)))
            continue
        except OSError as exc:
            shown = _short(raw)
            problems.append(
                error(
                    "manifest/unreadable",
                    f"cannot read path: {exc.strerror}",
                    Location(shown, 0),
                )
            )
            continue
        if not is_dir:
            files.append(raw)
            continue
        found, walk_problems = _walk(raw)
        problems.extend(walk_problems)
        if not found and not walk_problems:
            problems.append(
                error(
                    "manifest/empty-dir",
                    f"no *.yaml, *.yml, *.json or *.properties files in {raw}",
                    Location(raw, 0),
                )
            )
        files.extend(found)
    if not paths:
        problems.append(error("manifest/none", "no manifest paths given", None))
    return files, problems


def _walk(top: str) -> tuple[list[str], list[Problem]]:
    """Manifest files below `top`, following directory symlinks once each."""
    found: list[str] = []
    problems: list[Problem] = []
    seen: set[tuple[int, int]] = set()

    def on_error(exc: OSError) -> None:
        where = exc.filename or top
        problems.append(
            error("manifest/unreadable", f"cannot read {where}: {exc.strerror}", Location(where, 0))
        )

    for directory, dirnames, filenames in os.walk(top, onerror=on_error, followlinks=True):
        info = os.stat(directory)
        if (info.st_dev, info.st_ino) in seen:
            problems.append(
                error(
                    "manifest/symlink-loop",
                    f"symlink loop: {directory} leads back to a directory already read",
                    Location(directory, 0),
                )
            )
            dirnames.clear()
            continue
        seen.add((info.st_dev, info.st_ino))
        # Hidden entries are skipped: `.git/`, `.github/`, and the `..data/` and
        # `..<timestamp>/` copies inside a Kubernetes ConfigMap volume would otherwise
        # declare every connector twice.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith("."):
                continue
            path = os.path.join(directory, name)
            try:
                mode = os.stat(path).st_mode
            except OSError as exc:
                # os.walk lists a dangling or looping symlink as a file whatever it names.
                if Path(name).suffix in MANIFEST_SUFFIXES or exc.errno == errno.ELOOP:
                    why = "symlink loop" if exc.errno == errno.ELOOP else "broken symlink"
                    problems.append(
                        error("manifest/unreadable", f"{why}: {path}", Location(path, 0))
                    )
                continue
            if Path(name).suffix not in MANIFEST_SUFFIXES or name == PROJECT_FILE:
                continue
            if not stat.S_ISREG(mode):
                problems.append(
                    error("manifest/unreadable", f"not a regular file: {path}", Location(path, 0))
                )
                continue
            found.append(path)
    return sorted(found), problems


def _short(path: str) -> str:
    # A path too long for the OS is not worth echoing in full.
    return path if len(path) <= 120 else f"{path[:60]}…{path[-40:]}"


def _read(path: str, stdin: str | bytes | None) -> str:
    if path == STDIN:
        if stdin is None:
            stdin = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
        if isinstance(stdin, str):
            return stdin
        return decode(stdin)
    return read_text(path)


def load_manifests(
    paths: Sequence[str],
    env: Mapping[str, str],
    *,
    stdin_text: str | bytes | None = None,
) -> list[Manifest]:
    """Load every manifest under `paths`; raise `ManifestError` listing every problem found."""
    return load_manifest_set(paths, env, stdin_text=stdin_text).manifests


@record
class LoadedManifests:
    """The manifests read from every path, with the warnings and notes found on the way."""

    manifests: list[Manifest]
    # Warnings and notes found while loading (errors raise `ManifestError` instead).
    problems: tuple[Problem, ...]


def load_manifest_set(
    paths: Sequence[str],
    env: Mapping[str, str],
    *,
    stdin_text: str | bytes | None = None,
) -> LoadedManifests:
    """Load every manifest under `paths`, with the warnings and notes loading found; raise
    `ManifestError` listing every problem found if any is an error.

    `stdin_text` is what `-` reads (bytes are decoded as a file's would be); None reads stdin.
    """
    files, problems = expand_paths(paths)
    collector = Collector(problems)
    manifests: list[Manifest] = []
    for path in files:
        display = "<stdin>" if path == STDIN else path
        text = collector.read(functools.partial(_read, path, stdin_text), display)
        if text is None:
            continue
        for node in _documents(text, display, collector):
            if is_resource(node):
                from kconnect.manifests import strimzi  # only for Kubernetes resources

                manifests.extend(strimzi.resource_manifests(node, display, env, collector))
                continue
            manifest = document_manifest(node, display, env, collector)
            if manifest is not None:
                manifests.append(manifest)
    _check_unique_names(collector)
    if collector.strimzi_clusters:
        from kconnect.manifests import strimzi

        strimzi.check_clusters(collector)
    if not manifests and not collector.errors:
        # Only documents kconnect skips (a KafkaConnect, a ConfigMap): planning nothing would
        # make `--prune` delete every connector on the cluster.
        collector.problems.append(
            error(
                "manifest/no-connectors",
                f"no connector is declared in {', '.join(paths)}: every document was skipped",
            )
        )
    problems = sorted(collector.problems, key=Problem.sort_key)
    if collector.errors:
        raise ManifestError(problems)
    return LoadedManifests(manifests, tuple(problems))


def _documents(text: str, display: str, collector: Collector) -> list[yaml.Node]:
    """The documents of one file, by its kind: YAML (also `-`), JSON or .properties."""
    kind = format_of(display)
    if kind == "yaml":
        return compose_documents(text, display, collector)
    from kconnect.manifests import formats  # JSON and .properties only

    if kind == "json":
        return formats.json_documents(text, display, collector)
    node = formats.properties_document(text, display, collector)
    return [node] if node is not None else []


def _check_unique_names(collector: Collector) -> None:
    from kconnect.manifests.names import normalized_name

    first: dict[str, Location] = {}
    written: dict[str, str] = {}  # normalised name → the name as first written
    for name, where in collector.declared:
        key = normalized_name(name)
        if key not in first:
            first[key] = where
            written[key] = name
            continue
        if written[key] != name:
            collector.add(
                "manifest/duplicate-name",
                f"connector {name!r} and {written[key]!r} at {first[key]} are the same name "
                "written with different Unicode code points (normalisation forms); Connect "
                "would keep two connectors that look alike: write both the same way",
                where,
                connector=name,
            )
            continue
        name_first = first[key]
        this, other = collector.declared_by.get(where), collector.declared_by.get(name_first)
        if this or other:
            this, other = this or "a manifest", other or "a manifest"
            message = (
                f"connector {name!r} is declared twice: {this} here and {other} at "
                f"{name_first} (one Connect cluster has one set of connector names)"
            )
        else:
            message = f"connector {name!r} is declared twice (also at {name_first})"
        collector.add("manifest/duplicate-name", message, where, connector=name)
