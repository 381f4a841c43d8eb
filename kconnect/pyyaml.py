"""PyYAML, imported without compiling its pure-Python reader's regex up front.

Start-up is a feature: importing `yaml` compiles `Reader.NON_PRINTABLE`, a character class over
all of Unicode, which costs ≈ 4–5 ms (about half of `python -c pass`) in every command that reads
YAML. Only the pure-Python reader uses it; kconnect reads manifests with LibYAML's
`CSafeLoader`, so a `validate` never needs it. Here that one pattern is compiled on first use
instead: the rest of PyYAML is imported as it is, and a pure-Python load still checks printable
characters exactly as before (tests/test_pyyaml.py).

Every module of the package imports PyYAML from here (`from kconnect.pyyaml import yaml`), so
that whichever imports it first in a process does not pay for the pattern.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

# yaml/reader.py, Reader.NON_PRINTABLE (PyYAML 6.0.x). Should a release change it, the pattern is
# compiled at import as before, and tests/test_pyyaml.py fails to say so.
_NON_PRINTABLE = "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"


class CompiledOnFirstUse:
    """Stands in for a compiled pattern: compiles it when a method is first asked for."""

    def __init__(self, pattern: str, flags: int) -> None:
        self._source = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_source", "_compiled"):
            # Asked before the state is set (copy and pickle make the instance first, then look
            # for __setstate__): answering from the pattern would recurse.
            raise AttributeError(name)
        if self._compiled is None:
            self._compiled = re.compile(*self._source)
        return getattr(self._compiled, name)


def _import_yaml() -> Any:
    compile_now = re.compile

    def compile_or_defer(pattern: Any, flags: Any = 0) -> Any:
        if pattern == _NON_PRINTABLE and not flags:
            return CompiledOnFirstUse(pattern, flags)
        return compile_now(pattern, flags)

    re.compile = compile_or_defer
    try:
        import yaml
    finally:
        re.compile = compile_now
    return yaml


if TYPE_CHECKING:
    import yaml
else:
    yaml = _import_yaml()

__all__ = ["yaml"]
