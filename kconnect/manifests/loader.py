"""Loading manifests: paths → files → text → `Manifest` objects, every problem with file:line."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from kconnect.diagnostics import Location, Problem, error
from kconnect.errors import ManifestError
from kconnect.manifests.collector import Collector
from kconnect.manifests.document import document_manifest
from kconnect.manifests.model import Manifest
from kconnect.manifests.yaml_nodes import compose_documents

STDIN = "-"
MANIFEST_SUFFIXES = (".yaml", ".yml")
# The project file (ownership scope, safe-plan limits) lives among the manifests; not one of them.
PROJECT_FILE = "kconnect.yaml"


def expand_paths(paths: Sequence[str]) -> tuple[list[str], list[Problem]]:
    """Files named directly, `-`, and the `*.yaml`/`*.yml` files below each directory, sorted."""
    files: list[str] = []
    problems: list[Problem] = []
    for raw in paths:
        if raw == STDIN:
            files.append(STDIN)
            continue
        path = Path(raw)
        if path.is_dir():
            # Hidden entries are skipped: `.git/`, `.github/`, and the `..data/` and
            # `..<timestamp>/` copies inside a Kubernetes ConfigMap volume would otherwise
            # declare every connector twice.
            found = sorted(
                str(p)
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix in MANIFEST_SUFFIXES
                and p.name != PROJECT_FILE
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                problems.append(
                    error(
                        "manifest/empty-dir", f"no *.yaml or *.yml files in {raw}", Location(raw, 0)
                    )
                )
            files.extend(found)
        elif path.is_file():
            files.append(str(path))
        else:
            problems.append(
                error("manifest/missing", f"no such file or directory: {raw}", Location(raw, 0))
            )
    if not paths:
        problems.append(error("manifest/none", "no manifest paths given", None))
    return files, problems


def _read(path: str, stdin_text: str | None) -> str:
    if path == STDIN:
        return stdin_text if stdin_text is not None else sys.stdin.read()
    return Path(path).read_text(encoding="utf-8")


def load_manifests(
    paths: Sequence[str],
    env: Mapping[str, str],
    *,
    stdin_text: str | None = None,
) -> list[Manifest]:
    """Load every manifest under `paths`; raise `ManifestError` listing every problem found."""
    return load_manifest_set(paths, env, stdin_text=stdin_text).manifests


@dataclass(frozen=True)
class LoadedManifests:
    manifests: list[Manifest]
    # Warnings and notes found while loading (errors raise `ManifestError` instead).
    problems: tuple[Problem, ...]


def load_manifest_set(
    paths: Sequence[str],
    env: Mapping[str, str],
    *,
    stdin_text: str | None = None,
) -> LoadedManifests:
    """Load every manifest under `paths`, with the warnings and notes loading found; raise
    `ManifestError` listing every problem found if any is an error."""
    from kconnect.manifests import strimzi

    files, problems = expand_paths(paths)
    collector = Collector(problems)
    manifests: list[Manifest] = []
    for path in files:
        display = "<stdin>" if path == STDIN else path
        try:
            text = _read(path, stdin_text)
        except (OSError, UnicodeDecodeError) as exc:
            collector.add("manifest/unreadable", f"cannot read file: {exc}", Location(display, 0))
            continue
        for node in compose_documents(text, display, collector):
            if strimzi.is_resource(node):
                manifests.extend(strimzi.resource_manifests(node, display, env, collector))
                continue
            manifest = document_manifest(node, display, env, collector)
            if manifest is not None:
                manifests.append(manifest)
    _check_unique_names(collector)
    strimzi.check_clusters(collector)
    problems = sorted(collector.problems, key=Problem.sort_key)
    if collector.errors:
        raise ManifestError(problems)
    return LoadedManifests(manifests, tuple(problems))


def _check_unique_names(collector: Collector) -> None:
    first: dict[str, Location] = {}
    for name, where in collector.declared:
        if name not in first:
            first[name] = where
            continue
        this, other = collector.declared_by.get(where), collector.declared_by.get(first[name])
        if this and other:
            message = (
                f"connector {name!r} is declared twice: {this} here and {other} at "
                f"{first[name]} (one Connect cluster has one set of connector names)"
            )
        else:
            message = f"connector {name!r} is declared twice (also at {first[name]})"
        collector.add("manifest/duplicate-name", message, where, connector=name)
