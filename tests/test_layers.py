"""The package is a house of layers: a part may import the parts below it, never one above.

A function that a lower part needs lives in the wrong room when it sits in a higher part; move it
down to the layer every user of it stands on instead of importing upwards. Every import counts:
top-level, inside a function, and under `TYPE_CHECKING` (a type is a dependency too).
"""

from __future__ import annotations

import ast
from pathlib import Path

import kconnect

PACKAGE = Path(kconnect.__file__).parent

# Bottom first. A part is a top-level module or sub-package of `kconnect`; "kconnect" is the
# package's own `__init__` (the version). Each part may import only the parts listed before it.
LAYERS = (
    "kconnect",  # __version__
    "records",  # @record: the package's data classes, made without importing dataclasses
    "pyyaml",  # PyYAML, imported without compiling its pure-Python reader's regex up front
    "diagnostics",  # Problem, Location, Severity: plain data
    "output",  # the seam for everything written: redaction, terminal safety, console
    "catalogs",  # the bundled connector schemas (which keys are PASSWORD-typed...)
    "errors",  # KconnectError and the exit codes
    "health",  # a connector's health from its status
    "progress",  # progress events
    "config",  # settings and contexts
    "api",  # the only HTTP code, and reading the worker's answers
    "manifests",  # YAML manifests (and Strimzi resources) into `Manifest`s
    "validate",  # everything checked before a manifest reaches a worker
    "ops",  # operations: bulk writes, unknown outcomes, waiting, day-two commands
    "planning",  # plan, apply, scope, safety, saved plans
    "core",  # the library facade: validate, plan, apply, status
    "reconcile",  # the GitOps loop
    "cli",  # typer commands and rendering
    "__main__",
)


def _part(module: str) -> str:
    names = module.split(".")
    return names[1] if len(names) > 1 else names[0]


def _module_name(path: Path) -> str:
    parts = ["kconnect", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, package: str = "kconnect") -> list[tuple[int, str]]:
    """(line, imported module) for every kconnect import in the file, wherever it is;
    `package` is the file's own package, for relative imports."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("kconnect")]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([module] if module else [])])
            if module == "kconnect":  # `from kconnect import core` names a part
                found += [
                    (node.lineno, "kconnect" if a.name.startswith("__") else f"kconnect.{a.name}")
                    for a in node.names
                ]
            elif module.startswith("kconnect."):
                found.append((node.lineno, module))
    return sorted(found)


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_part_has_a_place_in_the_layers() -> None:
    parts = {_part(_module_name(path)) for path in _sources()}
    assert parts == set(LAYERS), "place new parts in LAYERS (and remove gone ones)"


def test_no_import_runs_up_a_layer() -> None:
    rank = {part: i for i, part in enumerate(LAYERS)}
    upward = []
    for path in _sources():
        importer = _module_name(path)
        package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
        for line, imported in _imports(path, package):
            if rank[_part(imported)] > rank[_part(importer)]:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line}: imports {imported}")
    assert upward == []


def test_the_check_sees_lazy_and_type_only_imports(tmp_path: Path) -> None:
    """The scan must not be fooled by an import hidden in a function or behind TYPE_CHECKING."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from kconnect.core import PlanReport\n"
        "def f():\n"
        "    import kconnect.cli.render\n"
        "    from kconnect import planning\n"
        "from ..planning import plan\n",
        encoding="utf-8",
    )
    assert _imports(sample, "kconnect.ops") == [
        (3, "kconnect.core"),
        (5, "kconnect.cli.render"),
        (6, "kconnect.planning"),
        (7, "kconnect.planning"),
    ]
