"""Problems gathered while loading, so that one run reports every bad manifest at once."""

from __future__ import annotations

from dataclasses import dataclass, field

from kconnect.diagnostics import Location, Problem, error


@dataclass
class Collector:
    problems: list[Problem] = field(default_factory=list)
    # Every connector name declared so far, with where, to report duplicates across files.
    declared: list[tuple[str, Location]] = field(default_factory=list)

    def add(self, rule: str, message: str, location: Location, **kw: str) -> None:
        self.problems.append(error(rule, message, location, **kw))
