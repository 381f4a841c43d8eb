"""kconnect.pyyaml: PyYAML imported without compiling its reader's regex, and nothing else changed.

The pattern (`yaml.reader.Reader.NON_PRINTABLE`, ≈ 4–5 ms to compile) is compiled on its first
use; a pure-Python load still refuses a non-printable character with PyYAML's own error, and a
piped `validate` (LibYAML's reader) never compiles it. Each probe runs in a fresh interpreter:
this process imported PyYAML long ago.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import package_imports_of

# Loads the same texts with the pure-Python SafeLoader, through PyYAML as `import_line` imports it.
_LOAD = """
import json, re, sys
compile_before = re.compile
{import_line}
deferred = type(yaml.reader.Reader.NON_PRINTABLE).__name__
results = []
for text in ("a: b\\x07c\\n", "a: 'caf\\u00e9 \\U0001f600'\\n", "k: \\ufffe\\n"):
    try:
        results.append(["loaded", yaml.load(text, Loader=yaml.SafeLoader)])
    except yaml.YAMLError as exc:
        results.append([type(exc).__name__, str(exc)])
json.dump({{"deferred": deferred, "restored": re.compile is compile_before, "results": results}},
          sys.stdout)
"""


def _load(import_line: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _LOAD.format(import_line=import_line)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_the_pattern_waits_for_its_first_use_and_then_checks_as_pyyaml_does() -> None:
    ours = _load("from kconnect.pyyaml import yaml")
    theirs = _load("import yaml")
    assert ours["deferred"] == "CompiledOnFirstUse"
    assert theirs["deferred"] == "Pattern"
    assert ours["restored"] is True  # re.compile is the real one again
    assert ours["results"] == theirs["results"]
    results = ours["results"]
    assert isinstance(results, list)
    assert [r[0] for r in results] == ["ReaderError", "loaded", "ReaderError"]
    assert "special characters are not allowed" in results[0][1]


def test_the_deferred_pattern_copies_and_pickles_as_a_pattern_does() -> None:
    import copy
    import pickle

    from kconnect.pyyaml import CompiledOnFirstUse

    pattern = CompiledOnFirstUse("[^a-z]", 0)
    for twin in (copy.copy(pattern), copy.deepcopy(pattern), pickle.loads(pickle.dumps(pattern))):
        assert twin.search("ab\x07c").start() == 2
        assert twin.pattern == "[^a-z]"


# Reports at exit: `main()` ends the process itself, after the atexit functions.
_VALIDATE = """
import atexit, json, sys
from kconnect.cli import main


@atexit.register
def _report():
    pattern = sys.modules["yaml"].reader.Reader.NON_PRINTABLE
    compiled = getattr(pattern, "_compiled", "eager") is not None
    print(json.dumps({"compiled": compiled}), file=sys.stderr)


main()
"""


@pytest.mark.skipif(
    not hasattr(yaml, "CSafeLoader"), reason="PyYAML without LibYAML reads with its Python reader"
)
def test_a_piped_validate_never_compiles_the_pattern(tmp_path: Path) -> None:
    manifest = tmp_path / "one.yaml"
    manifest.write_text(
        "name: one\nconfig:\n  connector.class: FileStreamSource\n  topic: t\n  file: /tmp/x\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", _VALIDATE, "validate", str(manifest)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert json.loads(done.stderr.splitlines()[-1]) == {"compiled": False}


def test_the_package_imports_pyyaml_only_through_kconnect_pyyaml() -> None:
    # Whichever module imports PyYAML first in a process would otherwise pay for the pattern.
    assert [
        place for place in package_imports_of("yaml") if not place.startswith("pyyaml.py:")
    ] == []
    assert package_imports_of("yaml")  # the one in kconnect/pyyaml.py
